/**
 * Pure builder of the Revision a Configuration stamps out
 * (KNATIVE.md §4, `configuration/resources/revision.go`).
 * @module
 */
import type { Configuration, Revision } from "../../apis/mod.ts";
import {
  CONFIGURATION_GENERATION_LABEL,
  CONFIGURATION_LABEL,
  CONFIGURATION_UID_LABEL,
  CREATOR_ANNOTATION,
  ROUTES_ANNOTATION,
  ROUTING_STATE_LABEL,
  ROUTING_STATE_MODIFIED_ANNOTATION,
  RoutingState,
  SERVICE_LABEL,
  SERVICE_UID_LABEL,
  SERVING_V1,
  UPDATER_ANNOTATION,
} from "../../apis/mod.ts";
import { childName, controllerRef } from "../names.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** RFC3339 UTC with second precision, as Knative writes `routingStateModified`. */
export function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The name of the Revision for the Configuration's current generation: the
 * template's BYO name, else `<config>-<5-digit generation>`.
 */
export function revisionNameFor(config: Configuration): string {
  const byo = config.spec.template.metadata?.name;
  if (byo) return byo;
  const gen = String(config.metadata.generation ?? 0).padStart(5, "0");
  return childName(config.metadata.name ?? "", `-${gen}`);
}

/** Builds the Revision for the Configuration's current generation (`MakeRevision`). */
export function makeRevision(config: Configuration, now: Date): Revision {
  const tmpl = deepCopy(config.spec.template);
  const labels: Record<string, string> = { ...(tmpl.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(tmpl.metadata?.annotations ?? {}) };
  labels[CONFIGURATION_LABEL] = config.metadata.name ?? "";
  labels[CONFIGURATION_GENERATION_LABEL] = String(config.metadata.generation ?? 0);
  labels[CONFIGURATION_UID_LABEL] = config.metadata.uid ?? "";
  const cl = config.metadata.labels ?? {};
  if (cl[SERVICE_LABEL] !== undefined) labels[SERVICE_LABEL] = cl[SERVICE_LABEL];
  if (cl[SERVICE_UID_LABEL] !== undefined) labels[SERVICE_UID_LABEL] = cl[SERVICE_UID_LABEL];
  const ts = rfc3339Seconds(now);
  labels[ROUTING_STATE_LABEL] = RoutingState.Pending;
  annotations[ROUTING_STATE_MODIFIED_ANNOTATION] = ts;
  const ca = config.metadata.annotations ?? {};
  if (ca[UPDATER_ANNOTATION] !== undefined) {
    annotations[CREATOR_ANNOTATION] = ca[UPDATER_ANNOTATION];
  }
  if (ca[ROUTES_ANNOTATION] !== undefined) {
    annotations[ROUTES_ANNOTATION] = ca[ROUTES_ANNOTATION];
    labels[ROUTING_STATE_LABEL] = RoutingState.Active;
  }
  return {
    apiVersion: SERVING_V1,
    kind: "Revision",
    metadata: {
      name: revisionNameFor(config),
      namespace: config.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [controllerRef(config)],
    },
    spec: tmpl.spec,
  };
}
