/**
 * Pure pieces of the labeler (KNATIVE.md §6): which Configurations and
 * Revisions a Route references, and the metadata merge patch that adds or
 * removes the Route from the `serving.knative.dev/routes` annotation and
 * keeps the Revision `routingState` label in step.
 * @module
 */
import type { Configuration, Revision, Route } from "../../apis/mod.ts";
import {
  ROUTES_ANNOTATION,
  ROUTING_STATE_LABEL,
  ROUTING_STATE_MODIFIED_ANNOTATION,
  RoutingState,
} from "../../apis/mod.ts";
import type { KubeObject } from "../../runtime/mod.ts";
import { getControllerOf } from "../names.ts";

/** The referenced objects of a Route, by name. */
export interface Referenced {
  /** Revision names (existing). */
  revisions: Set<string>;
  /** Configuration names (existing). */
  configurations: Set<string>;
  /** Every name looked up (for tracking), existing or not. */
  tracked: { kind: "Revision" | "Configuration"; name: string }[];
}

/**
 * `syncRoutingMeta`'s referenced set: every existing revision named in
 * `status.traffic` ∪ `spec.traffic`, its controlling Configuration, every
 * `configurationName`, and the latest created revision of a `latestRevision`
 * target's Configuration.
 */
export function referencedBy(
  route: Route,
  lookup: {
    revision(name: string): Revision | undefined;
    configuration(name: string): Configuration | undefined;
  },
): Referenced {
  const out: Referenced = { revisions: new Set(), configurations: new Set(), tracked: [] };
  for (const tt of [...(route.status?.traffic ?? []), ...(route.spec?.traffic ?? [])]) {
    let configName = tt.configurationName ?? "";
    if (tt.revisionName) {
      out.tracked.push({ kind: "Revision", name: tt.revisionName });
      const rev = lookup.revision(tt.revisionName);
      if (!rev) continue;
      out.revisions.add(tt.revisionName);
      const owner = getControllerOf(rev);
      if (owner?.kind === "Configuration") configName = owner.name;
    }
    if (configName) {
      out.tracked.push({ kind: "Configuration", name: configName });
      const cfg = lookup.configuration(configName);
      if (!cfg) continue;
      out.configurations.add(configName);
      const lcr = cfg.status?.latestCreatedRevisionName;
      if (lcr && tt.latestRevision) out.revisions.add(lcr);
    }
  }
  return out;
}

/** The routes listed in an object's `routes` annotation. */
export function listedRoutes(obj: KubeObject): Set<string> {
  const v = obj.metadata.annotations?.[ROUTES_ANNOTATION] ?? "";
  return new Set(v.split(",").map((s) => s.trim()).filter((s) => s !== ""));
}

/** A metadata merge patch (`null` deletes a key). */
export interface MetadataPatch {
  /** The metadata part. */
  metadata: {
    labels?: Record<string, string | null>;
    annotations?: Record<string, string | null>;
  };
}

/**
 * `makeMetadataPatch`: adds (or with `remove`, removes) `route` in the
 * `routes` annotation; for Revisions (`routingState`), sets the routing state
 * to `active` while any route is listed, else `reserve`, stamping
 * `routingStateModified` on every change. Undefined when nothing changes.
 */
export function metadataPatch(
  obj: KubeObject,
  route: string,
  remove: boolean,
  routingState: boolean,
  now: Date,
): MetadataPatch | undefined {
  const labels: Record<string, string | null> = {};
  const annotations: Record<string, string | null> = {};
  const set = listedRoutes(obj);
  const has = set.has(route);
  if (has && remove) {
    set.delete(route);
    annotations[ROUTES_ANNOTATION] = set.size ? [...set].sort().join(",") : null;
  } else if (!has && !remove) {
    set.add(route);
    annotations[ROUTES_ANNOTATION] = [...set].sort().join(",");
  }
  if (routingState) {
    let hasRoute = (obj.metadata.annotations?.[ROUTES_ANNOTATION] ?? "") !== "";
    if (ROUTES_ANNOTATION in annotations) hasRoute = annotations[ROUTES_ANNOTATION] !== null;
    const want = hasRoute ? RoutingState.Active : RoutingState.Reserve;
    if (obj.metadata.labels?.[ROUTING_STATE_LABEL] !== want) {
      labels[ROUTING_STATE_LABEL] = want;
      annotations[ROUTING_STATE_MODIFIED_ANNOTATION] = rfc3339Seconds(now);
    }
  }
  const metadata: MetadataPatch["metadata"] = {};
  if (Object.keys(labels).length) metadata.labels = labels;
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return Object.keys(metadata).length ? { metadata } : undefined;
}

/** RFC3339 in UTC with seconds precision (`RoutingStateModifiedString`). */
export function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
