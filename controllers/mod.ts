/**
 * The `controllers` layer: the built-in "serving" plugins — Service,
 * Configuration, Revision, PodAutoscaler, ServerlessService, Route, labeler
 * and revision GC — and {@link servingPlugins}, the list a Manager runs.
 * @module
 */
import type { ControllerPlugin, KubeObject } from "../runtime/mod.ts";
import {
  contourProvider,
  createProviderRegistry,
  gatewayApiProvider,
  ingressControllerPlugin,
  istioProvider,
  type ProviderRegistry,
} from "../networking/mod.ts";
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
  /**
   * Providers for the generic ingress reconciler (default: Istio, Contour and
   * Gateway API); `false` leaves the Ingress to another controller.
   */
  ingressRegistry?: ProviderRegistry | false;
  /** Further plugins to run alongside. */
  extra?: ControllerPlugin[];
}

/** The built-in cluster providers: Istio, Contour, Gateway API. */
export function defaultProviderRegistry(): ProviderRegistry {
  return createProviderRegistry([istioProvider(), contourProvider(), gatewayApiProvider()]);
}

/**
 * Every serving controller plugin in dependency order, then the generic
 * ingress reconciler, then `extra`.
 */
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
  const registry = opts.ingressRegistry === undefined
    ? defaultProviderRegistry()
    : opts.ingressRegistry;
  if (registry) {
    plugins.push(ingressControllerPlugin({ registry }) as unknown as ControllerPlugin<KubeObject>);
  }
  return [...plugins, ...(opts.extra ?? [])];
}
