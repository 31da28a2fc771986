/**
 * Pure builders of a Revision's children: the Deployment with the queue-proxy
 * sidecar and the PodAutoscaler (KNATIVE.md §12.2–§12.4, `revision/resources/`).
 * @module
 */
import type {
  Container,
  ContainerStatus,
  DeploymentConfig,
  EnvVar,
  FeaturesConfig,
  PodAutoscaler,
  Probe,
  Revision,
} from "../../apis/mod.ts";
import {
  AUTOSCALING_V1ALPHA1,
  CLASS_ANNOTATION,
  CONFIGURATION_LABEL,
  DEPLOYMENT_HASH_LABEL,
  INITIAL_SCALE_ANNOTATION,
  INITIAL_SCALE_ANNOTATION_LEGACY,
  METRIC_ANNOTATION,
  PROGRESS_DEADLINE_ANNOTATION,
  QUEUE_SIDECAR_CPU_LIMIT_ANNOTATION,
  QUEUE_SIDECAR_CPU_REQUEST_ANNOTATION,
  QUEUE_SIDECAR_EPHEMERAL_STORAGE_LIMIT_ANNOTATION,
  QUEUE_SIDECAR_EPHEMERAL_STORAGE_REQUEST_ANNOTATION,
  QUEUE_SIDECAR_MEMORY_LIMIT_ANNOTATION,
  QUEUE_SIDECAR_MEMORY_REQUEST_ANNOTATION,
  REVISION_LABEL,
  REVISION_LAST_PINNED_ANNOTATION,
  REVISION_PRESERVE_ANNOTATION,
  REVISION_UID_LABEL,
  ROUTE_LABEL,
  ROUTES_ANNOTATION,
  ROUTING_STATE_LABEL,
  ROUTING_STATE_MODIFIED_ANNOTATION,
  RoutingState,
  SERVICE_LABEL,
} from "../../apis/mod.ts";
import type { KubeObject } from "../../runtime/mod.ts";
import { childName, controllerRef, excludeKeys, filter, keyPriority, union } from "../names.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** Name of the queue-proxy sidecar. */
export const QUEUE_CONTAINER_NAME = "queue-proxy";
/** Port name of the serving container. */
export const USER_PORT_NAME = "user-port";
/** Default user port when the serving container declares none. */
export const DEFAULT_USER_PORT = 8080;
/** Queue-proxy HTTP/1 port. */
export const QUEUE_HTTP_PORT = 8012;
/** Queue-proxy h2c port. */
export const QUEUE_H2C_PORT = 8013;
/** Queue-proxy HTTPS port. */
export const QUEUE_HTTPS_PORT = 8112;
/** Queue-proxy admin port (drain). */
export const QUEUE_ADMIN_PORT = 8022;
/** Autoscaler metrics port. */
export const AUTOSCALER_METRICS_PORT = 9090;
/** User metrics port. */
export const USER_METRICS_PORT = 9091;
/** Profiling port of the queue-proxy (when profiling is enabled). */
export const PROFILING_PORT = 8008;
/** Default system namespace written into the queue-proxy env. */
export const DEFAULT_SYSTEM_NAMESPACE = "knative-serving";

/** Protocol of a revision: `h2c` when the serving port is named `h2c`. */
export type ProtocolType = "http1" | "h2c";

/** Everything the Deployment builder reads besides the Revision. */
export interface DeploymentInputs {
  /** Parsed config-deployment. */
  deployment: DeploymentConfig;
  /** Parsed config-features. */
  features: FeaturesConfig;
  /** config-autoscaler initial-scale. */
  initialScale: number;
  /** config-defaults enable-service-links (undefined → false). */
  enableServiceLinks?: boolean;
  /** System namespace (knative-serving). */
  systemNamespace?: string;
  /** JSON of config-observability for the queue-proxy (`{}` when absent). */
  observabilityJson?: string;
  /** config-observability `profiling.enable`: adds the profiling port 8008. */
  profiling?: boolean;
}

/** Name of the Deployment of a Revision: `<rev>-deployment`. */
export function deploymentName(rev: Revision): string {
  return childName(rev.metadata.name ?? "", "-deployment");
}

/** Index of the serving container: the only one, or the one with ports. */
export function servingContainerIndex(rev: Revision): number {
  const cs = rev.spec.containers ?? [];
  if (cs.length <= 1) return 0;
  const i = cs.findIndex((c) => (c.ports?.length ?? 0) > 0);
  return i < 0 ? 0 : i;
}

/** The user port: first declared containerPort of the serving container, else 8080. */
export function userPort(rev: Revision): number {
  const c = rev.spec.containers?.[servingContainerIndex(rev)];
  return c?.ports?.[0]?.containerPort || DEFAULT_USER_PORT;
}

/** The revision protocol: `h2c` when the serving port is named `h2c`. */
export function protocolType(rev: Revision): ProtocolType {
  const c = rev.spec.containers?.[servingContainerIndex(rev)];
  return c?.ports?.[0]?.name === "h2c" ? "h2c" : "http1";
}

/** Queue-proxy serving port for a protocol (8012 or 8013). */
export function queueServingPort(p: ProtocolType): number {
  return p === "h2c" ? QUEUE_H2C_PORT : QUEUE_HTTP_PORT;
}

/** Labels of every revision child (§12.2 `makeLabels`). */
export function makeLabels(rev: Revision): Record<string, string> {
  const labels = excludeKeys(rev.metadata.labels, [ROUTE_LABEL, ROUTING_STATE_LABEL]);
  labels[REVISION_LABEL] = rev.metadata.name ?? "";
  labels[REVISION_UID_LABEL] = rev.metadata.uid ?? "";
  if (!Object.hasOwn(rev.metadata.labels ?? {}, "app")) labels["app"] = rev.metadata.name ?? "";
  return labels;
}

const EXCLUDED_ANNOTATIONS = [
  REVISION_LAST_PINNED_ANNOTATION,
  REVISION_PRESERVE_ANNOTATION,
  ROUTING_STATE_MODIFIED_ANNOTATION,
  ROUTES_ANNOTATION,
];

/** Deployment (and Image) annotations: excluded keys and `autoscaling.knative.dev*` dropped. */
export function makeDeploymentAnnotations(rev: Revision): Record<string, string> {
  return filter(
    rev.metadata.annotations,
    (k) => EXCLUDED_ANNOTATIONS.includes(k) || k.startsWith("autoscaling.knative.dev"),
  );
}

/** PodAutoscaler annotations: excluded keys dropped, autoscaling keys kept. */
export function makePAAnnotations(rev: Revision): Record<string, string> {
  return excludeKeys(rev.metadata.annotations, EXCLUDED_ANNOTATIONS);
}

/** The controlling Configuration's name (from the owner references). */
export function configurationOwnerName(rev: Revision): string {
  return rev.metadata.ownerReferences?.find((r) => r.controller && r.kind === "Configuration")
    ?.name ?? "";
}

function isNetworkProbe(p: Probe | undefined): boolean {
  return p !== undefined && (p.httpGet !== undefined || p.tcpSocket !== undefined ||
    p.grpc !== undefined);
}

function rewriteLivenessPort(p: Probe | undefined, port: number): Probe | undefined {
  if (!p) return p;
  const out = deepCopy(p);
  if (out.httpGet) out.httpGet.port = port;
  if (out.tcpSocket) out.tcpSocket.port = port;
  return out;
}

/**
 * JSON the queue-proxy receives in SERVING_READINESS_PROBE: the user probe aimed
 * at 127.0.0.1 and the user port; exec (or missing) handlers become tcpSocket.
 */
export function readinessProbeJson(probe: Probe | undefined, port: number): string {
  const p: Probe = deepCopy(probe ?? {});
  if (p.httpGet) {
    p.httpGet = { ...p.httpGet, port, host: "127.0.0.1" };
  } else if (p.grpc) {
    p.grpc = { ...p.grpc, port };
  } else {
    delete p.exec;
    p.tcpSocket = { port, host: "127.0.0.1" };
  }
  // Stable key order: handler first, then timing fields as Go's json.Marshal writes them.
  const ordered: Record<string, unknown> = {};
  for (
    const k of [
      "exec",
      "httpGet",
      "tcpSocket",
      "grpc",
      "initialDelaySeconds",
      "timeoutSeconds",
      "periodSeconds",
      "successThreshold",
      "failureThreshold",
      "terminationGracePeriodSeconds",
    ] as const
  ) if (p[k] !== undefined && p[k] !== 0) ordered[k] = p[k];
  return JSON.stringify(ordered);
}

function knativeEnv(rev: Revision, port: number | undefined): EnvVar[] {
  const labels = rev.metadata.labels ?? {};
  const env: EnvVar[] = [];
  if (port !== undefined) env.push({ name: "PORT", value: String(port) });
  env.push(
    { name: "K_REVISION", value: rev.metadata.name ?? "" },
    { name: "K_CONFIGURATION", value: labels[CONFIGURATION_LABEL] ?? "" },
    { name: "K_SERVICE", value: labels[SERVICE_LABEL] ?? "" },
  );
  return env;
}

function makeUserContainer(
  rev: Revision,
  c: Container,
  status: ContainerStatus | undefined,
  serving: boolean,
): Container {
  const port = userPort(rev);
  const out: Container = deepCopy(c);
  if (status?.imageDigest) out.image = status.imageDigest;
  out.env = [...(out.env ?? []), ...knativeEnv(rev, serving ? port : undefined)];
  if (serving) out.ports = [{ name: USER_PORT_NAME, containerPort: port }];
  else delete out.ports;
  out.lifecycle = { preStop: { httpGet: { port: QUEUE_ADMIN_PORT, path: "/wait-for-drain" } } };
  out.stdin = false;
  out.tty = false;
  if (!out.terminationMessagePolicy) out.terminationMessagePolicy = "FallbackToLogsOnError";
  if (isNetworkProbe(out.readinessProbe)) delete out.readinessProbe;
  if (out.livenessProbe) out.livenessProbe = rewriteLivenessPort(out.livenessProbe, port);
  return out;
}

/** Queue-proxy resources from config-deployment, feature defaults and annotations. */
export function queueResources(
  rev: Revision,
  cfg: DeploymentConfig,
  features: FeaturesConfig,
): { requests?: Record<string, string>; limits?: Record<string, string> } {
  const defaults = features["queueproxy.resource-defaults"] === "Enabled";
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  const set = (m: Record<string, string>, k: string, v: string | undefined) => {
    if (v !== undefined && v !== "") m[k] = v;
  };
  set(requests, "cpu", cfg.queueSidecarCpuRequest ?? (defaults ? "25m" : undefined));
  set(requests, "memory", cfg.queueSidecarMemoryRequest ?? (defaults ? "400Mi" : undefined));
  set(requests, "ephemeral-storage", cfg.queueSidecarEphemeralStorageRequest);
  set(limits, "cpu", cfg.queueSidecarCpuLimit ?? (defaults ? "1000m" : undefined));
  set(limits, "memory", cfg.queueSidecarMemoryLimit ?? (defaults ? "800Mi" : undefined));
  set(limits, "ephemeral-storage", cfg.queueSidecarEphemeralStorageLimit);
  const a = rev.metadata.annotations ?? {};
  set(requests, "cpu", a[QUEUE_SIDECAR_CPU_REQUEST_ANNOTATION]);
  set(requests, "memory", a[QUEUE_SIDECAR_MEMORY_REQUEST_ANNOTATION]);
  set(requests, "ephemeral-storage", a[QUEUE_SIDECAR_EPHEMERAL_STORAGE_REQUEST_ANNOTATION]);
  set(limits, "cpu", a[QUEUE_SIDECAR_CPU_LIMIT_ANNOTATION]);
  set(limits, "memory", a[QUEUE_SIDECAR_MEMORY_LIMIT_ANNOTATION]);
  set(limits, "ephemeral-storage", a[QUEUE_SIDECAR_EPHEMERAL_STORAGE_LIMIT_ANNOTATION]);
  const out: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
  if (Object.keys(requests).length > 0) out.requests = requests;
  if (Object.keys(limits).length > 0) out.limits = limits;
  return out;
}

/** Builds the queue-proxy container (§12.3 `makeQueueContainer`). */
export function makeQueueContainer(rev: Revision, inputs: DeploymentInputs): Container {
  const proto = protocolType(rev);
  const qport = queueServingPort(proto);
  const uport = userPort(rev);
  const serving = rev.spec.containers?.[servingContainerIndex(rev)];
  const userProbe = serving?.readinessProbe;
  const spec = rev.spec;
  const fieldRef = (path: string) => ({ fieldRef: { fieldPath: path } });
  const multiProbe = inputs.features["multi-container-probing"] === "Enabled";
  const env: EnvVar[] = [
    { name: "SERVING_NAMESPACE", value: rev.metadata.namespace ?? "" },
    { name: "SERVING_SERVICE", value: rev.metadata.labels?.[SERVICE_LABEL] ?? "" },
    { name: "SERVING_CONFIGURATION", value: configurationOwnerName(rev) },
    { name: "SERVING_REVISION", value: rev.metadata.name ?? "" },
    { name: "QUEUE_SERVING_PORT", value: String(qport) },
    { name: "QUEUE_SERVING_TLS_PORT", value: String(QUEUE_HTTPS_PORT) },
    { name: "CONTAINER_CONCURRENCY", value: String(spec.containerConcurrency ?? 0) },
    { name: "REVISION_TIMEOUT_SECONDS", value: String(spec.timeoutSeconds ?? 0) },
    {
      name: "REVISION_RESPONSE_START_TIMEOUT_SECONDS",
      value: String(spec.responseStartTimeoutSeconds ?? 0),
    },
    { name: "REVISION_IDLE_TIMEOUT_SECONDS", value: String(spec.idleTimeoutSeconds ?? 0) },
    { name: "SERVING_POD", valueFrom: fieldRef("metadata.name") },
    { name: "SERVING_POD_IP", valueFrom: fieldRef("status.podIP") },
    { name: "SERVING_LOGGING_CONFIG", value: "" },
    { name: "SERVING_LOGGING_LEVEL", value: "" },
    { name: "USER_PORT", value: String(uport) },
    { name: "SYSTEM_NAMESPACE", value: inputs.systemNamespace ?? DEFAULT_SYSTEM_NAMESPACE },
    { name: "SERVING_READINESS_PROBE", value: readinessProbeJson(userProbe, uport) },
    { name: "HOST_IP", valueFrom: fieldRef("status.hostIP") },
    {
      name: "ENABLE_HTTP2_AUTO_DETECTION",
      value: String(inputs.features["autodetect-http2"] === "Enabled"),
    },
    { name: "ENABLE_HTTP_FULL_DUPLEX", value: "false" },
    { name: "ROOT_CA", value: inputs.deployment.queueSidecarRootCA },
    { name: "QUEUE_PROXY_TLS_MIN_VERSION", value: "" },
    { name: "QUEUE_PROXY_TLS_MAX_VERSION", value: "" },
    { name: "QUEUE_PROXY_TLS_CIPHER_SUITES", value: "" },
    { name: "QUEUE_PROXY_TLS_CURVE_PREFERENCES", value: "" },
    { name: "ENABLE_MULTI_CONTAINER_PROBES", value: String(multiProbe) },
    { name: "OBSERVABILITY_CONFIG", value: inputs.observabilityJson ?? "{}" },
  ];
  const probe: Probe = {
    httpGet: {
      port: qport,
      httpHeaders: [{ name: "K-Network-Probe", value: "queue" }],
    },
  };
  for (
    const k of [
      "initialDelaySeconds",
      "timeoutSeconds",
      "periodSeconds",
      "successThreshold",
      "failureThreshold",
    ] as const
  ) if (userProbe?.[k] !== undefined) probe[k] = userProbe[k];
  const ports = [
    { name: "http-autometric", containerPort: AUTOSCALER_METRICS_PORT },
    { name: "http-usermetric", containerPort: USER_METRICS_PORT },
    ...(inputs.profiling ? [{ name: "profiling-port", containerPort: PROFILING_PORT }] : []),
    { name: "queue-port", containerPort: qport },
    { name: "https-port", containerPort: QUEUE_HTTPS_PORT },
  ];
  return {
    name: QUEUE_CONTAINER_NAME,
    image: inputs.deployment.queueSidecarImage,
    ports,
    readinessProbe: probe,
    resources: queueResources(rev, inputs.deployment, inputs.features),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    env,
  };
}

/** Parses a Go duration string (`10s`, `1m30s`, `500ms`) into seconds; undefined if invalid. */
export function parseGoDurationSeconds(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = {
    ns: 1e-9,
    us: 1e-6,
    "µs": 1e-6,
    ms: 1e-3,
    s: 1,
    m: 60,
    h: 3600,
  };
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]];
    consumed += m[0].length;
  }
  return consumed === s.length && s.length > 0 ? total : undefined;
}

/** Initial replicas: the revision's initial-scale annotation, else config-autoscaler initial-scale. */
export function initialReplicas(rev: Revision, configInitialScale: number): number {
  const v = keyPriority(rev.metadata.annotations, [
    INITIAL_SCALE_ANNOTATION,
    INITIAL_SCALE_ANNOTATION_LEGACY,
  ]);
  const n = v === undefined ? NaN : Number.parseInt(v, 10);
  return Number.isInteger(n) && n >= 0 ? n : configInitialScale;
}

/** fnv-1a 32-bit, base36 (the `deployment-hash` label). */
export function fnv32aBase36(s: string): string {
  let h = 0x811c9dc5;
  const bytes = new TextEncoder().encode(s);
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** Builds the pod spec of a Revision (§12.3 `makePodSpec`). */
export function makePodSpec(rev: Revision, inputs: DeploymentInputs): Record<string, unknown> {
  const { containers = [], containerConcurrency: _cc, timeoutSeconds, ...rest } = rev.spec;
  const pod: Record<string, unknown> = deepCopy(rest);
  delete pod.responseStartTimeoutSeconds;
  delete pod.idleTimeoutSeconds;
  const si = servingContainerIndex(rev);
  const statuses = rev.status?.containerStatuses ?? [];
  const user = containers.map((c, i) =>
    makeUserContainer(rev, c, statuses.find((s) => s.name === c.name), i === si)
  );
  pod.containers = [...user, makeQueueContainer(rev, inputs)];
  if (rev.spec.enableServiceLinks === undefined) {
    pod.enableServiceLinks = inputs.enableServiceLinks ?? false;
  }
  pod.terminationGracePeriodSeconds = timeoutSeconds ?? 0;
  if (
    inputs.deployment.defaultAffinityType === "prefer-spread-revision-over-nodes" &&
    rev.spec.affinity === undefined
  ) {
    pod.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: {
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: { [REVISION_LABEL]: rev.metadata.name ?? "" } },
          },
        }],
      },
    };
  }
  const labels = rev.metadata.labels ?? {};
  for (const [cls, sel] of Object.entries(inputs.deployment.runtimeClassNames)) {
    const s = sel?.selector ?? {};
    if (Object.entries(s).every(([k, v]) => labels[k] === v)) {
      if (rev.spec.runtimeClassName === undefined) pod.runtimeClassName = cls;
    }
  }
  return pod;
}

/** Builds the Deployment of a Revision (§12.3 `MakeDeployment`). */
export function makeDeployment(rev: Revision, inputs: DeploymentInputs): KubeObject {
  const labels = makeLabels(rev);
  const annotations = makeDeploymentAnnotations(rev);
  const podAnnotations = union(annotations, {
    "kubectl.kubernetes.io/default-container":
      rev.spec.containers?.[servingContainerIndex(rev)]?.name ?? "",
  });
  const pd = rev.metadata.annotations?.[PROGRESS_DEADLINE_ANNOTATION];
  const pdSeconds = pd !== undefined ? parseGoDurationSeconds(pd) : undefined;
  const spec = {
    replicas: initialReplicas(rev, inputs.initialScale),
    selector: { matchLabels: { [REVISION_UID_LABEL]: rev.metadata.uid ?? "" } },
    progressDeadlineSeconds: Math.round(pdSeconds ?? inputs.deployment.progressDeadlineMs / 1000),
    revisionHistoryLimit: 0,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0 } },
    template: {
      metadata: { labels: { ...labels }, annotations: podAnnotations },
      spec: makePodSpec(rev, inputs),
    },
  };
  const hash = fnv32aBase36(JSON.stringify({ spec, labels, annotations }));
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: deploymentName(rev),
      namespace: rev.metadata.namespace,
      labels: union(labels, { [DEPLOYMENT_HASH_LABEL]: hash }),
      annotations,
      ownerReferences: [controllerRef(rev)],
    },
    spec,
  };
}

/** Reachability of the PodAutoscaler derived from the Revision (§12.4). */
export function reachability(
  rev: Revision,
  deployment: KubeObject | undefined,
): "" | "Reachable" | "Unreachable" {
  const conds = rev.status?.conditions ?? [];
  const failed = conds.some((c) =>
    (c.type === "ResourcesAvailable" || c.type === "ContainerHealthy") && c.status === "False"
  );
  const dspec = deployment?.spec as { replicas?: number } | undefined;
  const dstatus = deployment?.status as { readyReplicas?: number } | undefined;
  if (failed && (dspec?.replicas ?? 0) > 0 && (dstatus?.readyReplicas ?? 0) === 0) {
    return "Unreachable";
  }
  const state = rev.metadata.labels?.[ROUTING_STATE_LABEL];
  if (state === RoutingState.Active) return "Reachable";
  if (state === RoutingState.Reserve) return "Unreachable";
  return "";
}

/** Builds the PodAutoscaler of a Revision (§12.4 `MakePA`), with webhook defaults applied. */
export function makePA(
  rev: Revision,
  deployment: KubeObject | undefined,
  podAutoscalerClass: string,
): PodAutoscaler {
  const annotations = makePAAnnotations(rev);
  if (!annotations[CLASS_ANNOTATION]) annotations[CLASS_ANNOTATION] = podAutoscalerClass;
  if (!annotations[METRIC_ANNOTATION]) {
    annotations[METRIC_ANNOTATION] = annotations[CLASS_ANNOTATION] ===
        "hpa.autoscaling.knative.dev"
      ? "cpu"
      : "concurrency";
  }
  return {
    apiVersion: AUTOSCALING_V1ALPHA1,
    kind: "PodAutoscaler",
    metadata: {
      name: rev.metadata.name,
      namespace: rev.metadata.namespace,
      labels: makeLabels(rev),
      annotations,
      ownerReferences: [controllerRef(rev)],
    },
    spec: {
      containerConcurrency: rev.spec.containerConcurrency ?? 0,
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName(rev) },
      protocolType: protocolType(rev),
      reachability: reachability(rev, deployment),
    },
  };
}
