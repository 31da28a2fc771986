/**
 * Well-known serving.knative.dev keys (labels, annotations) — Knative's
 * `serving/pkg/apis/serving/register.go`.
 * @module
 */

/** API group of the public serving types. */
export const SERVING_GROUP = "serving.knative.dev";
/** `serving.knative.dev/v1`. */
export const SERVING_V1 = "serving.knative.dev/v1";
/** `serving.knative.dev/v1alpha1`. */
export const SERVING_V1ALPHA1 = "serving.knative.dev/v1alpha1";

/** Label: Service name. */
export const SERVICE_LABEL = "serving.knative.dev/service";
/** Label: Service UID. */
export const SERVICE_UID_LABEL = "serving.knative.dev/serviceUID";
/** Label: Configuration name. */
export const CONFIGURATION_LABEL = "serving.knative.dev/configuration";
/** Label: Configuration generation at Revision creation. */
export const CONFIGURATION_GENERATION_LABEL = "serving.knative.dev/configurationGeneration";
/** Label: Configuration UID. */
export const CONFIGURATION_UID_LABEL = "serving.knative.dev/configurationUID";
/** Label: Revision name. */
export const REVISION_LABEL = "serving.knative.dev/revision";
/** Label: Revision UID. */
export const REVISION_UID_LABEL = "serving.knative.dev/revisionUID";
/** Label: Route name. */
export const ROUTE_LABEL = "serving.knative.dev/route";
/** Label: Route namespace. */
export const ROUTE_NAMESPACE_LABEL = "serving.knative.dev/routeNamespace";
/** Annotation: comma-joined sorted Route names referencing a Configuration/Revision. */
export const ROUTES_ANNOTATION = "serving.knative.dev/routes";
/** Label: Revision routing state (`pending`/`active`/`reserve`). */
export const ROUTING_STATE_LABEL = "serving.knative.dev/routingState";
/** Annotation: RFC3339 time of the last routingState change. */
export const ROUTING_STATE_MODIFIED_ANNOTATION = "serving.knative.dev/routingStateModified";
/** Annotation: creator user name. */
export const CREATOR_ANNOTATION = "serving.knative.dev/creator";
/** Annotation: last modifier user name. */
export const UPDATER_ANNOTATION = "serving.knative.dev/lastModifier";
/** Annotation: legacy pin time. */
export const REVISION_LAST_PINNED_ANNOTATION = "serving.knative.dev/lastPinned";
/** Annotation: `"true"` keeps a Revision from GC. */
export const REVISION_PRESERVE_ANNOTATION = "serving.knative.dev/no-gc";
/** Annotation: gradual rollout duration. */
export const ROLLOUT_DURATION_ANNOTATION = "serving.knative.dev/rollout-duration";
/** Legacy alias of {@link ROLLOUT_DURATION_ANNOTATION}. */
export const ROLLOUT_DURATION_ANNOTATION_LEGACY = "serving.knative.dev/rolloutDuration";
/** Rollout-duration keys in priority order. */
export const ROLLOUT_DURATION_KEYS = [
  ROLLOUT_DURATION_ANNOTATION,
  ROLLOUT_DURATION_ANNOTATION_LEGACY,
] as const;
/** Annotation: per-revision Deployment progress deadline. */
export const PROGRESS_DEADLINE_ANNOTATION = "serving.knative.dev/progress-deadline";
/** Label: hash of the desired Deployment. */
export const DEPLOYMENT_HASH_LABEL = "serving.knative.dev/deployment-hash";
/** Label: `cluster-local` visibility. */
export const VISIBILITY_LABEL = "networking.knative.dev/visibility";
/** Legacy visibility label (before mid-2020). */
export const VISIBILITY_LABEL_LEGACY = "serving.knative.dev/visibility";
/** Value of the visibility label making a route cluster-local. */
export const VISIBILITY_CLUSTER_LOCAL = "cluster-local";

/** Routing states of a Revision. */
export const RoutingState = {
  /** Not yet decided. */
  Pending: "pending",
  /** Referenced by a route. */
  Active: "active",
  /** Not referenced. */
  Reserve: "reserve",
} as const;

/** Prefix of queue-proxy resource override annotations. */
export const QUEUE_SIDECAR_PREFIX = "queue.sidecar.serving.knative.dev";
/** Annotation: queue-proxy CPU request. */
export const QUEUE_SIDECAR_CPU_REQUEST_ANNOTATION = `${QUEUE_SIDECAR_PREFIX}/cpu-resource-request`;
/** Annotation: queue-proxy CPU limit. */
export const QUEUE_SIDECAR_CPU_LIMIT_ANNOTATION = `${QUEUE_SIDECAR_PREFIX}/cpu-resource-limit`;
/** Annotation: queue-proxy memory request. */
export const QUEUE_SIDECAR_MEMORY_REQUEST_ANNOTATION =
  `${QUEUE_SIDECAR_PREFIX}/memory-resource-request`;
/** Annotation: queue-proxy memory limit. */
export const QUEUE_SIDECAR_MEMORY_LIMIT_ANNOTATION =
  `${QUEUE_SIDECAR_PREFIX}/memory-resource-limit`;
/** Annotation: queue-proxy ephemeral-storage request. */
export const QUEUE_SIDECAR_EPHEMERAL_STORAGE_REQUEST_ANNOTATION =
  `${QUEUE_SIDECAR_PREFIX}/ephemeral-storage-resource-request`;
/** Annotation: queue-proxy ephemeral-storage limit. */
export const QUEUE_SIDECAR_EPHEMERAL_STORAGE_LIMIT_ANNOTATION =
  `${QUEUE_SIDECAR_PREFIX}/ephemeral-storage-resource-limit`;
/** Annotation: queue-proxy resource percentage. */
export const QUEUE_SIDECAR_RESOURCE_PERCENTAGE_ANNOTATION =
  `${QUEUE_SIDECAR_PREFIX}/resource-percentage`;
/** Legacy alias of {@link QUEUE_SIDECAR_RESOURCE_PERCENTAGE_ANNOTATION}. */
export const QUEUE_SIDECAR_RESOURCE_PERCENTAGE_ANNOTATION_LEGACY =
  `${QUEUE_SIDECAR_PREFIX}/resourcePercentage`;

/**
 * denative annotation recording the v1alpha1 Service mode (`runLatest`, `release`,
 * `pinned`, `manual`) and its JSON so a v1alpha1 read gets back the shape it wrote.
 */
export const V1ALPHA1_MODE_ANNOTATION = "serving.denative.dev/v1alpha1-mode";
/** denative annotation: JSON of the original v1alpha1 mode block (minus configuration). */
export const V1ALPHA1_SPEC_ANNOTATION = "serving.denative.dev/v1alpha1-spec";

/** Returns the first present key's value (kmap.KeyPriority.Get). */
export function keyPriorityGet(
  m: Record<string, string> | undefined,
  keys: readonly string[],
): { key: string; value: string } | undefined {
  if (!m) return undefined;
  for (const k of keys) if (k in m) return { key: k, value: m[k] };
  return undefined;
}
