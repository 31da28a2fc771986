/**
 * The Revision reconciler (KNATIVE.md §12.1) as named phases: log URL, build
 * gating, image digest resolution, Deployment (with the queue-proxy), the
 * fluentd config map when var-log collection is on, and the PodAutoscaler.
 * @module
 */
import type {
  AutoscalerConfig,
  DefaultsConfig,
  DeploymentConfig,
  FeaturesConfig,
  ObservabilityConfig,
  PodAutoscaler,
  Revision,
} from "../../apis/mod.ts";
import {
  AUTOSCALER_CONFIG_NAME,
  DEFAULTS_CONFIG_NAME,
  DEPLOYMENT_CONFIG_NAME,
  FEATURES_CONFIG_NAME,
  observabilityConfigJson,
  RevisionConditions,
  revisionConditionSet,
} from "../../apis/mod.ts";
import {
  type ConditionManager,
  ConditionSet,
  type DuckStatus,
  isNotFound,
  type KubeObject,
  type Reconciler,
  type ReconcilerDeps,
  type ReconcileResult,
} from "../../runtime/mod.ts";
import { gvkKey, isControlledBy, isDerivative, lookup, mapsEqual, union } from "../names.ts";
import {
  type DeploymentInputs,
  deploymentName,
  makeDeployment,
  makePA,
  QUEUE_CONTAINER_NAME,
} from "./resources.ts";
import {
  type BuildRef,
  buildRefOf,
  type FluentdSettings,
  fluentdSettings,
  logUrl,
  makeFluentdConfigMap,
  type ObservabilityInput,
  profilingEnabled,
  withFluentdSidecar,
} from "./extras.ts";
import {
  credentialsFromSecrets,
  type PullSecret,
  resolveImage,
  unableToFetchMessage,
} from "./resolve.ts";

/** The Revision condition set: Ready ← ResourcesAvailable, ContainerHealthy (Active is Info). */
export const revisionConditions = new ConditionSet({
  happy: revisionConditionSet.happy,
  dependents: [...revisionConditionSet.dependents],
});

/** Options of the Revision controller. */
export interface RevisionControllerOptions {
  /** Resolve image tags to digests (default true; `dev`/`render` turn it off to work offline). */
  resolveDigests?: boolean;
  /** fetch used for registry calls (tests inject one). */
  fetch?: typeof fetch;
  /** How long to wait before looking at a running build again (default 5s). */
  buildPollMs?: number;
}

/** Name of the config map read for log URL and var-log collection. */
export const OBSERVABILITY_CONFIG_NAME = "config-observability";

const DEPLOYMENT_GVK = { apiVersion: "apps/v1", kind: "Deployment" };
const PA_GVK = { apiVersion: "autoscaling.internal.knative.dev/v1alpha1", kind: "PodAutoscaler" };
const POD_GVK = { apiVersion: "v1", kind: "Pod" };
const CM_GVK = { apiVersion: "v1", kind: "ConfigMap" };

const R = RevisionConditions;

/** Reads a config by name, falling back to `fallback` when the source has none. */
export function configOr<T>(deps: ReconcilerDeps, name: string, fallback: T): T {
  try {
    return deps.config.get<T>(name) ?? fallback;
  } catch {
    return fallback;
  }
}

interface DeploymentStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

interface PodStatus {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  containerStatuses?: {
    name: string;
    state?: Record<string, { reason?: string; message?: string; exitCode?: number } | undefined>;
    lastState?: Record<
      string,
      { reason?: string; message?: string; exitCode?: number } | undefined
    >;
  }[];
}

/** True when the Deployment's Progressing condition is False/ProgressDeadlineExceeded. */
export function hasDeploymentTimedOut(d: KubeObject): boolean {
  const st = d.status as DeploymentStatus | undefined;
  return (st?.conditions ?? []).some((c) =>
    c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded"
  );
}

/**
 * `PropagateDeploymentStatus`: Progressing and ReplicaFailure of the Deployment
 * roll up into ResourcesAvailable with the Deployment's reason and message.
 */
export function propagateDeploymentStatus(d: KubeObject, cm: ConditionManager): void {
  const conds = (d.status as DeploymentStatus | undefined)?.conditions ?? [];
  const failure = conds.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  const progressing = conds.find((c) => c.type === "Progressing");
  if (failure) {
    cm.markFalse(R.ResourcesAvailable, failure.reason ?? "", failure.message ?? "");
  } else if (progressing?.status === "False") {
    cm.markFalse(R.ResourcesAvailable, progressing.reason ?? "", progressing.message ?? "");
  } else if (progressing?.status === "True") {
    cm.markTrue(R.ResourcesAvailable);
  } else if (progressing) {
    cm.markUnknown(R.ResourcesAvailable, progressing.reason ?? "", progressing.message ?? "");
  }
}

/** Message for a terminated container, never the empty `Container failed with: .`. */
export function exitMessage(t: { reason?: string; message?: string; exitCode?: number }): string {
  const msg = (t.message ?? "").trim();
  if (msg !== "") return `Container failed with: ${msg}`;
  if ((t.exitCode ?? 0) === 0) return "Container failed with: container exited with no error";
  return `Container failed with: container exited with code ${t.exitCode}${
    t.reason ? ` (${t.reason})` : ""
  }`;
}

/** `PropagateAutoscalerStatus` (§12.1 step 6). */
export function propagateAutoscalerStatus(
  rev: Revision,
  pa: PodAutoscaler,
  cm: ConditionManager,
): void {
  const st = rev.status ??= {};
  const resUnavailable = cm.get(R.ResourcesAvailable)?.status === "False";
  const ps = pa.status ?? {};
  delete st.actualReplicas;
  delete st.desiredReplicas;
  if (ps.actualScale !== undefined && ps.actualScale >= 0) st.actualReplicas = ps.actualScale;
  if (ps.desiredScale !== undefined && ps.desiredScale >= 0) st.desiredReplicas = ps.desiredScale;
  const ready = ps.conditions?.find((c) => c.type === "Ready");
  if (!ready) {
    cm.markUnknown(R.Active, "Deploying", "");
    if (!resUnavailable) cm.markUnknown(R.ResourcesAvailable, "Deploying", "");
    return;
  }
  const initialized = ps.conditions?.find((c) => c.type === "ScaleTargetInitialized")?.status ===
    "True";
  if (initialized && !resUnavailable) {
    cm.markTrue(R.ResourcesAvailable);
    cm.markTrue(R.ContainerHealthy);
  }
  if (cm.get(R.ResourcesAvailable)?.status === "True" && !ps.serviceName) {
    cm.markUnknown(R.ResourcesAvailable, "Deploying", "");
  }
  if (ready.status === "Unknown") {
    cm.markUnknown(R.Active, ready.reason ?? "", ready.message ?? "");
  } else if (ready.status === "False") {
    if (!initialized && !resUnavailable && ps.serviceName) {
      cm.markFalse(
        R.ResourcesAvailable,
        "ProgressDeadlineExceeded",
        "Initial scale was never achieved",
      );
    }
    cm.markFalse(R.Active, ready.reason ?? "", ready.message ?? "");
  } else {
    cm.markTrue(R.Active);
  }
}

/** True when config-observability arrived parsed by `observabilityConfigSpec`. */
function isParsedObservability(
  cfg: ObservabilityInput,
): cfg is ObservabilityInput & ObservabilityConfig {
  return typeof cfg.runtime === "object" && cfg.runtime !== null &&
    typeof cfg.tracing === "object" && cfg.tracing !== null;
}

/** Creates the Revision reconciler. */
export function createRevisionReconciler(
  deps: ReconcilerDeps,
  opts: RevisionControllerOptions = {},
): Reconciler<Revision> {
  const { client } = deps;
  const resolve = opts.resolveDigests ?? true;

  function inputs(): DeploymentInputs {
    const defaults = configOr<Partial<DefaultsConfig>>(deps, DEFAULTS_CONFIG_NAME, {});
    const autoscaler = configOr<Partial<AutoscalerConfig>>(deps, AUTOSCALER_CONFIG_NAME, {});
    const observability = configOr<ObservabilityInput>(deps, OBSERVABILITY_CONFIG_NAME, {});
    return {
      deployment: deps.config.get<DeploymentConfig>(DEPLOYMENT_CONFIG_NAME),
      features: configOr<FeaturesConfig>(deps, FEATURES_CONFIG_NAME, {}),
      initialScale: autoscaler.initialScale ?? 1,
      enableServiceLinks: defaults.enableServiceLinks,
      profiling: profilingEnabled(observability),
      observabilityJson: isParsedObservability(observability)
        ? observabilityConfigJson(observability)
        : JSON.stringify(observability),
    };
  }

  /** Phase 1: status.logUrl from the observability logging URL template. */
  function reconcileLogUrl(rev: Revision) {
    const url = logUrl(configOr(deps, OBSERVABILITY_CONFIG_NAME, {}), rev.metadata.uid ?? "");
    const st = rev.status ??= {};
    if (url) st.logUrl = url;
    else delete st.logUrl;
  }

  /** Phase 2: hold the Revision until its build (any object with `Succeeded`) succeeds. */
  async function reconcileBuild(
    rev: Revision,
    cm: ConditionManager,
  ): Promise<"done" | "wait" | "failed"> {
    let ref: BuildRef | undefined;
    try {
      ref = buildRefOf(rev);
    } catch (e) {
      cm.markFalse(R.ResourcesAvailable, "InvalidBuildRef", (e as Error).message);
      return "failed";
    }
    if (!ref) return "done";
    const what = `${ref.kind} ${JSON.stringify(ref.name)}`;
    let build: KubeObject | undefined;
    try {
      build = await client.get({ ...ref, namespace: rev.metadata.namespace });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const succeeded = (build?.status as DuckStatus | undefined)?.conditions?.find((c) =>
      c.type === "Succeeded"
    );
    if (succeeded?.status === "True") {
      cm.set({ type: "BuildSucceeded", status: "True", severity: "Info" });
      return "done";
    }
    if (succeeded?.status === "False") {
      const reason = succeeded.reason || "BuildFailed";
      const msg = `Build ${what} failed: ${succeeded.message || reason}`;
      cm.set({
        type: "BuildSucceeded",
        status: "False",
        severity: "Info",
        reason,
        message: succeeded.message,
      });
      if (cm.get(R.ResourcesAvailable)?.reason !== "BuildFailed") {
        deps.recorder.event(rev, "Warning", "BuildFailed", msg);
      }
      cm.markFalse(R.ResourcesAvailable, "BuildFailed", msg);
      return "failed";
    }
    const msg = build
      ? `Waiting for build ${what} to complete.`
      : `Waiting for build ${what} to be created.`;
    cm.set({
      type: "BuildSucceeded",
      status: "Unknown",
      severity: "Info",
      reason: "Building",
      message: msg,
    });
    cm.markUnknown(R.ResourcesAvailable, "Building", msg);
    return "wait";
  }

  async function pullSecrets(rev: Revision): Promise<PullSecret[]> {
    const ns = rev.metadata.namespace;
    const names = new Set((rev.spec.imagePullSecrets ?? []).map((s) => s.name ?? ""));
    const sa = await lookup<KubeObject>(
      deps,
      { apiVersion: "v1", kind: "ServiceAccount" },
      ns,
      rev.spec.serviceAccountName || "default",
    );
    for (const s of (sa?.imagePullSecrets as { name?: string }[] | undefined) ?? []) {
      names.add(s.name ?? "");
    }
    const out: PullSecret[] = [];
    for (const n of names) {
      if (!n) continue;
      const s = await lookup<KubeObject>(deps, { apiVersion: "v1", kind: "Secret" }, ns, n);
      if (s) {
        out.push({ type: s.type as string | undefined, data: s.data as Record<string, string> });
      }
    }
    return out;
  }

  /** Phase 3: resolve every container image to a digest (once). */
  async function reconcileDigests(rev: Revision, cm: ConditionManager): Promise<boolean> {
    const st = rev.status ??= {};
    const containers = rev.spec.containers ?? [];
    const inits = rev.spec.initContainers ?? [];
    const have = (st.containerStatuses?.length ?? 0) + (st.initContainerStatuses?.length ?? 0);
    if (have === containers.length + inits.length) return true;
    const cfg = deps.config.get<DeploymentConfig>(DEPLOYMENT_CONFIG_NAME);
    if (!resolve) {
      st.containerStatuses = containers.map((c) => ({ name: c.name, imageDigest: "" }));
      if (inits.length > 0) {
        st.initContainerStatuses = inits.map((c) => ({ name: c.name, imageDigest: "" }));
      }
      return true;
    }
    const credentials = credentialsFromSecrets(await pullSecrets(rev));
    const one = async (c: { name?: string; image?: string }) => {
      try {
        const digest = await resolveImage(c.image ?? "", {
          registriesSkippingTagResolving: cfg.registriesSkippingTagResolving,
          timeoutMs: cfg.digestResolutionTimeoutMs,
          credentials,
          fetch: opts.fetch,
        });
        return { name: c.name, imageDigest: digest };
      } catch (e) {
        throw new Error(unableToFetchMessage(c.image ?? "", (e as Error).message));
      }
    };
    try {
      const cs = await Promise.all(containers.map(one));
      const is = await Promise.all(inits.map(one));
      st.containerStatuses = cs;
      if (is.length > 0) st.initContainerStatuses = is;
      return true;
    } catch (e) {
      cm.markFalse(R.ContainerHealthy, "ContainerMissing", (e as Error).message);
      throw e;
    }
  }

  /** Phase 4: the Deployment; surfaces its progress and its pods' failures. */
  async function reconcileDeployment(
    rev: Revision,
    cm: ConditionManager,
    fluentd: FluentdSettings | undefined,
  ): Promise<KubeObject> {
    const ns = rev.metadata.namespace;
    const name = deploymentName(rev);
    let desired = makeDeployment(rev, inputs());
    if (fluentd) desired = withFluentdSidecar(desired, rev, fluentd);
    let d = await lookup<KubeObject>(deps, DEPLOYMENT_GVK, ns, name);
    if (!d) {
      d = await client.create(desired);
      cm.markUnknown(R.ResourcesAvailable, "Deploying", "");
      cm.markUnknown(R.ContainerHealthy, "Deploying", "");
      return d;
    }
    if (!isControlledBy(d, rev)) {
      cm.markFalse(
        R.ResourcesAvailable,
        "NotOwned",
        `There is an existing Deployment ${JSON.stringify(name)} that we do not own.`,
      );
      throw new Error(
        `revision: ${JSON.stringify(rev.metadata.name)} does not own Deployment: ${
          JSON.stringify(name)
        }`,
      );
    }
    const dspec = desired.spec as Record<string, unknown>;
    const have = d.spec as Record<string, unknown>;
    dspec.replicas = have.replicas; // the autoscaler owns replicas
    dspec.selector = have.selector; // immutable
    if (!isDerivative(dspec, have)) {
      // Only the spec is compared; labels and annotations are merged so that
      // what the deployment controller adds (deployment.kubernetes.io/revision) stays.
      d = await client.update({
        ...d,
        metadata: {
          ...d.metadata,
          labels: union(d.metadata.labels, desired.metadata.labels),
          annotations: union(d.metadata.annotations, desired.metadata.annotations),
        },
        spec: dspec,
      });
    }
    propagateDeploymentStatus(d, cm);
    const st = (d.status ?? {}) as DeploymentStatus;
    const replicas = (d.spec as { replicas?: number }).replicas ?? 0;
    if (replicas > 0 && (st.availableReplicas ?? 0) === 0) await inspectPod(rev, d, cm);
    if ((st.readyReplicas ?? 0) > 0) cm.markTrue(R.ContainerHealthy);
    return d;
  }

  async function inspectPod(rev: Revision, d: KubeObject, cm: ConditionManager) {
    const uid = rev.metadata.uid ?? "";
    const store = deps.stores.get(gvkKey(POD_GVK));
    const pods = store
      ? store.list(rev.metadata.namespace).filter((p) =>
        p.metadata.labels?.["serving.knative.dev/revisionUID"] === uid
      )
      : (await client.list({ ...POD_GVK, namespace: rev.metadata.namespace }, {
        labelSelector: `serving.knative.dev/revisionUID=${uid}`,
      })).items;
    const pod =
      [...pods].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))[0];
    if (!pod) return;
    const ps = (pod.status ?? {}) as PodStatus;
    const sched = ps.conditions?.find((c) => c.type === "PodScheduled");
    const alwaysSchedulable = deps.config.get<DeploymentConfig>(DEPLOYMENT_CONFIG_NAME)
      .podIsAlwaysSchedulable;
    if (sched?.status === "False" && !alwaysSchedulable) {
      cm.markFalse(
        R.ResourcesAvailable,
        sched.reason || "Unschedulable",
        sched.message || "The pod cannot be scheduled.",
      );
      return;
    }
    for (const cs of ps.containerStatuses ?? []) {
      if (cs.name === QUEUE_CONTAINER_NAME) continue;
      const t = cs.lastState?.terminated ?? cs.state?.terminated;
      if (t) {
        cm.markFalse(R.ContainerHealthy, `ExitCode${t.exitCode ?? 0}`, exitMessage(t));
        return;
      }
      const w = cs.state?.waiting;
      if (w && hasDeploymentTimedOut(d)) {
        cm.markFalse(
          R.ResourcesAvailable,
          w.reason ?? "",
          w.message ||
            `Container ${JSON.stringify(cs.name)} is waiting to start: ${w.reason ?? ""}`,
        );
        return;
      }
    }
  }

  /** Phase 5: the fluentd config map when config-observability enables var-log collection. */
  async function reconcileFluentd(rev: Revision, settings: FluentdSettings) {
    const desired = makeFluentdConfigMap(rev, settings);
    const existing = await lookup<KubeObject>(
      deps,
      CM_GVK,
      rev.metadata.namespace,
      desired.metadata.name ?? "",
    );
    if (!existing) {
      await client.create(desired);
      return;
    }
    if (!isControlledBy(existing, rev)) {
      throw new Error(
        `revision: ${JSON.stringify(rev.metadata.name)} does not own ConfigMap: ${
          JSON.stringify(desired.metadata.name)
        }`,
      );
    }
    if (JSON.stringify(existing.data) !== JSON.stringify(desired.data)) {
      await client.update({ ...existing, data: desired.data });
    }
  }

  /** Phase 6: the PodAutoscaler, and its status back into the Revision. */
  async function reconcilePA(rev: Revision, d: KubeObject, cm: ConditionManager) {
    const autoscaler = configOr<Partial<AutoscalerConfig>>(deps, AUTOSCALER_CONFIG_NAME, {});
    const desired = makePA(rev, d, autoscaler.podAutoscalerClass ?? "kpa.autoscaling.knative.dev");
    const name = rev.metadata.name ?? "";
    let pa = await lookup<PodAutoscaler>(deps, PA_GVK, rev.metadata.namespace, name);
    if (!pa) {
      pa = await client.create(desired);
    } else if (!isControlledBy(pa, rev)) {
      cm.markFalse(
        R.ResourcesAvailable,
        "NotOwned",
        `There is an existing PodAutoscaler ${JSON.stringify(name)} that we do not own.`,
      );
      throw new Error(
        `revision: ${JSON.stringify(name)} does not own PodAutoscaler: ${JSON.stringify(name)}`,
      );
    } else if (
      !isDerivative(desired.spec, pa.spec) ||
      (desired.spec.reachability ?? "") !== (pa.spec.reachability ?? "") ||
      !mapsEqual(desired.metadata.annotations, pa.metadata.annotations)
    ) {
      pa = await client.update<PodAutoscaler>({
        ...pa,
        metadata: { ...pa.metadata, annotations: desired.metadata.annotations },
        spec: desired.spec,
      });
    }
    propagateAutoscalerStatus(rev, pa, cm);
  }

  return {
    async reconcile(rev: Revision): Promise<ReconcileResult | void> {
      const cm = revisionConditions.manage((rev.status ??= {}) as DuckStatus, deps.now);
      reconcileLogUrl(rev);
      const build = await reconcileBuild(rev, cm);
      if (build === "wait") return { requeueAfter: opts.buildPollMs ?? 5000 };
      if (build === "failed") return;
      await reconcileDigests(rev, cm);
      const fluentd = fluentdSettings(configOr(deps, OBSERVABILITY_CONFIG_NAME, {}));
      const d = await reconcileDeployment(rev, cm, fluentd);
      if (fluentd) await reconcileFluentd(rev, fluentd);
      await reconcilePA(rev, d, cm);
    },
  };
}
