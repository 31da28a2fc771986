/** The `networking` layer. @module */
export {};
