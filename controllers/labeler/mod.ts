/**
 * The labeler plugin: `serving.knative.dev/routes` and `routingState` (KNATIVE.md §6).
 * @module
 */
export * from "./resources.ts";
export { LABELER_FINALIZER, labelerPlugin, syncRoutingMeta } from "./reconciler.ts";
