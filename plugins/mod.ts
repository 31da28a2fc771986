/** The `plugins` layer. @module */
export {};
