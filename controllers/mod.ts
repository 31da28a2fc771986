/**
 * The `controllers` layer: the built-in "serving" plugins — Service,
 * Configuration, Revision, PodAutoscaler, ServerlessService, Route, labeler
 * and revision GC — and {@link servingPlugins}, the list a Manager runs.
 * @module
 */
import type { ControllerPlugin, KubeObject } from "../runtime/mod.ts";
import { servicePlugin } from "./service/mod.ts";
import { configurationPlugin } from "./configuration/mod.ts";
import { createRevisionPlugin } from "./revision/mod.ts";
import { podAutoscalerPlugin } from "./autoscaling/mod.ts";
import { serverlessServicePlugin } from "./serverlessservice/mod.ts";
import { routePlugin } from "./route/mod.ts";
import { labelerPlugin } from "./labeler/mod.ts";
import { gcPlugin } from "./gc/mod.ts";

export * from "./names.ts";
export { servicePlugin } from "./service/mod.ts";
export { configurationPlugin } from "./configuration/mod.ts";
export { createRevisionPlugin, revisionPlugin } from "./revision/mod.ts";
export { podAutoscalerPlugin } from "./autoscaling/mod.ts";
export { serverlessServicePlugin } from "./serverlessservice/mod.ts";
export { routePlugin } from "./route/mod.ts";
export { labelerPlugin } from "./labeler/mod.ts";
export { gcPlugin } from "./gc/mod.ts";

/** Options of {@link servingPlugins}. */
export interface ServingPluginsOptions {
  /** Resolve image tags to digests (Knative's default: true; `dev`/`render`: false). */
  resolveDigests?: boolean;
  /** Further plugins to run alongside (e.g. the generic ingress reconciler). */
  extra?: ControllerPlugin[];
}

/** Every serving controller plugin, in dependency order, plus `extra`. */
export function servingPlugins(opts: ServingPluginsOptions = {}): ControllerPlugin<KubeObject>[] {
  const plugins = [
    servicePlugin,
    configurationPlugin,
    createRevisionPlugin({ resolveDigests: opts.resolveDigests ?? true }),
    podAutoscalerPlugin,
    serverlessServicePlugin,
    routePlugin(),
    labelerPlugin(),
    gcPlugin(),
  ] as unknown as ControllerPlugin<KubeObject>[];
  return [...plugins, ...(opts.extra ?? [])];
}
