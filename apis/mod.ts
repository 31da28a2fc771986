/** The `apis` layer. @module */
export {};
