/**
 * Admission and conversion hook contracts. The apis layer implements them; the
 * local control plane calls them in-process and the webhook server serves them
 * over HTTPS as AdmissionReview / ConversionReview v1.
 * @module
 */
import type { KubeObject, StatusCause } from "./types.ts";

/** The operation being admitted. */
export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE";

/** Who made the request. */
export interface AdmissionUserInfo {
  /** User name. */
  username: string;
  /** Groups. */
  groups?: string[];
}

/** One admission request as the hooks see it. */
export interface AdmissionRequest {
  /** Operation. */
  operation: AdmissionOperation;
  /** The object after the change (absent on DELETE). */
  object?: KubeObject;
  /** The object before the change (UPDATE and DELETE). */
  oldObject?: KubeObject;
  /** Subresource being written, e.g. `status`. */
  subResource?: string;
  /** Requesting user. */
  userInfo: AdmissionUserInfo;
  /** True for dry runs. */
  dryRun?: boolean;
}

/** Result of a validating hook: empty means allowed. */
export interface AdmissionDenial {
  /** Human-readable summary, Knative FieldError wording. */
  message: string;
  /** Field-level causes. */
  causes?: StatusCause[];
}

/** An admission hook for some group/kinds. */
export interface AdmissionHook {
  /** Name for logs and webhook configuration. */
  name: string;
  /** API group matched, e.g. `serving.knative.dev`. */
  group: string;
  /** Kinds matched (all kinds of the group when absent). */
  kinds?: string[];
  /** Returns the defaulted object (mutating). */
  mutate?(req: AdmissionRequest): KubeObject | Promise<KubeObject>;
  /** Returns a denial to refuse the request (validating). */
  validate?(
    req: AdmissionRequest,
  ): AdmissionDenial | undefined | Promise<AdmissionDenial | undefined>;
}

/** Converts objects of one group/kind between versions. */
export interface Converter {
  /** API group. */
  group: string;
  /** Kind. */
  kind: string;
  /** Returns `obj` converted to `toApiVersion` (`group/version`). Throws on failure. */
  convert(obj: KubeObject, toApiVersion: string): KubeObject;
}
