/**
 * Autoscaling annotation validation (`serving/pkg/apis/autoscaling/annotation_validation.go`).
 * @module
 */
import {
  also,
  errGeneric,
  errInvalidKeyName,
  errInvalidValue,
  errOutOfBoundsValue,
  FieldError,
} from "../field_error.ts";
import type { AutoscalerConfig } from "../config/autoscaler.ts";
import { formatGoDuration, parseGoDuration } from "../config/parse.ts";
import { keyPriorityGet } from "../serving/register.ts";
import {
  AnnotationKeys,
  AUTOSCALING_GROUP,
  CLASS_ANNOTATION,
  HPA,
  KPA,
  MAX_SCALE_ANNOTATION,
  METRIC_ANNOTATION,
  MIN_SCALE_ANNOTATION,
  WINDOW_ANNOTATION,
  WINDOW_MAX_MS,
  WINDOW_MIN_MS,
} from "./register.ts";

const MAX_INT32 = 2147483647;
type Anns = Record<string, string>;

function parseFloatStrict(v: string): number | undefined {
  const t = v.trim();
  if (t === "" || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

function parseInt32(v: string): number | undefined {
  if (!/^[-+]?\d+$/.test(v)) return undefined;
  const n = parseInt(v, 10);
  return n > MAX_INT32 || n < -MAX_INT32 - 1 ? undefined : n;
}

function validateClass(m: Anns): FieldError | undefined {
  const kv = keyPriorityGet(m, AnnotationKeys.class);
  if (kv && kv.value.endsWith(".knative.dev") && kv.value !== KPA && kv.value !== HPA) {
    return errInvalidValue(kv.value, kv.key);
  }
  return undefined;
}

function getIntGE0(m: Anns, keys: readonly string[]): [number, FieldError | undefined] {
  const kv = keyPriorityGet(m, keys);
  if (!kv) return [0, undefined];
  const i = parseInt32(kv.value);
  if (i === undefined || i < 0) return [0, errOutOfBoundsValue(kv.value, 0, MAX_INT32, kv.key)];
  return [i, undefined];
}

function validateMinMaxScale(cfg: AutoscalerConfig, m: Anns): FieldError | undefined {
  const [min, e1] = getIntGE0(m, AnnotationKeys.minScale);
  const [max, e2] = getIntGE0(m, AnnotationKeys.maxScale);
  let errs = also(e1, e2);
  if (max !== 0 && max < min) {
    errs = also(
      errs,
      new FieldError(`max-scale=${max} is less than min-scale=${min}`, [
        MAX_SCALE_ANNOTATION,
        MIN_SCALE_ANNOTATION,
      ]),
    );
  }
  const mx = keyPriorityGet(m, AnnotationKeys.maxScale);
  if (mx && cfg.maxScaleLimit > 0) {
    if (max > cfg.maxScaleLimit) {
      errs = also(errs, errOutOfBoundsValue(max, 1, cfg.maxScaleLimit, mx.key));
    }
    if (max === 0) {
      errs = also(
        errs,
        new FieldError(`max-scale=0 (unlimited), must be less than ${cfg.maxScaleLimit}`, [mx.key]),
      );
    }
  }
  const as = keyPriorityGet(m, AnnotationKeys.activationScale);
  if (as) {
    const a = parseInt32(as.value);
    if (a === undefined) errs = also(errs, errInvalidValue(as.value, as.key));
    else if (a < 2) errs = also(errs, errOutOfBoundsValue(as.value, 2, MAX_INT32, as.key));
    else if (max > 0 && a > max) {
      errs = also(
        errs,
        new FieldError(`activation-scale=${a} is greater than max-scale=${max}`, [
          as.key,
          MAX_SCALE_ANNOTATION,
        ]),
      );
    }
  }
  return errs;
}

function validateFloats(m: Anns): FieldError | undefined {
  let errs: FieldError | undefined;
  const bounded = (keys: readonly string[], lo: number, hi: number) => {
    const kv = keyPriorityGet(m, keys);
    if (!kv) return;
    const f = parseFloatStrict(kv.value);
    if (f === undefined) errs = also(errs, errInvalidValue(kv.value, kv.key));
    else if (f < lo || f > hi) errs = also(errs, errOutOfBoundsValue(kv.value, lo, hi, kv.key));
  };
  bounded(AnnotationKeys.panicWindowPercentage, 1, 100);
  bounded(AnnotationKeys.panicThresholdPercentage, 110, 1000);
  const t = keyPriorityGet(m, AnnotationKeys.target);
  if (t) {
    const f = parseFloatStrict(t.value);
    if (f === undefined || f < 0.01) errs = also(errs, errInvalidValue(t.value, t.key));
  }
  bounded(AnnotationKeys.targetUtilizationPercentage, 1, 100);
  const tbc = keyPriorityGet(m, AnnotationKeys.targetBurstCapacity);
  if (tbc) {
    const f = parseFloatStrict(tbc.value);
    if (f === undefined || (f < 0 && f !== -1)) {
      errs = also(errs, errInvalidValue(tbc.value, tbc.key));
    }
  }
  return errs;
}

function validateWindow(m: Anns): FieldError | undefined {
  const kv = keyPriorityGet(m, AnnotationKeys.window);
  if (!kv) return undefined;
  const d = parseGoDuration(kv.value);
  if (d === undefined) return errInvalidValue(kv.value, WINDOW_ANNOTATION);
  if (d < WINDOW_MIN_MS || d > WINDOW_MAX_MS) {
    return errOutOfBoundsValue(
      kv.value,
      formatGoDuration(WINDOW_MIN_MS),
      formatGoDuration(WINDOW_MAX_MS),
      WINDOW_ANNOTATION,
    );
  }
  if (d % 1000 !== 0) {
    return errGeneric("must be specified with at most second precision", WINDOW_ANNOTATION);
  }
  return undefined;
}

function validateDelay(m: Anns, keys: readonly string[], wholeSeconds: boolean) {
  const kv = keyPriorityGet(m, keys);
  if (!kv) return undefined;
  const d = parseGoDuration(kv.value);
  if (d === undefined) return errInvalidValue(kv.value, kv.key);
  if (d < 0 || d > WINDOW_MAX_MS) {
    return errOutOfBoundsValue(kv.value, "0s", formatGoDuration(WINDOW_MAX_MS), kv.key);
  }
  if (wholeSeconds && d % 1000 !== 0) {
    return errGeneric("must be specified with at most second precision", kv.key);
  }
  return undefined;
}

function validateMetric(m: Anns): FieldError | undefined {
  const metric = m[METRIC_ANNOTATION];
  if (metric === undefined) return undefined;
  const cls = m[CLASS_ANNOTATION] ?? KPA;
  if (cls === KPA && metric !== "concurrency" && metric !== "rps") {
    return errInvalidValue(metric, METRIC_ANNOTATION);
  }
  return undefined;
}

function validateAlgorithm(m: Anns): FieldError | undefined {
  const kv = keyPriorityGet(m, AnnotationKeys.metricAggregationAlgorithm);
  if (!kv) return undefined;
  if (["linear", "weighted-exponential", "weightedExponential"].includes(kv.value)) {
    return undefined;
  }
  return errInvalidValue(kv.value, kv.key);
}

function validateInitialScale(cfg: AutoscalerConfig, m: Anns): FieldError | undefined {
  const kv = keyPriorityGet(m, AnnotationKeys.initialScale);
  if (!kv) return undefined;
  const i = /^[-+]?\d+$/.test(kv.value) ? parseInt(kv.value, 10) : undefined;
  if (i === undefined || i < 0 || (!cfg.allowZeroInitialScale && i === 0)) {
    return errInvalidValue(kv.value, kv.key);
  }
  return undefined;
}

/** Validates autoscaling annotations as Knative's ValidateAnnotations does. */
export function validateAutoscalingAnnotations(
  cfg: AutoscalerConfig,
  anns: Anns | undefined,
): FieldError | undefined {
  const m = anns ?? {};
  return also(
    validateClass(m),
    validateMinMaxScale(cfg, m),
    validateFloats(m),
    validateWindow(m),
    validateDelay(m, AnnotationKeys.scaleToZeroPodRetentionPeriod, false),
    validateDelay(m, AnnotationKeys.scaleDownDelay, true),
    validateMetric(m),
    validateAlgorithm(m),
    validateInitialScale(cfg, m),
  );
}

/** Refuses autoscaling annotations outside a template (ValidateHasNoAutoscalingAnnotation). */
export function validateHasNoAutoscalingAnnotation(anns: Anns | undefined): FieldError | undefined {
  let errs: FieldError | undefined;
  for (const k of Object.keys(anns ?? {}).sort()) {
    if (k.startsWith(AUTOSCALING_GROUP)) {
      errs = also(
        errs,
        errInvalidKeyName(
          k,
          "",
          `autoscaling annotations must be put under "spec.template.metadata.annotations" to work`,
        ),
      );
    }
  }
  return errs;
}
