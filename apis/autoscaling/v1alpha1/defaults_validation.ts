/**
 * PodAutoscaler and Metric defaults and validation.
 * @module
 */
import { deepCopy } from "../../../runtime/mod.ts";
import type { ApiContext } from "../../context.ts";
import {
  also,
  errInvalidValue,
  errMissingField,
  errOutOfBoundsValue,
  type FieldError,
  via,
} from "../../field_error.ts";
import { validateAutoscalingAnnotations } from "../annotation_validation.ts";
import { CLASS_ANNOTATION, HPA, METRIC_ANNOTATION } from "../register.ts";
import type { Metric, PodAutoscaler } from "./types.ts";

/** PodAutoscaler.SetDefaults: class from config, metric concurrency (KPA) or cpu (HPA). */
export function setPodAutoscalerDefaults(ctx: ApiContext, pa: PodAutoscaler): PodAutoscaler {
  const p = deepCopy(pa);
  const anns = p.metadata.annotations ??= {};
  if (!anns[CLASS_ANNOTATION]) anns[CLASS_ANNOTATION] = ctx.autoscaler.podAutoscalerClass;
  if (!anns[METRIC_ANNOTATION]) {
    anns[METRIC_ANNOTATION] = anns[CLASS_ANNOTATION] === HPA ? "cpu" : "concurrency";
  }
  return p;
}

/** PodAutoscaler.Validate. */
export function validatePodAutoscaler(ctx: ApiContext, pa: PodAutoscaler): FieldError | undefined {
  let errs = via(
    validateAutoscalingAnnotations(ctx.autoscaler, pa.metadata.annotations),
    "metadata.annotations",
  );
  const s = pa.spec;
  if (!s) return also(errs, errMissingField("spec"));
  let se: FieldError | undefined;
  const ref = s.scaleTargetRef ?? {};
  if (!ref.apiVersion) se = also(se, errMissingField("scaleTargetRef.apiVersion"));
  if (!ref.kind) se = also(se, errMissingField("scaleTargetRef.kind"));
  if (!ref.name) se = also(se, errMissingField("scaleTargetRef.name"));
  const cc = s.containerConcurrency ?? 0;
  if (cc < 0 || cc > ctx.defaults.containerConcurrencyMaxLimit) {
    se = also(
      se,
      errOutOfBoundsValue(cc, 0, ctx.defaults.containerConcurrencyMaxLimit, "containerConcurrency"),
    );
  }
  if (s.protocolType !== "http1" && s.protocolType !== "h2c") {
    se = also(se, errInvalidValue(s.protocolType ?? "", "protocolType"));
  }
  if (s.reachability && s.reachability !== "Reachable" && s.reachability !== "Unreachable") {
    se = also(se, errInvalidValue(s.reachability, "reachability"));
  }
  errs = also(errs, via(se, "spec"));
  return errs;
}

/** Metric.Validate: windows must be positive. */
export function validateMetric(m: Metric): FieldError | undefined {
  let errs: FieldError | undefined;
  if (!m.spec?.stableWindow || m.spec.stableWindow <= 0) errs = errMissingField("stableWindow");
  if (!m.spec?.panicWindow || m.spec.panicWindow <= 0) {
    errs = also(errs, errMissingField("panicWindow"));
  }
  return via(errs, "spec");
}
