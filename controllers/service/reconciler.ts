/**
 * The Service reconciler (KNATIVE.md §3): a Service owns a Configuration and a
 * Route named like itself and mirrors their status.
 * @module
 */
import type { Configuration, Revision, Route, Service, TrafficTarget } from "../../apis/mod.ts";
import {
  CONFIGURATION_GENERATION_LABEL,
  isManualService,
  MANUAL_MESSAGE,
  MANUAL_REASON,
  ServiceConditions,
  serviceConditionSet,
} from "../../apis/mod.ts";
import {
  type Condition,
  type ConditionManager,
  ConditionSet,
  type DuckStatus,
  type Reconciler,
  type ReconcilerDeps,
} from "../../runtime/mod.ts";
import { isControlledBy, isDerivative, jsonEqual, lookup, mapsEqual } from "../names.ts";
import { makeConfiguration, makeRoute } from "./resources.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** The Service condition set. */
export const serviceConditions = new ConditionSet({
  happy: serviceConditionSet.happy,
  dependents: [...serviceConditionSet.dependents],
});

const CONFIGURATION_GVK = { apiVersion: "serving.knative.dev/v1", kind: "Configuration" };
const ROUTE_GVK = { apiVersion: "serving.knative.dev/v1", kind: "Route" };
const REVISION_GVK = { apiVersion: "serving.knative.dev/v1", kind: "Revision" };

/** Mirrors a child's Ready condition onto the Service's condition `t`. */
function mirrorReady(cm: ConditionManager, t: string, conditions: Condition[] | undefined) {
  const ready = conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "True") cm.markTrue(t);
  else if (ready?.status === "False") cm.markFalse(t, ready.reason ?? "", ready.message ?? "");
  else cm.markUnknown(t, ready?.reason ?? "", ready?.message ?? "");
}

/** Creates the Service reconciler. */
export function createServiceReconciler(deps: ReconcilerDeps): Reconciler<Service> {
  const { client, recorder } = deps;

  /**
   * Brings the Service's child of `kind` (named like the Service, already
   * looked up as `existing`) to `make(existing)`: creates it when missing,
   * fails `condition` with NotOwned when another owner holds the name, and
   * writes labels, annotations and spec unless `same(desired, existing)` and
   * the labels and annotations match.
   */
  async function reconcileChild<T extends Configuration | Route>(
    svc: Service,
    cm: ConditionManager,
    kind: "Configuration" | "Route",
    condition: string,
    existing: T | undefined,
    make: (existing?: T) => T,
    same: (desired: T, existing: T) => boolean,
  ): Promise<T> {
    const name = svc.metadata.name ?? "";
    if (!existing) {
      const created = await client.create(make());
      recorder.event(svc, "Normal", "Created", `Created ${kind} ${JSON.stringify(name)}`);
      return created;
    }
    if (!isControlledBy(existing, svc)) {
      const msg = `There is an existing ${kind} ${JSON.stringify(name)} that we do not own.`;
      cm.markFalse(condition, "NotOwned", msg);
      throw new Error(
        `service: ${JSON.stringify(name)} does not own ${kind.toLowerCase()}: ${
          JSON.stringify(name)
        }`,
      );
    }
    const desired = make(existing);
    if (
      same(desired, existing) &&
      mapsEqual(desired.metadata.labels, existing.metadata.labels) &&
      mapsEqual(desired.metadata.annotations, existing.metadata.annotations)
    ) return existing;
    return await client.update<T>({
      ...existing,
      metadata: {
        ...existing.metadata,
        labels: desired.metadata.labels,
        annotations: desired.metadata.annotations,
      },
      spec: desired.spec,
    });
  }

  async function reconcileConfiguration(svc: Service, cm: ConditionManager) {
    const name = svc.metadata.name ?? "";
    const ns = svc.metadata.namespace;
    return await reconcileChild(
      svc,
      cm,
      "Configuration",
      ServiceConditions.ConfigurationsReady,
      await lookup<Configuration>(deps, CONFIGURATION_GVK, ns, name),
      (existing) => makeConfiguration(svc, existing),
      (desired, existing) => isDerivative(desired.spec, existing.spec),
    );
  }

  function propagateConfigurationStatus(svc: Service, config: Configuration, cm: ConditionManager) {
    const st = svc.status ??= {};
    if (config.metadata.generation !== config.status?.observedGeneration) {
      cm.markUnknown(
        ServiceConditions.ConfigurationsReady,
        "OutOfDate",
        "The Configuration is still working to reflect the latest desired specification.",
      );
      return false;
    }
    st.latestReadyRevisionName = config.status?.latestReadyRevisionName;
    st.latestCreatedRevisionName = config.status?.latestCreatedRevisionName;
    if (st.latestReadyRevisionName === undefined) delete st.latestReadyRevisionName;
    if (st.latestCreatedRevisionName === undefined) delete st.latestCreatedRevisionName;
    mirrorReady(cm, ServiceConditions.ConfigurationsReady, config.status?.conditions);
    return true;
  }

  async function checkRevisionNameAvailable(
    svc: Service,
    config: Configuration,
    cm: ConditionManager,
  ) {
    const byo = svc.spec.template.metadata?.name;
    if (!byo) return true;
    const rev = await lookup<Revision>(deps, REVISION_GVK, svc.metadata.namespace, byo);
    if (!rev) return true;
    const owned = isControlledBy(rev, config);
    const sameGen = rev.metadata.labels?.[CONFIGURATION_GENERATION_LABEL] ===
      String(config.metadata.generation);
    if (owned && (sameGen || jsonEqual(rev.spec, config.spec.template.spec))) return true;
    cm.markFalse(
      ServiceConditions.RoutesReady,
      "RevisionNameTaken",
      `The revision name ${JSON.stringify(byo)} is taken.`,
    );
    return false;
  }

  async function reconcileRoute(svc: Service, cm: ConditionManager) {
    const name = svc.metadata.name ?? "";
    return await reconcileChild(
      svc,
      cm,
      "Route",
      ServiceConditions.RoutesReady,
      await lookup<Route>(deps, ROUTE_GVK, svc.metadata.namespace, name),
      () => makeRoute(svc),
      (desired, existing) =>
        isDerivative(desired.spec, existing.spec) &&
        (desired.spec.traffic?.length ?? 0) === (existing.spec.traffic?.length ?? 0),
    );
  }

  function propagateRouteStatus(svc: Service, route: Route, cm: ConditionManager) {
    const st = svc.status ??= {};
    if (route.metadata.generation !== route.status?.observedGeneration) {
      cm.markUnknown(
        ServiceConditions.RoutesReady,
        "OutOfDate",
        "The Route is still working to reflect the latest desired specification.",
      );
      return;
    }
    const rs = route.status ?? {};
    if (rs.url !== undefined) st.url = rs.url;
    else delete st.url;
    if (rs.address !== undefined) st.address = deepCopy(rs.address);
    else delete st.address;
    if (rs.traffic !== undefined) st.traffic = deepCopy(rs.traffic);
    else delete st.traffic;
    mirrorReady(cm, ServiceConditions.RoutesReady, rs.conditions);
  }

  function checkTrafficMigrated(config: Configuration, route: Route, cm: ConditionManager) {
    if (cm.get(ServiceConditions.RoutesReady)?.status !== "True") return;
    const lrr = config.status?.latestReadyRevisionName ?? "";
    const norm = (t: TrafficTarget) => ({
      tag: t.tag ?? "",
      revisionName: t.configurationName === config.metadata.name && !t.revisionName
        ? lrr
        : t.revisionName ?? "",
      percent: t.percent ?? 0,
    });
    const want = (route.spec.traffic ?? []).map(norm);
    const got = (route.status?.traffic ?? []).map((t) => ({
      tag: t.tag ?? "",
      revisionName: t.revisionName ?? "",
      percent: t.percent ?? 0,
    }));
    if (!jsonEqual(want, got)) {
      cm.markUnknown(
        ServiceConditions.RoutesReady,
        "TrafficNotMigrated",
        "Traffic is not yet migrated to the latest revision.",
      );
    }
  }

  return {
    async reconcile(svc: Service) {
      const cm = serviceConditions.manage((svc.status ??= {}) as DuckStatus, deps.now);
      if (isManualService(svc)) {
        cm.markUnknown(ServiceConditions.ConfigurationsReady, MANUAL_REASON, MANUAL_MESSAGE);
        cm.markUnknown(ServiceConditions.RoutesReady, MANUAL_REASON, MANUAL_MESSAGE);
        return;
      }
      const config = await reconcileConfiguration(svc, cm);
      const configCurrent = propagateConfigurationStatus(svc, config, cm);
      if (!configCurrent && svc.spec.template.metadata?.name) return;
      if (!(await checkRevisionNameAvailable(svc, config, cm))) return;
      const route = await reconcileRoute(svc, cm);
      propagateRouteStatus(svc, route, cm);
      checkTrafficMigrated(config, route, cm);
    },
  };
}
