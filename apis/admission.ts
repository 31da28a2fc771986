/**
 * Admission hooks for the Knative groups: defaulting (incl. creator /
 * lastModifier), validation with Knative FieldError messages, and config-map
 * validation for the `config-*` maps in the system namespace.
 * @module
 */
import type {
  AdmissionDenial,
  AdmissionHook,
  AdmissionRequest,
  KubeObject,
  StatusCause,
} from "../runtime/mod.ts";
import { type ApiContext, defaultApiContext } from "./context.ts";
import { FieldError } from "./field_error.ts";
import { serviceConverter } from "./serving/v1alpha1/conversion.ts";
import {
  SERVING_GROUP,
  SERVING_V1,
  SERVING_V1ALPHA1,
  V1ALPHA1_MODE_ANNOTATION,
} from "./serving/register.ts";
import { NETWORKING_INTERNAL_GROUP } from "./networking/register.ts";
import { AUTOSCALING_INTERNAL_GROUP } from "./autoscaling/register.ts";
import {
  setConfigurationDefaults,
  setRevisionDefaults,
  setRouteDefaults,
  setServiceDefaults,
} from "./serving/v1/defaults.ts";
import {
  validateConfiguration,
  validateRevision,
  validateRoute,
  validateService,
} from "./serving/v1/validation.ts";
import type { Configuration, Revision, Route, Service } from "./serving/v1/types.ts";
import {
  setIngressDefaults,
  validateIngress,
  validateServerlessService,
} from "./networking/v1alpha1/defaults_validation.ts";
import type { Ingress, ServerlessService } from "./networking/v1alpha1/types.ts";
import {
  setPodAutoscalerDefaults,
  validateMetric,
  validatePodAutoscaler,
} from "./autoscaling/v1alpha1/defaults_validation.ts";
import type { Metric, PodAutoscaler } from "./autoscaling/v1alpha1/types.ts";
import { ConfigError, type ConfigMapSpec } from "./config/parse.ts";
import { servingConfigMapSpecs, SYSTEM_NAMESPACE } from "./config/mod.ts";
import { parseDefaultsConfig } from "./config/defaults.ts";
import { parseFeaturesConfig } from "./config/features.ts";
import { parseAutoscalerConfig } from "./config/autoscaler.ts";

/** Supplies the config in force (the controllers' config store). */
export type ApiContextSource = () => Omit<ApiContext, "operation" | "baseline" | "userInfo">;

/** Options of {@link servingAdmissionHooks}. */
export interface AdmissionHooksOptions {
  /** Current config (defaults when absent). */
  config?: ApiContextSource;
  /** System namespace of the config maps (`knative-serving`). */
  systemNamespace?: string;
}

/** Converts a FieldError into an admission denial (message + causes per path). */
export function fieldErrorToDenial(err: FieldError): AdmissionDenial {
  const causes: StatusCause[] = [];
  for (const e of err.errors) {
    for (const p of e.paths) {
      causes.push({
        reason: "FieldValueInvalid",
        message: e.details ? `${e.message}: ${e.details}` : e.message,
        field: p,
      });
    }
  }
  return { message: err.toString(), causes };
}

function ctxFor(req: AdmissionRequest, src: ApiContextSource | undefined): ApiContext {
  const base = src ? src() : defaultApiContext();
  return {
    ...base,
    operation: req.operation,
    baseline: req.oldObject,
    userInfo: req.userInfo,
    statusUpdate: req.subResource === "status",
  };
}

// Serving hooks work on v1; a v1alpha1 Service (new or old) is converted first.
function toHub(req: AdmissionRequest): AdmissionRequest {
  const up = (o: KubeObject | undefined) =>
    o && o.kind === "Service" && o.apiVersion === SERVING_V1ALPHA1
      ? serviceConverter.convert(o, SERVING_V1)
      : o;
  return { ...req, object: up(req.object), oldObject: up(req.oldObject) };
}

type Kinds = {
  Service: Service;
  Configuration: Configuration;
  Revision: Revision;
  Route: Route;
};

function manualPreserve(req: AdmissionRequest, svc: Service): Service {
  if (svc.metadata.annotations?.[V1ALPHA1_MODE_ANNOTATION] !== "manual") return svc;
  const old = req.oldObject as Service | undefined;
  if (old?.spec && !(svc.spec?.template?.spec?.containers?.length)) {
    svc.spec = structuredClone(old.spec);
  }
  return svc;
}

/** Defaulting (optional) and validation of one kind of an internal group. */
interface InternalKind {
  /** Sets defaults; not run on status updates. */
  defaults?: (req: AdmissionRequest, obj: KubeObject) => KubeObject;
  /** Validates; not run on deletes or status updates. */
  validate: (req: AdmissionRequest, obj: KubeObject) => FieldError | undefined;
}

/** A hook for an internal (controller-written) group: per-kind defaults and validation. */
function internalHook(
  name: string,
  group: string,
  kinds: Record<string, InternalKind>,
): AdmissionHook {
  const forKind = (kind: string) => Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
  return {
    name,
    group,
    kinds: Object.keys(kinds),
    mutate(req) {
      const obj = req.object!;
      const defaults = forKind(obj.kind)?.defaults;
      return defaults && req.subResource !== "status" ? defaults(req, obj) : obj;
    },
    validate(req) {
      if (req.operation === "DELETE" || !req.object || req.subResource === "status") {
        return undefined;
      }
      const validate = forKind(req.object.kind)?.validate;
      const err = validate?.(req, req.object);
      return err ? fieldErrorToDenial(err) : undefined;
    },
  };
}

/** Admission hooks for serving.knative.dev, networking.internal and autoscaling.internal. */
export function servingAdmissionHooks(opts: AdmissionHooksOptions = {}): AdmissionHook[] {
  const src = opts.config;
  const ns = opts.systemNamespace ?? SYSTEM_NAMESPACE;
  const denial = (e: FieldError | undefined) => (e ? fieldErrorToDenial(e) : undefined);
  const defaulters: { [K in keyof Kinds]: (c: ApiContext, o: Kinds[K]) => Kinds[K] } = {
    Service: setServiceDefaults,
    Configuration: setConfigurationDefaults,
    Revision: setRevisionDefaults,
    Route: setRouteDefaults,
  };
  const validators: {
    [K in keyof Kinds]: (c: ApiContext, o: Kinds[K]) => FieldError | undefined;
  } = {
    Service: validateService,
    Configuration: validateConfiguration,
    Revision: validateRevision,
    Route: validateRoute,
  };
  const serving: AdmissionHook = {
    name: "webhook.serving.knative.dev",
    group: SERVING_GROUP,
    kinds: ["Service", "Configuration", "Revision", "Route"],
    mutate(req) {
      const orig = req.object!;
      if (req.subResource === "status" || req.operation === "DELETE") return orig;
      let hub: AdmissionRequest;
      try {
        hub = toHub(req);
      } catch {
        return orig; // an unconvertible v1alpha1 object is refused by validate
      }
      const obj = hub.object!;
      const kind = obj.kind as keyof Kinds;
      const f = defaulters[kind] as unknown as
        | ((c: ApiContext, o: KubeObject) => KubeObject)
        | undefined;
      if (!f) return orig;
      const input = kind === "Service" ? manualPreserve(hub, structuredClone(obj) as Service) : obj;
      const out = f(ctxFor(hub, src), input);
      return out.apiVersion === orig.apiVersion
        ? out
        : serviceConverter.convert(out, orig.apiVersion);
    },
    validate(req) {
      if (req.operation === "DELETE" || !req.object) return undefined;
      let hub: AdmissionRequest;
      try {
        hub = toHub(req);
      } catch (e) {
        if (e instanceof FieldError) return fieldErrorToDenial(e);
        return { message: e instanceof Error ? e.message : String(e) };
      }
      const kind = hub.object!.kind as keyof Kinds;
      const f = validators[kind] as unknown as
        | ((c: ApiContext, o: KubeObject) => FieldError | undefined)
        | undefined;
      return f ? denial(f(ctxFor(hub, src), hub.object!)) : undefined;
    },
  };
  const networking = internalHook(
    "webhook.networking.internal.knative.dev",
    NETWORKING_INTERNAL_GROUP,
    {
      Ingress: {
        defaults: (_req, o) => setIngressDefaults(o as Ingress),
        validate: (_req, o) => validateIngress(o as Ingress),
      },
      ServerlessService: {
        validate: (_req, o) => validateServerlessService(o as ServerlessService),
      },
    },
  );
  const autoscaling = internalHook(
    "webhook.autoscaling.internal.knative.dev",
    AUTOSCALING_INTERNAL_GROUP,
    {
      PodAutoscaler: {
        defaults: (req, o) => setPodAutoscalerDefaults(ctxFor(req, src), o as PodAutoscaler),
        validate: (req, o) => validatePodAutoscaler(ctxFor(req, src), o as PodAutoscaler),
      },
      Metric: { validate: (_req, o) => validateMetric(o as Metric) },
    },
  );
  return [serving, networking, autoscaling, configMapValidationHook(ns)];
}

/** Validates the `config-*` maps in the system namespace by parsing them. */
export function configMapValidationHook(systemNamespace = SYSTEM_NAMESPACE): AdmissionHook {
  const specs = new Map<string, ConfigMapSpec<unknown>>(
    servingConfigMapSpecs().map((s) => [s.name, s]),
  );
  return {
    name: "config.webhook.serving.knative.dev",
    group: "",
    kinds: ["ConfigMap"],
    validate(req) {
      const cm = req.object;
      if (!cm || req.operation === "DELETE" || cm.metadata.namespace !== systemNamespace) {
        return undefined;
      }
      const spec = specs.get(cm.metadata.name ?? "");
      if (!spec) return undefined;
      try {
        spec.parse((cm.data as Record<string, string> | undefined) ?? {});
      } catch (e) {
        const msg = e instanceof ConfigError ? e.message : String(e);
        return {
          message: msg,
          causes: [{ reason: "FieldValueInvalid", message: msg, field: "data" }],
        };
      }
      return undefined;
    },
  };
}

/** Builds an {@link ApiContextSource} from raw config-map data (missing maps → defaults). */
export function apiContextFromConfigMaps(
  data: {
    defaults?: Record<string, string>;
    features?: Record<string, string>;
    autoscaler?: Record<string, string>;
  },
): ApiContextSource {
  const v = {
    defaults: parseDefaultsConfig(data.defaults ?? {}),
    features: parseFeaturesConfig(data.features ?? {}),
    autoscaler: parseAutoscalerConfig(data.autoscaler ?? {}),
  };
  return () => v;
}
