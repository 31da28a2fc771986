/** The `dataplane` layer. @module */
export {};
