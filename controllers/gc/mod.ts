/**
 * The revision garbage collector plugin (KNATIVE.md §7).
 * @module
 */
export * from "./resources.ts";
export { collect, gcPlugin } from "./reconciler.ts";
