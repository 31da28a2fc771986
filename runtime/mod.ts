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
export * from "./errors.ts";
export * from "./conditions.ts";
export * from "./patch.ts";
export * from "./selectors.ts";
export * from "./fake_client.ts";
export * from "./backoff.ts";
export * from "./work_queue.ts";
export * from "./store.ts";
export * from "./lookup.ts";
export * from "./watcher.ts";
export * from "./logging.ts";
export * from "./metrics.ts";
export * from "./events.ts";
export * from "./config_store.ts";
export * from "./leader_election.ts";
export * from "./controller.ts";
export * from "./manager.ts";
export * from "./health.ts";
export * from "./signals.ts";
export * from "./registry.ts";
export * from "./client.ts";
export * from "./tls.ts";
export * from "./tls_front.ts";
export * from "./conn.ts";
export * from "./hash.ts";
