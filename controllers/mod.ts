/** The `controllers` layer. @module */
export {};
