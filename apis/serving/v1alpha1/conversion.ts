/**
 * v1alpha1 ⇄ v1 Service conversion (KNATIVE.md §15). The original mode is kept
 * in the {@link V1ALPHA1_MODE_ANNOTATION} annotation so a v1alpha1 read gets
 * back the shape it wrote and the Service controller can honour `manual`.
 * @module
 */
import { deepCopy, type KubeObject } from "../../../runtime/mod.ts";
import type { Converter } from "../../../runtime/mod.ts";
import {
  also,
  errInvalidArrayValue,
  errInvalidValue,
  errMissingField,
  errMissingOneOf,
  errMultipleOneOf,
  errOutOfBoundsValue,
  type FieldError,
  via,
} from "../../field_error.ts";
import { goStringSlice, isDNS1035Label } from "../../k8s_names.ts";
import {
  SERVING_GROUP,
  SERVING_V1,
  SERVING_V1ALPHA1,
  V1ALPHA1_MODE_ANNOTATION,
} from "../register.ts";
import type { RevisionTemplateSpec, Service, TrafficTarget } from "../v1/types.ts";
import {
  RELEASE_LATEST_REVISION_KEYWORD,
  type ServiceMode,
  type V1alpha1ConfigurationSpec,
  type V1alpha1RevisionTemplateSpec,
  type V1alpha1Service,
  type V1alpha1ServiceSpec,
} from "./types.ts";

const MODES: ServiceMode[] = ["runLatest", "release", "manual", "pinned"];

/** Validates the v1alpha1 oneOf and mode fields (v0.5 `service_validation.go`). */
export function validateV1alpha1ServiceSpec(
  spec: V1alpha1ServiceSpec | undefined,
): FieldError | undefined {
  const s = spec ?? {};
  const set = MODES.filter((m) => s[m] !== undefined && s[m] !== null);
  let errs: FieldError | undefined;
  if (set.length > 1) errs = errMultipleOneOf(...set);
  else if (set.length === 0) {
    if (s.template) return undefined;
    errs = errMissingOneOf(...MODES);
  }
  if (s.release) {
    const rt = s.release;
    let re: FieldError | undefined;
    const n = rt.revisions?.length ?? 0;
    if (n === 0) re = errMissingField("revisions");
    if (n > 2) re = also(re, errOutOfBoundsValue(String(n), "1", "2", "revisions"));
    (rt.revisions ?? []).forEach((r, i) => {
      if (r === RELEASE_LATEST_REVISION_KEYWORD) return;
      const msgs = isDNS1035Label(r);
      if (msgs.length) {
        re = also(
          re,
          errInvalidArrayValue(`not a DNS 1035 label: ${goStringSlice(msgs)}`, "revisions", i),
        );
      }
    });
    const p = rt.rolloutPercent ?? 0;
    if (n < 2 && p !== 0) re = also(re, errInvalidValue(p, "rolloutPercent"));
    if (p < 0 || p > 99) re = also(re, errOutOfBoundsValue(p, 0, 99, "rolloutPercent"));
    if (!rt.configuration) re = also(re, errMissingField("configuration"));
    errs = also(errs, via(re, "release"));
  }
  if (s.pinned) {
    let pe: FieldError | undefined;
    if (!s.pinned.revisionName) pe = errMissingField("revisionName");
    if (!s.pinned.configuration) pe = also(pe, errMissingField("configuration"));
    errs = also(errs, via(pe, "pinned"));
  }
  if (s.runLatest && !s.runLatest.configuration) {
    errs = also(errs, errMissingField("runLatest.configuration"));
  }
  return errs;
}

function templateUp(t: V1alpha1RevisionTemplateSpec | undefined): RevisionTemplateSpec {
  const tt = deepCopy(t ?? { spec: {} });
  const { container, containers, concurrencyModel: _cm, servingState: _ss, ...rest } = tt.spec ??
    {};
  const out: RevisionTemplateSpec = { spec: { ...rest } };
  if (tt.metadata && Object.keys(tt.metadata).length) out.metadata = tt.metadata;
  if (containers?.length) out.spec.containers = containers;
  else if (container) out.spec.containers = [container];
  else out.spec.containers = [];
  return out;
}

function configUp(c: V1alpha1ConfigurationSpec | undefined): RevisionTemplateSpec {
  return templateUp(c?.template ?? c?.revisionTemplate);
}

/** Returns the v1 spec (template + traffic) for a v1alpha1 spec; throws a FieldError if invalid. */
function specUp(
  spec: V1alpha1ServiceSpec,
): { template: RevisionTemplateSpec; traffic?: TrafficTarget[]; mode?: ServiceMode } {
  const err = via(validateV1alpha1ServiceSpec(spec), "spec");
  if (err) throw err;
  if (spec.runLatest) {
    return {
      mode: "runLatest",
      template: configUp(spec.runLatest.configuration),
      traffic: [{ percent: 100, latestRevision: true }],
    };
  }
  if (spec.pinned) {
    return {
      mode: "pinned",
      template: configUp(spec.pinned.configuration),
      traffic: [{ revisionName: spec.pinned.revisionName, percent: 100 }],
    };
  }
  if (spec.release) {
    const rel = spec.release;
    const p = rel.rolloutPercent ?? 0;
    const target = (name: string, tag: string, percent?: number): TrafficTarget => {
      const t: TrafficTarget = name === RELEASE_LATEST_REVISION_KEYWORD
        ? { tag, revisionName: "", latestRevision: true }
        : { tag, revisionName: name };
      if (percent !== undefined) t.percent = percent;
      return t;
    };
    const traffic = rel.revisions.length === 1
      ? [target(rel.revisions[0], "current", 100)]
      : [target(rel.revisions[0], "current", 100 - p), target(rel.revisions[1], "candidate", p)];
    traffic.push({ tag: "latest", latestRevision: true });
    return { mode: "release", template: configUp(rel.configuration), traffic };
  }
  if (spec.manual) return { mode: "manual", template: { spec: { containers: [] } } };
  return { template: templateUp(spec.template), traffic: deepCopy(spec.traffic) };
}

/** Converts a v1alpha1 Service to v1 (ConvertUp), recording the mode in an annotation. */
export function serviceToV1(obj: V1alpha1Service): Service {
  const o = deepCopy(obj);
  const up = specUp(o.spec ?? {});
  const meta = o.metadata;
  const anns = { ...(meta.annotations ?? {}) };
  if (up.mode) anns[V1ALPHA1_MODE_ANNOTATION] = up.mode;
  else delete anns[V1ALPHA1_MODE_ANNOTATION];
  const spec: Service["spec"] = { template: up.template };
  if (up.traffic) spec.traffic = up.traffic;
  const out: Service = {
    ...o,
    apiVersion: SERVING_V1,
    kind: "Service",
    metadata: { ...meta, annotations: anns },
    spec,
  };
  if (Object.keys(anns).length === 0) delete out.metadata.annotations;
  if (o.status) out.status = o.status;
  return out;
}

function templateDown(t: RevisionTemplateSpec | undefined): V1alpha1RevisionTemplateSpec {
  const tt = deepCopy(t ?? { spec: {} });
  const { containers, ...rest } = tt.spec ?? {};
  const out: V1alpha1RevisionTemplateSpec = { spec: { ...rest } };
  if (tt.metadata && Object.keys(tt.metadata).length) out.metadata = tt.metadata;
  if ((containers ?? []).length === 1) out.spec.container = containers![0];
  else if ((containers ?? []).length > 1) out.spec.containers = containers;
  return out;
}

/** Converts a stored v1 Service to v1alpha1, in the mode it was written in when representable. */
export function serviceToV1alpha1(obj: Service): V1alpha1Service {
  const o = deepCopy(obj);
  const anns = { ...(o.metadata.annotations ?? {}) };
  const mode = anns[V1ALPHA1_MODE_ANNOTATION] as ServiceMode | undefined;
  delete anns[V1ALPHA1_MODE_ANNOTATION];
  const configuration: V1alpha1ConfigurationSpec = {
    revisionTemplate: templateDown(o.spec?.template),
  };
  const traffic = o.spec?.traffic ?? [];
  let spec: V1alpha1ServiceSpec | undefined;
  const isLatest = (t: TrafficTarget) =>
    t.latestRevision === true || (!t.revisionName && !t.configurationName);
  if (mode === "manual") spec = { manual: {} };
  else if (mode === "pinned" && traffic.length === 1 && traffic[0].revisionName) {
    spec = { pinned: { revisionName: traffic[0].revisionName, configuration } };
  } else if (mode === "release") {
    const cur = traffic.find((t) => t.tag === "current");
    const cand = traffic.find((t) => t.tag === "candidate");
    if (cur) {
      const name = (t: TrafficTarget) =>
        isLatest(t) ? RELEASE_LATEST_REVISION_KEYWORD : t.revisionName!;
      const revisions = cand ? [name(cur), name(cand)] : [name(cur)];
      const release: V1alpha1ServiceSpec["release"] = { revisions, configuration };
      if (cand?.percent) release.rolloutPercent = cand.percent;
      spec = { release };
    }
  } else if (
    (mode === "runLatest" || mode === undefined) &&
    (traffic.length === 0 ||
      (traffic.length === 1 && traffic[0].percent === 100 && isLatest(traffic[0]) &&
        !traffic[0].tag))
  ) {
    spec = { runLatest: { configuration } };
  }
  if (!spec) {
    spec = { template: configuration.revisionTemplate };
    if (o.spec?.traffic) spec.traffic = o.spec.traffic;
  }
  const out: V1alpha1Service = {
    ...o,
    apiVersion: SERVING_V1ALPHA1,
    kind: "Service",
    metadata: { ...o.metadata, annotations: anns },
    spec,
  };
  if (Object.keys(anns).length === 0) delete out.metadata.annotations;
  return out;
}

/** The v1alpha1 mode recorded on a v1 Service, if any. */
export function serviceMode(svc: KubeObject): ServiceMode | undefined {
  return svc.metadata.annotations?.[V1ALPHA1_MODE_ANNOTATION] as ServiceMode | undefined;
}

/** True when the Service is `manual`: the controller must not manage its children. */
export function isManualService(svc: KubeObject): boolean {
  return serviceMode(svc) === "manual";
}

/** The Service converter (v1 ⇄ v1alpha1). */
export const serviceConverter: Converter = {
  group: SERVING_GROUP,
  kind: "Service",
  convert(obj: KubeObject, toApiVersion: string): KubeObject {
    if (obj.apiVersion === toApiVersion) return deepCopy(obj);
    if (toApiVersion === SERVING_V1 && obj.apiVersion === SERVING_V1ALPHA1) {
      return serviceToV1(obj as V1alpha1Service);
    }
    if (toApiVersion === SERVING_V1ALPHA1 && obj.apiVersion === SERVING_V1) {
      return serviceToV1alpha1(obj as Service);
    }
    throw new Error(`cannot convert Service from ${obj.apiVersion} to ${toApiVersion}`);
  },
};

/** Converters for serving.knative.dev (Service v1 ⇄ v1alpha1). */
export function servingConverters(): Converter[] {
  return [serviceConverter];
}
