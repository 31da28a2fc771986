/**
 * Object builders shared by the route, labeler and gc tests.
 * @module
 */
import type { Configuration, Revision, Route, TrafficTarget } from "../../../apis/mod.ts";
import { parseDomainConfig, parseFeaturesConfig, parseNetworkConfig } from "../../../apis/mod.ts";
import type { RouteConfig } from "../../../controllers/route/resources.ts";

/** A RouteConfig from raw config-map data. */
export function routeConfig(
  opts: {
    network?: Record<string, string>;
    domain?: Record<string, string>;
    features?: Record<string, string>;
  } = {},
): RouteConfig {
  return {
    network: parseNetworkConfig(opts.network ?? {}),
    domain: parseDomainConfig(opts.domain ?? { "example.com": "" }),
    features: parseFeaturesConfig(opts.features ?? {}),
    clusterDomain: "cluster.local",
  };
}

/** A Route. */
export function route(
  name: string,
  traffic: TrafficTarget[],
  meta: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
  } = {},
): Route {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Route",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      generation: meta.generation ?? 1,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
    },
    spec: { traffic },
  };
}

/** A Configuration with a latest ready (and created) revision. */
export function configuration(
  name: string,
  lrr?: string,
  ready: "True" | "False" | "Unknown" = lrr ? "True" : "Unknown",
  extra: { lcr?: string; annotations?: Record<string, string> } = {},
): Configuration {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Configuration",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      generation: 1,
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
    },
    spec: { template: { spec: { containers: [{ image: "img" }] } } },
    status: {
      observedGeneration: 1,
      conditions: [{ type: "Ready", status: ready }],
      ...(lrr ? { latestReadyRevisionName: lrr } : {}),
      ...(extra.lcr ?? lrr ? { latestCreatedRevisionName: extra.lcr ?? lrr } : {}),
    },
  };
}

/** A Revision of `config` (label set), Ready unless told. */
export function revision(
  name: string,
  config = "cfg",
  opts: {
    ready?: "True" | "False" | "Unknown";
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    h2c?: boolean;
    created?: string;
  } = {},
): Revision {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Revision",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      generation: 1,
      creationTimestamp: opts.created ?? "2026-01-01T00:00:00Z",
      labels: { "serving.knative.dev/configuration": config, ...(opts.labels ?? {}) },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ownerReferences: [{
        apiVersion: "serving.knative.dev/v1",
        kind: "Configuration",
        name: config,
        uid: `uid-${config}`,
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      containers: [{
        image: "img",
        ...(opts.h2c ? { ports: [{ name: "h2c", containerPort: 8080 }] } : {}),
      }],
    },
    status: {
      observedGeneration: 1,
      conditions: [{ type: "Ready", status: opts.ready ?? "True" }],
    },
  };
}

/** A lookup over the given objects. */
export function lookup(objs: (Configuration | Revision)[]) {
  return {
    configuration: (n: string) =>
      objs.find((o) => o.kind === "Configuration" && o.metadata.name === n) as
        | Configuration
        | undefined,
    revision: (n: string) =>
      objs.find((o) => o.kind === "Revision" && o.metadata.name === n) as Revision | undefined,
  };
}
