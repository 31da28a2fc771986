/**
 * Pure builders of a PodAutoscaler's children and its scale bounds
 * (KNATIVE.md §13.3, §13.5, §13.6; `autoscaling/resources/{sks,metric}.go`).
 * @module
 */
import type {
  AutoscalerConfig,
  PodAutoscaler,
  ServerlessService,
  ServerlessServiceMode,
} from "../../apis/mod.ts";
import {
  AUTOSCALING_V1ALPHA1,
  INITIAL_SCALE_ANNOTATION,
  INITIAL_SCALE_ANNOTATION_LEGACY,
  MAX_SCALE_ANNOTATION,
  MAX_SCALE_ANNOTATION_LEGACY,
  METRIC_ANNOTATION,
  MIN_SCALE_ANNOTATION,
  MIN_SCALE_ANNOTATION_LEGACY,
  NETWORKING_V1ALPHA1,
  PANIC_WINDOW_PERCENTAGE_ANNOTATION,
  PANIC_WINDOW_PERCENTAGE_ANNOTATION_LEGACY,
  WINDOW_ANNOTATION,
} from "../../apis/mod.ts";
import type { KubeObject } from "../../runtime/mod.ts";
import { controllerRef, excludeKeys, keyPriority } from "../names.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** Activators assigned to a Proxy-mode SKS before the autoscaler knows better. */
export const MIN_ACTIVATORS = 2;

/** Builds the ServerlessService of a PodAutoscaler (`MakeSKS`). */
export function makeSKS(
  pa: PodAutoscaler,
  mode: ServerlessServiceMode,
  numActivators: number,
): ServerlessService {
  return {
    apiVersion: NETWORKING_V1ALPHA1,
    kind: "ServerlessService",
    metadata: {
      name: pa.metadata.name,
      namespace: pa.metadata.namespace,
      labels: { ...(pa.metadata.labels ?? {}) },
      annotations: excludeKeys(pa.metadata.annotations, [METRIC_ANNOTATION]),
      ownerReferences: [controllerRef(pa)],
    },
    spec: {
      mode,
      objectRef: deepCopy(pa.spec.scaleTargetRef),
      protocolType: pa.spec.protocolType,
      numActivators,
    },
  };
}

function parseDurationMs(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d+)(s|m|h)$/.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "s" | "m" | "h"];
}

/**
 * Builds the Metric of a PodAutoscaler (`MakeMetric`): stable window from the
 * `window` annotation or config, panic window = stable × percentage (≥ 1s),
 * rounded to the second; durations in nanoseconds as Knative's JSON writes them.
 */
export function makeMetric(
  pa: PodAutoscaler,
  cfg: AutoscalerConfig,
  scrapeTarget: string,
): KubeObject {
  const a = pa.metadata.annotations ?? {};
  const stableMs = parseDurationMs(a[WINDOW_ANNOTATION]) ?? cfg.stableWindowMs;
  const pctStr = keyPriority(a, [
    PANIC_WINDOW_PERCENTAGE_ANNOTATION,
    PANIC_WINDOW_PERCENTAGE_ANNOTATION_LEGACY,
  ]);
  const pct = pctStr !== undefined && Number.isFinite(Number(pctStr))
    ? Number(pctStr)
    : cfg.panicWindowPercentage;
  const panicMs = Math.max(1000, Math.round((stableMs * pct) / 100 / 1000) * 1000);
  return {
    apiVersion: AUTOSCALING_V1ALPHA1,
    kind: "Metric",
    metadata: {
      name: pa.metadata.name,
      namespace: pa.metadata.namespace,
      labels: { ...(pa.metadata.labels ?? {}) },
      annotations: { ...(pa.metadata.annotations ?? {}) },
      ownerReferences: [controllerRef(pa)],
    },
    spec: {
      stableWindow: stableMs * 1e6,
      panicWindow: panicMs * 1e6,
      scrapeTarget,
    },
  };
}

function intAnnotation(
  m: Record<string, string> | undefined,
  keys: readonly string[],
): number | undefined {
  const v = keyPriority(m, keys);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The scale bounds of a PodAutoscaler: min, max (0 = unlimited) and initial scale. */
export interface ScaleBounds {
  /** Minimum scale. */
  min: number;
  /** Maximum scale; 0 means unlimited. */
  max: number;
  /** Initial scale. */
  initial: number;
}

/**
 * Resolves min/max/initial scale from annotations and config (§13.2, §13.5):
 * min is forced to 0 when the PA is Unreachable; a 0 initial scale is only
 * honoured when `allow-zero-initial-scale` is set.
 */
export function scaleBounds(pa: PodAutoscaler, cfg: AutoscalerConfig): ScaleBounds {
  const a = pa.metadata.annotations;
  let min = intAnnotation(a, [MIN_SCALE_ANNOTATION, MIN_SCALE_ANNOTATION_LEGACY]) ?? cfg.minScale;
  if (pa.spec.reachability === "Unreachable") min = 0;
  const max = intAnnotation(a, [MAX_SCALE_ANNOTATION, MAX_SCALE_ANNOTATION_LEGACY]) ??
    cfg.maxScale;
  let initial = intAnnotation(a, [INITIAL_SCALE_ANNOTATION, INITIAL_SCALE_ANNOTATION_LEGACY]);
  if (initial === undefined || (initial === 0 && !cfg.allowZeroInitialScale)) {
    initial = cfg.initialScale;
  }
  return { min, max, initial };
}

/**
 * The replica count the interim (metric-free) autoscaler wants: the initial
 * scale until the target is first initialised, then the min scale but at least
 * one, clamped into [min, max].
 */
export function wantedScale(bounds: ScaleBounds, initialized: boolean): number {
  let want = initialized ? Math.max(bounds.min, 1) : Math.max(bounds.initial, bounds.min);
  if (bounds.max > 0) want = Math.min(want, bounds.max);
  return Math.max(want, bounds.min);
}
