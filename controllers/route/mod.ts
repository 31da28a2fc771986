/**
 * The Route controller plugin (KNATIVE.md §5).
 * @module
 */
export * from "./traffic.ts";
export * from "./rollout.ts";
export * from "./resources.ts";
export * from "./tracker.ts";
export {
  CLUSTER_DOMAIN,
  reconcileRoute,
  rolloutDurationSecs,
  routeConfigFrom,
  routePlugin,
  type RoutePluginOptions,
} from "./reconciler.ts";
