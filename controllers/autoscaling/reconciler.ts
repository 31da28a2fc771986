/**
 * The interim PodAutoscaler reconciler (KNATIVE.md §13.5 without metrics):
 * owns the ServerlessService (Serve mode) and the Metric, scales the
 * Deployment to the initial/min scale within max scale, and derives the PA's
 * conditions from the Deployment's real readiness.
 * @module
 */
import type { AutoscalerConfig, PodAutoscaler, ServerlessService } from "../../apis/mod.ts";
import {
  AUTOSCALER_CONFIG_NAME,
  PodAutoscalerConditions,
  podAutoscalerConditionSet,
} from "../../apis/mod.ts";
import {
  type ConditionManager,
  ConditionSet,
  type DuckStatus,
  type KubeObject,
  type Reconciler,
  type ReconcilerDeps,
} from "../../runtime/mod.ts";
import { isControlledBy, isDerivative, jsonEqual, lookup, mapsEqual } from "../names.ts";
import { makeMetric, makeSKS, MIN_ACTIVATORS, scaleBounds, wantedScale } from "./resources.ts";

/** The PodAutoscaler condition set: Ready ← Active, ScaleTargetInitialized, SKSReady. */
export const podAutoscalerConditions = new ConditionSet({
  happy: podAutoscalerConditionSet.happy,
  dependents: [...podAutoscalerConditionSet.dependents],
});

const C = PodAutoscalerConditions;
const SKS_GVK = {
  apiVersion: "networking.internal.knative.dev/v1alpha1",
  kind: "ServerlessService",
};
const METRIC_GVK = { apiVersion: "autoscaling.internal.knative.dev/v1alpha1", kind: "Metric" };

/** Default config-autoscaler values used when the config source has none. */
const AUTOSCALER_FALLBACK: Pick<
  AutoscalerConfig,
  | "minScale"
  | "maxScale"
  | "initialScale"
  | "allowZeroInitialScale"
  | "stableWindowMs"
  | "panicWindowPercentage"
> = {
  minScale: 0,
  maxScale: 0,
  initialScale: 1,
  allowZeroInitialScale: false,
  stableWindowMs: 60_000,
  panicWindowPercentage: 10,
};

interface DeploymentStatus {
  readyReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** Creates the PodAutoscaler reconciler. */
export function createPodAutoscalerReconciler(deps: ReconcilerDeps): Reconciler<PodAutoscaler> {
  const { client } = deps;

  function config(): AutoscalerConfig {
    let c: AutoscalerConfig | undefined;
    try {
      c = deps.config.get<AutoscalerConfig>(AUTOSCALER_CONFIG_NAME);
    } catch {
      c = undefined;
    }
    return { ...AUTOSCALER_FALLBACK, ...(c ?? {}) } as AutoscalerConfig;
  }

  function notOwned(cm: ConditionManager, kind: string, name: string): never {
    cm.markFalse(
      C.Active,
      "NotOwned",
      `There is an existing ${kind} ${JSON.stringify(name)} that we do not own.`,
    );
    throw new Error(`PA does not own ${kind}: ${JSON.stringify(name)}`);
  }

  /** Phase 1: the ServerlessService, kept in Serve mode. */
  async function reconcileSKS(pa: PodAutoscaler, cm: ConditionManager): Promise<ServerlessService> {
    const desired = makeSKS(pa, "Serve", MIN_ACTIVATORS);
    const name = pa.metadata.name ?? "";
    const sks = await lookup<ServerlessService>(deps, SKS_GVK, pa.metadata.namespace, name);
    if (!sks) return await client.create(desired);
    if (!isControlledBy(sks, pa)) notOwned(cm, "ServerlessService", name);
    if (
      isDerivative(desired.spec, sks.spec) &&
      mapsEqual(desired.metadata.labels, sks.metadata.labels) &&
      mapsEqual(desired.metadata.annotations, sks.metadata.annotations)
    ) return sks;
    return await client.update<ServerlessService>({
      ...sks,
      metadata: {
        ...sks.metadata,
        labels: desired.metadata.labels,
        annotations: desired.metadata.annotations,
      },
      spec: desired.spec,
    });
  }

  /** Phase 2: the Metric scraping the private service. */
  async function reconcileMetric(pa: PodAutoscaler, cm: ConditionManager, scrapeTarget: string) {
    const desired = makeMetric(pa, config(), scrapeTarget);
    const name = pa.metadata.name ?? "";
    const m = await lookup<KubeObject>(deps, METRIC_GVK, pa.metadata.namespace, name);
    if (!m) {
      await client.create(desired);
      return;
    }
    if (!isControlledBy(m, pa)) notOwned(cm, "Metric", name);
    if (!jsonEqual(desired.spec, m.spec)) await client.update({ ...m, spec: desired.spec });
  }

  /** Phase 3: scale the Deployment to what the bounds ask for. */
  async function reconcileScale(d: KubeObject, want: number) {
    const current = (d.spec as { replicas?: number } | undefined)?.replicas;
    if (current === want) return;
    await client.patch(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: d.metadata.namespace,
        name: d.metadata.name,
      },
      "merge",
      { spec: { replicas: want } },
    );
  }

  return {
    async reconcile(pa: PodAutoscaler) {
      const cm = podAutoscalerConditions.manage((pa.status ??= {}) as DuckStatus, deps.now);
      const st = pa.status;
      const sks = await reconcileSKS(pa, cm);
      const priv = sks.status?.privateServiceName ?? "";
      if (!priv) {
        cm.markUnknown(C.SKSReady, "NotReady", "No Private Service Name");
        return;
      }
      st.metricsServiceName = priv;
      await reconcileMetric(pa, cm, priv);
      const sksReady = sks.status?.conditions?.find((c) => c.type === "Ready");
      if (sksReady?.status === "True") cm.markTrue(C.SKSReady);
      else cm.markUnknown(C.SKSReady, "NotReady", sksReady?.message ?? "");
      if (sks.status?.serviceName) st.serviceName = sks.status.serviceName;

      const cfg = config();
      const bounds = scaleBounds(pa, cfg);
      const wasInitialized = cm.get(C.ScaleTargetInitialized)?.status === "True";
      const want = wantedScale(bounds, wasInitialized);
      const d = await lookup<KubeObject>(
        deps,
        { apiVersion: "apps/v1", kind: pa.spec.scaleTargetRef.kind ?? "Deployment" },
        pa.metadata.namespace,
        pa.spec.scaleTargetRef.name ?? "",
      );
      if (!d) {
        // The Deployment watch enqueues this PA once the Revision's Deployment exists.
        deps.logger.debug("scale target not found yet", { name: pa.spec.scaleTargetRef.name });
        return;
      }
      await reconcileScale(d, want);

      const ds = (d.status ?? {}) as DeploymentStatus;
      const ready = ds.readyReplicas ?? 0;
      st.actualScale = ready;
      st.desiredScale = want;
      const minReady = wasInitialized
        ? Math.max(bounds.min, 1)
        : Math.max(bounds.min, bounds.initial);
      if (ready >= minReady && st.serviceName) cm.markTrue(C.ScaleTargetInitialized);
      const stuck = ds.conditions?.find((c) =>
        (c.type === "Progressing" && c.status === "False") ||
        (c.type === "ReplicaFailure" && c.status === "True")
      );
      if (want === 0 || minReady === 0) {
        cm.markFalse(C.Active, "NoTraffic", "The target is not receiving traffic.");
      } else if (ready < minReady) {
        if (stuck) cm.markFalse(C.Active, stuck.reason ?? "", stuck.message ?? "");
        else {
          cm.markUnknown(
            C.Active,
            "Queued",
            "Requests to the target are being buffered as resources are provisioned.",
          );
        }
      } else {
        cm.markTrue(C.Active);
      }
    },
  };
}
