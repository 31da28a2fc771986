/**
 * Legacy serving.knative.dev/v1alpha1 Service shapes (KNATIVE.md §15):
 * `runLatest`, `pinned`, `release`, `manual`, with `revisionTemplate.spec.container`.
 * @module
 */
import type { KubeObject } from "../../../runtime/mod.ts";
import type {
  Container,
  RevisionSpec,
  ServiceStatus,
  TemplateMeta,
  TrafficTarget,
  Volume,
} from "../v1/types.ts";

/** Old RevisionSpec: a single `container` plus Knative fields (or v1 `containers`). */
export interface V1alpha1RevisionSpec extends Omit<RevisionSpec, "containers"> {
  /** The single container (deprecated form). */
  container?: Container;
  /** v1-style containers. */
  containers?: Container[];
  /** Deprecated concurrency model (`Single`/`Multi`). */
  concurrencyModel?: string;
  /** Deprecated serving state. */
  servingState?: string;
  /** Volumes. */
  volumes?: Volume[];
}

/** Old RevisionTemplateSpec. */
export interface V1alpha1RevisionTemplateSpec {
  /** Metadata. */
  metadata?: TemplateMeta;
  /** Spec. */
  spec: V1alpha1RevisionSpec;
}

/** Old ConfigurationSpec. */
export interface V1alpha1ConfigurationSpec {
  /** Deprecated generation. */
  generation?: number;
  /** Deprecated build. */
  build?: Record<string, unknown>;
  /** Old template field. */
  revisionTemplate?: V1alpha1RevisionTemplateSpec;
  /** v1beta1-style template field. */
  template?: V1alpha1RevisionTemplateSpec;
}

/** runLatest mode. */
export interface RunLatestType {
  /** Configuration. */
  configuration: V1alpha1ConfigurationSpec;
}

/** pinned mode (deprecated alias of a one-revision release). */
export interface PinnedType {
  /** The pinned revision. */
  revisionName: string;
  /** Configuration. */
  configuration: V1alpha1ConfigurationSpec;
}

/** release mode. */
export interface ReleaseType {
  /** One or two revision names; `@latest` allowed. */
  revisions: string[];
  /** Percent to the candidate (0..99; 0 with one revision). */
  rolloutPercent?: number;
  /** Configuration. */
  configuration: V1alpha1ConfigurationSpec;
}

/** manual mode. */
export type ManualType = Record<string, never>;

/** v1alpha1 ServiceSpec: exactly one mode (or the v1beta1 inline form). */
export interface V1alpha1ServiceSpec {
  /** runLatest. */
  runLatest?: RunLatestType;
  /** pinned. */
  pinned?: PinnedType;
  /** release. */
  release?: ReleaseType;
  /** manual. */
  manual?: ManualType;
  /** Inline template (v1beta1 form). */
  template?: V1alpha1RevisionTemplateSpec;
  /** Inline traffic (v1beta1 form). */
  traffic?: TrafficTarget[];
}

/** A serving.knative.dev/v1alpha1 Service. */
export interface V1alpha1Service extends KubeObject {
  /** Spec. */
  spec: V1alpha1ServiceSpec;
  /** Status (v1 shape). */
  status?: ServiceStatus;
}

/** The `@latest` keyword of `release.revisions`. */
export const RELEASE_LATEST_REVISION_KEYWORD = "@latest";
/** Service modes. */
export type ServiceMode = "runLatest" | "pinned" | "release" | "manual";
