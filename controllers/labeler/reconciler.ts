/**
 * The labeler (KNATIVE.md §6): a second controller on Routes that keeps the
 * `serving.knative.dev/routes` annotation and the Revision `routingState`
 * label in step with what each Route references. Phases: find referenced →
 * clear the no-longer-referenced (only once the Route is Ready or Failed) →
 * mark the referenced. On deletion (finalizer) the Route is removed everywhere.
 * It writes no Route status.
 * @module
 */
import type { Configuration, Revision, Route } from "../../apis/mod.ts";
import { ROUTING_STATE_LABEL, RoutingState, SERVING_V1 } from "../../apis/mod.ts";
import type { ControllerPlugin, KubeObject, ReconcilerDeps, StoreView } from "../../runtime/mod.ts";
import { isNotFound, objectKey } from "../../runtime/mod.ts";
import { Tracker } from "../route/tracker.ts";
import { listedRoutes, metadataPatch, referencedBy } from "./resources.ts";

/** The labeler's finalizer on Routes (Knative's default for the Route reconciler). */
export const LABELER_FINALIZER = "routes.serving.knative.dev";

const ROUTE = { apiVersion: SERVING_V1, kind: "Route" };
const CONFIGURATION = { apiVersion: SERVING_V1, kind: "Configuration" };
const REVISION = { apiVersion: SERVING_V1, kind: "Revision" };

type Kind = "Configuration" | "Revision";

function store(deps: ReconcilerDeps, kind: Kind): StoreView {
  const s = deps.stores.get(`${SERVING_V1}/${kind}`);
  if (!s) throw new Error(`no informer cache for ${SERVING_V1}/${kind}`);
  return s;
}

function readyStatus(route: Route): string | undefined {
  if (route.status?.observedGeneration !== route.metadata.generation) return undefined;
  return route.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

/** The labeler controller plugin. */
export function labelerPlugin(opts: { tracker?: Tracker } = {}): ControllerPlugin<Route> {
  const tracker = opts.tracker ?? new Tracker();
  return {
    name: "labeler",
    resource: ROUTE,
    watches: [
      { gvk: CONFIGURATION, map: (o) => tracker.lookup("Configuration", o) },
      { gvk: REVISION, map: (o) => tracker.lookup("Revision", o) },
    ],
    finalizer: LABELER_FINALIZER,
    // The Route's status belongs to the Route controller (Knative: SkipStatusUpdates).
    writesStatus: false,
    create: (deps) => {
      const memory: LabelerMemory = new Map();
      return {
        reconcile: (route) => syncRoutingMeta(deps, tracker, route, memory),
        finalize: async (route) => {
          await clearNotListed(deps, route, "Revision", new Set());
          await clearNotListed(deps, route, "Configuration", new Set());
          tracker.forget(route);
          memory.delete(objectKey(route));
        },
      };
    },
  };
}

/**
 * What the labeler last marked per Route (`namespace/name`), so releasing
 * checks only those instead of scanning every object; a Route seen for the
 * first time is scanned in full.
 */
export type LabelerMemory = Map<string, { Revision: Set<string>; Configuration: Set<string> }>;

/** One labeler pass over a Route. */
export async function syncRoutingMeta(
  deps: ReconcilerDeps,
  tracker: Tracker,
  route: Route,
  memory: LabelerMemory = new Map(),
): Promise<void> {
  const ns = route.metadata.namespace ?? "";
  const revs = store(deps, "Revision"), cfgs = store(deps, "Configuration");
  const ref = referencedBy(route, {
    revision: (n) => revs.get(`${ns}/${n}`) as Revision | undefined,
    configuration: (n) => cfgs.get(`${ns}/${n}`) as Configuration | undefined,
  });
  tracker.track(route, ref.tracked);
  const st = readyStatus(route);
  const key = objectKey(route);
  const prev = memory.get(key);
  const settledNow = st === "True" || st === "False";
  if (settledNow) {
    await clearNotListed(deps, route, "Revision", ref.revisions, prev?.Revision);
    await clearNotListed(deps, route, "Configuration", ref.configurations, prev?.Configuration);
  }
  for (const name of ref.revisions) await setMeta(deps, route, "Revision", name, false);
  for (const name of ref.configurations) await setMeta(deps, route, "Configuration", name, false);
  memory.set(key, {
    Revision: new Set([...(settledNow ? [] : prev?.Revision ?? []), ...ref.revisions]),
    Configuration: new Set([
      ...(settledNow ? [] : prev?.Configuration ?? []),
      ...ref.configurations,
    ]),
  });
}

async function clearNotListed(
  deps: ReconcilerDeps,
  route: Route,
  kind: Kind,
  keep: Set<string>,
  candidates?: Set<string>,
): Promise<void> {
  const ns = route.metadata.namespace ?? "";
  const name = route.metadata.name ?? "";
  const s = store(deps, kind);
  const objs = candidates
    ? [...candidates].map((n) => s.get(`${ns}/${n}`)).filter((o) => o !== undefined)
    : s.list(ns);
  for (const obj of objs) {
    if (kind === "Revision" && obj.metadata.labels?.[ROUTING_STATE_LABEL] !== RoutingState.Active) {
      continue;
    }
    if (!listedRoutes(obj as KubeObject).has(name) || keep.has(obj.metadata.name ?? "")) continue;
    await setMeta(deps, route, kind, obj.metadata.name ?? "", true);
  }
}

async function setMeta(
  deps: ReconcilerDeps,
  route: Route,
  kind: Kind,
  name: string,
  remove: boolean,
): Promise<void> {
  const ns = route.metadata.namespace ?? "";
  const obj = store(deps, kind).get(`${ns}/${name}`) as KubeObject | undefined;
  if (!obj) return;
  const patch = metadataPatch(
    obj,
    route.metadata.name ?? "",
    remove,
    kind === "Revision",
    deps.now(),
  );
  if (!patch) return;
  try {
    await deps.client.patch(
      { apiVersion: SERVING_V1, kind, namespace: ns, name },
      "merge",
      patch,
    );
  } catch (e) {
    if (isNotFound(e)) return;
    throw new Error(
      `failed to ${remove ? "remove" : "add"} route annotation on ${kind} "${name}": ${
        (e as Error).message
      }`,
    );
  }
}
