/** The `apiserver` layer. @module */
export {};
