/**
 * The runtime core: Kubernetes client seam, watcher, store, work queue,
 * controller loop, conditions, events, leader election, config store,
 * logging, metrics, and the plugin contracts. Knows nothing of Knative.
 * @module
 */
export * from "./types.ts";
export * from "./client_api.ts";
export * from "./plugin.ts";
export * from "./admission.ts";
