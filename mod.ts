/**
 * denative's public API for plugin authors and embedders.
 * @module
 */
export * from "./runtime/mod.ts";
