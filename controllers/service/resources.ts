/**
 * Pure builders of a Service's children: the Configuration and the Route
 * (KNATIVE.md §3, `service/resources/{configuration,route}.go`).
 * @module
 */
import type { Configuration, Route, Service, TrafficTarget } from "../../apis/mod.ts";
import {
  ROLLOUT_DURATION_KEYS,
  ROUTES_ANNOTATION,
  SERVICE_LABEL,
  SERVICE_UID_LABEL,
  SERVING_V1,
} from "../../apis/mod.ts";
import { controllerRef, excludeKeys, union } from "../names.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** Annotation kubectl writes with the last applied configuration; never propagated. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** The Configuration of a Service is named exactly as the Service. */
export function configurationName(svc: Service): string {
  return svc.metadata.name ?? "";
}

/** The Route of a Service is named exactly as the Service. */
export function routeName(svc: Service): string {
  return svc.metadata.name ?? "";
}

/**
 * Merges `routeName` into the comma-joined, sorted `serving.knative.dev/routes`
 * value found on an existing object.
 */
export function mergeRoutesAnnotation(existing: string | undefined, route: string): string {
  const set = new Set((existing ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""));
  set.add(route);
  return [...set].sort().join(",");
}

/**
 * Builds the Configuration of a Service (`MakeConfiguration`). `existing` is the
 * current Configuration, whose `routes` annotation is preserved and extended.
 */
export function makeConfiguration(svc: Service, existing?: Configuration): Configuration {
  const annotations = excludeKeys(svc.metadata.annotations, [
    LAST_APPLIED_ANNOTATION,
    ...ROLLOUT_DURATION_KEYS,
  ]);
  annotations[ROUTES_ANNOTATION] = mergeRoutesAnnotation(
    existing?.metadata.annotations?.[ROUTES_ANNOTATION],
    routeName(svc),
  );
  return {
    apiVersion: SERVING_V1,
    kind: "Configuration",
    metadata: {
      name: configurationName(svc),
      namespace: svc.metadata.namespace,
      labels: union(svc.metadata.labels, {
        [SERVICE_LABEL]: svc.metadata.name ?? "",
        [SERVICE_UID_LABEL]: svc.metadata.uid ?? "",
      }),
      annotations,
      ownerReferences: [controllerRef(svc)],
    },
    spec: { template: deepCopy(svc.spec.template) },
  };
}

/** Builds the Route of a Service (`MakeRoute`). */
export function makeRoute(svc: Service): Route {
  const traffic: TrafficTarget[] = (svc.spec.traffic ?? []).map((t) => {
    const out = deepCopy(t);
    if (!out.revisionName) out.configurationName = configurationName(svc);
    return out;
  });
  return {
    apiVersion: SERVING_V1,
    kind: "Route",
    metadata: {
      name: routeName(svc),
      namespace: svc.metadata.namespace,
      labels: union(svc.metadata.labels, { [SERVICE_LABEL]: svc.metadata.name ?? "" }),
      annotations: excludeKeys(svc.metadata.annotations, [LAST_APPLIED_ANNOTATION]),
      ownerReferences: [controllerRef(svc)],
    },
    spec: { traffic },
  };
}
