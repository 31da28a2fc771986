/**
 * serving.knative.dev/v1 types: Service, Configuration, Revision, Route
 * (`serving/pkg/apis/serving/v1/*_types.go`).
 * @module
 */
import type { Condition, KubeObject, ObjectMeta } from "../../../runtime/mod.ts";

/** Knative duck status (observedGeneration, conditions, annotations). */
export interface Status {
  /** Generation last processed by the controller. */
  observedGeneration?: number;
  /** Conditions. */
  conditions?: Condition[];
  /** Free-form status annotations. */
  annotations?: Record<string, string>;
}

/** An environment variable (core/v1 EnvVar). */
export interface EnvVar {
  /** Name. */
  name: string;
  /** Literal value. */
  value?: string;
  /** Source (fieldRef, secretKeyRef, configMapKeyRef, resourceFieldRef). */
  valueFrom?: Record<string, unknown>;
}

/** A container port (core/v1 ContainerPort). */
export interface ContainerPort {
  /** `http1` or `h2c` (Knative), or any name. */
  name?: string;
  /** Port number. */
  containerPort: number;
  /** Protocol (TCP). */
  protocol?: string;
  /** Host port (disallowed by Knative). */
  hostPort?: number;
  /** Host IP (disallowed by Knative). */
  hostIP?: string;
}

/** Resource requirements (core/v1 ResourceRequirements). */
export interface ResourceRequirements {
  /** Requests. */
  requests?: Record<string, string>;
  /** Limits. */
  limits?: Record<string, string>;
}

/** A probe (core/v1 Probe). */
export interface Probe {
  /** HTTP GET handler. */
  httpGet?: {
    path?: string;
    port?: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name: string; value: string }[];
  };
  /** TCP handler. */
  tcpSocket?: { port?: number | string; host?: string };
  /** Exec handler. */
  exec?: { command?: string[] };
  /** gRPC handler. */
  grpc?: { port?: number; service?: string };
  /** Initial delay. */
  initialDelaySeconds?: number;
  /** Timeout. */
  timeoutSeconds?: number;
  /** Period. */
  periodSeconds?: number;
  /** Success threshold. */
  successThreshold?: number;
  /** Failure threshold. */
  failureThreshold?: number;
  /** Termination grace period. */
  terminationGracePeriodSeconds?: number;
}

/** A volume mount (core/v1 VolumeMount). */
export interface VolumeMount {
  /** Volume name. */
  name: string;
  /** Mount path. */
  mountPath: string;
  /** Read-only. */
  readOnly?: boolean;
  /** Sub path. */
  subPath?: string;
  /** Mount propagation. */
  mountPropagation?: string;
}

/** A container (core/v1 Container, the subset Knative allows). */
export interface Container {
  /** Container name. */
  name?: string;
  /** Image reference. */
  image?: string;
  /** Entrypoint. */
  command?: string[];
  /** Arguments. */
  args?: string[];
  /** Working directory. */
  workingDir?: string;
  /** Ports (at most one on the serving container). */
  ports?: ContainerPort[];
  /** Env from sources. */
  envFrom?: Record<string, unknown>[];
  /** Environment. */
  env?: EnvVar[];
  /** Resources. */
  resources?: ResourceRequirements;
  /** Volume mounts. */
  volumeMounts?: VolumeMount[];
  /** Liveness probe. */
  livenessProbe?: Probe;
  /** Readiness probe. */
  readinessProbe?: Probe;
  /** Startup probe. */
  startupProbe?: Probe;
  /** Termination message path. */
  terminationMessagePath?: string;
  /** Termination message policy. */
  terminationMessagePolicy?: string;
  /** Image pull policy. */
  imagePullPolicy?: string;
  /** Security context. */
  securityContext?: Record<string, unknown>;
  /** Lifecycle hooks (disallowed by Knative). */
  lifecycle?: Record<string, unknown>;
  /** Stdin (disallowed). */
  stdin?: boolean;
  /** TTY (disallowed). */
  tty?: boolean;
}

/** A volume (core/v1 Volume, open). */
export interface Volume {
  /** Volume name. */
  name: string;
  /** Secret source. */
  secret?: Record<string, unknown>;
  /** ConfigMap source. */
  configMap?: Record<string, unknown>;
  /** Projected source. */
  projected?: Record<string, unknown>;
  /** emptyDir source. */
  emptyDir?: Record<string, unknown>;
  /** PVC source. */
  persistentVolumeClaim?: Record<string, unknown>;
  /** Other sources. */
  [source: string]: unknown;
}

/** RevisionSpec: a core PodSpec (Knative's allowed subset) plus Knative fields. */
export interface RevisionSpec {
  /** Containers. */
  containers?: Container[];
  /** Init containers. */
  initContainers?: Container[];
  /** Volumes. */
  volumes?: Volume[];
  /** Service account. */
  serviceAccountName?: string;
  /** Image pull secrets. */
  imagePullSecrets?: { name?: string }[];
  /** Service links. */
  enableServiceLinks?: boolean;
  /** Automount SA token. */
  automountServiceAccountToken?: boolean;
  /** Node selector (feature gated). */
  nodeSelector?: Record<string, string>;
  /** Tolerations (feature gated). */
  tolerations?: Record<string, unknown>[];
  /** Affinity (feature gated). */
  affinity?: Record<string, unknown>;
  /** Topology spread (feature gated). */
  topologySpreadConstraints?: Record<string, unknown>[];
  /** Pod security context. */
  securityContext?: Record<string, unknown>;
  /** Runtime class (feature gated). */
  runtimeClassName?: string;
  /** Priority class (feature gated). */
  priorityClassName?: string;
  /** Scheduler (feature gated). */
  schedulerName?: string;
  /** Host aliases (feature gated). */
  hostAliases?: Record<string, unknown>[];
  /** DNS policy (feature gated). */
  dnsPolicy?: string;
  /** DNS config (feature gated). */
  dnsConfig?: Record<string, unknown>;
  /** Share process namespace (feature gated). */
  shareProcessNamespace?: boolean;
  /** Host IPC (feature gated). */
  hostIPC?: boolean;
  /** Host PID (feature gated). */
  hostPID?: boolean;
  /** Host network (feature gated). */
  hostNetwork?: boolean;
  /** Maximum in-flight requests per container; 0 = unlimited. */
  containerConcurrency?: number;
  /** Request timeout. */
  timeoutSeconds?: number;
  /** Time to first byte. */
  responseStartTimeoutSeconds?: number;
  /** Max idle time between bytes. */
  idleTimeoutSeconds?: number;
}

/** The metadata fields a revision template may carry (what the CRD schema keeps). */
export type TemplateMeta = Pick<
  ObjectMeta,
  "name" | "generateName" | "namespace" | "labels" | "annotations" | "finalizers"
>;

/** RevisionTemplateSpec. */
export interface RevisionTemplateSpec {
  /** Template metadata. */
  metadata?: TemplateMeta;
  /** Template spec. */
  spec: RevisionSpec;
}

/** ConfigurationSpec. */
export interface ConfigurationSpec {
  /** The template revisions are stamped from. */
  template: RevisionTemplateSpec;
}

/** ConfigurationStatusFields. */
export interface ConfigurationStatusFields {
  /** Latest revision that became ready. */
  latestReadyRevisionName?: string;
  /** Latest revision created. */
  latestCreatedRevisionName?: string;
}

/** A traffic target. */
export interface TrafficTarget {
  /** Tag (named sub-route). */
  tag?: string;
  /** Revision pinned to. */
  revisionName?: string;
  /** Configuration followed. */
  configurationName?: string;
  /** Follow the latest ready revision. */
  latestRevision?: boolean;
  /** Percent of traffic. */
  percent?: number;
  /** Status only: URL of the tag. */
  url?: string;
}

/** RouteSpec. */
export interface RouteSpec {
  /** Traffic targets. */
  traffic?: TrafficTarget[];
}

/** Addressable status. */
export interface Addressable {
  /** Cluster-internal URL. */
  url?: string;
  /** Name. */
  name?: string;
  /** CA certificates. */
  CACerts?: string;
  /** Audience. */
  audience?: string;
}

/** RouteStatusFields. */
export interface RouteStatusFields {
  /** External URL. */
  url?: string;
  /** Internal address. */
  address?: Addressable;
  /** Resolved traffic. */
  traffic?: TrafficTarget[];
}

/** Configuration status. */
export type ConfigurationStatus = Status & ConfigurationStatusFields;
/** Route status. */
export type RouteStatus = Status & RouteStatusFields;
/** Service status. */
export type ServiceStatus = Status & ConfigurationStatusFields & RouteStatusFields;

/** Container status on a Revision. */
export interface ContainerStatus {
  /** Container name. */
  name?: string;
  /** Resolved digest. */
  imageDigest?: string;
}

/** Revision status. */
export interface RevisionStatus extends Status {
  /** Log URL. */
  logUrl?: string;
  /** Container statuses. */
  containerStatuses?: ContainerStatus[];
  /** Init container statuses. */
  initContainerStatuses?: ContainerStatus[];
  /** Actual replicas. */
  actualReplicas?: number;
  /** Desired replicas. */
  desiredReplicas?: number;
}

/** ServiceSpec: ConfigurationSpec + RouteSpec inlined. */
export type ServiceSpec = ConfigurationSpec & RouteSpec;

/** A serving.knative.dev/v1 Service. */
export interface Service extends KubeObject {
  /** Spec. */
  spec: ServiceSpec;
  /** Status. */
  status?: ServiceStatus;
}

/** A serving.knative.dev/v1 Configuration. */
export interface Configuration extends KubeObject {
  /** Spec. */
  spec: ConfigurationSpec;
  /** Status. */
  status?: ConfigurationStatus;
}

/** A serving.knative.dev/v1 Revision. */
export interface Revision extends KubeObject {
  /** Spec. */
  spec: RevisionSpec;
  /** Status. */
  status?: RevisionStatus;
}

/** A serving.knative.dev/v1 Route. */
export interface Route extends KubeObject {
  /** Spec. */
  spec: RouteSpec;
  /** Status. */
  status?: RouteStatus;
}
