/**
 * config-autoscaler (`serving/pkg/autoscaler/config/config.go`). Durations in ms.
 * @module
 */
import { type ConfigMapSpec, Reader } from "./parse.ts";
import { KPA } from "../autoscaling/register.ts";

/** Name of the config map. */
export const AUTOSCALER_CONFIG_NAME = "config-autoscaler";

/** Parsed config-autoscaler. */
export interface AutoscalerConfig {
  /** `enable-scale-to-zero` (true). */
  enableScaleToZero: boolean;
  /** `container-concurrency-target-percentage` as a fraction (0.7). */
  containerConcurrencyTargetFraction: number;
  /** `container-concurrency-target-default` (100). */
  containerConcurrencyTargetDefault: number;
  /** Internal RPS target utilization (0.7). */
  targetUtilization: number;
  /** `requests-per-second-target-default` (200). */
  rpsTargetDefault: number;
  /** `target-burst-capacity` (211). */
  targetBurstCapacity: number;
  /** `stable-window` ms (60s). */
  stableWindowMs: number;
  /** `panic-window-percentage` (10). */
  panicWindowPercentage: number;
  /** `panic-threshold-percentage` (200). */
  panicThresholdPercentage: number;
  /** `max-scale-up-rate` (1000). */
  maxScaleUpRate: number;
  /** `max-scale-down-rate` (2). */
  maxScaleDownRate: number;
  /** `scale-to-zero-grace-period` ms (30s). */
  scaleToZeroGracePeriodMs: number;
  /** `scale-to-zero-pod-retention-period` ms (0). */
  scaleToZeroPodRetentionPeriodMs: number;
  /** `scale-down-delay` ms (0). */
  scaleDownDelayMs: number;
  /** `pod-autoscaler-class` (KPA). */
  podAutoscalerClass: string;
  /** `activator-capacity` (100). */
  activatorCapacity: number;
  /** `initial-scale` (1). */
  initialScale: number;
  /** `allow-zero-initial-scale` (false). */
  allowZeroInitialScale: boolean;
  /** `min-scale` (0). */
  minScale: number;
  /** `max-scale` (0). */
  maxScale: number;
  /** `max-scale-limit` (0). */
  maxScaleLimit: number;
}

/** Parses config-autoscaler. */
export function parseAutoscalerConfig(data: Record<string, string>): AutoscalerConfig {
  const r = new Reader(AUTOSCALER_CONFIG_NAME, data);
  let frac = r.float("container-concurrency-target-percentage", 70);
  if (frac > 1) frac /= 100;
  const c: AutoscalerConfig = {
    enableScaleToZero: r.bool("enable-scale-to-zero", true),
    containerConcurrencyTargetFraction: frac,
    containerConcurrencyTargetDefault: r.float("container-concurrency-target-default", 100),
    targetUtilization: 0.7,
    rpsTargetDefault: r.float("requests-per-second-target-default", 200),
    targetBurstCapacity: r.float("target-burst-capacity", 211),
    stableWindowMs: r.duration("stable-window", 60_000),
    panicWindowPercentage: r.float("panic-window-percentage", 10),
    panicThresholdPercentage: r.float("panic-threshold-percentage", 200),
    maxScaleUpRate: r.float("max-scale-up-rate", 1000),
    maxScaleDownRate: r.float("max-scale-down-rate", 2),
    scaleToZeroGracePeriodMs: r.duration("scale-to-zero-grace-period", 30_000),
    scaleToZeroPodRetentionPeriodMs: r.duration("scale-to-zero-pod-retention-period", 0),
    scaleDownDelayMs: r.duration("scale-down-delay", 0),
    podAutoscalerClass: r.string("pod-autoscaler-class", KPA),
    activatorCapacity: r.float("activator-capacity", 100),
    initialScale: r.int("initial-scale", 1),
    allowZeroInitialScale: r.bool("allow-zero-initial-scale", false),
    minScale: r.int("min-scale", 0),
    maxScale: r.int("max-scale", 0),
    maxScaleLimit: r.int("max-scale-limit", 0),
  };
  validateAutoscalerConfig(r, c);
  return c;
}

function validateAutoscalerConfig(r: Reader, c: AutoscalerConfig): void {
  if (c.scaleToZeroGracePeriodMs <= 0) {
    r.invalid(
      "scale-to-zero-grace-period",
      `must be positive, was: ${c.scaleToZeroGracePeriodMs}ms`,
    );
  }
  if (c.scaleDownDelayMs < 0 || c.scaleDownDelayMs % 1000 !== 0) {
    r.invalid("scale-down-delay", "must be non-negative and a whole number of seconds");
  }
  if (c.scaleToZeroPodRetentionPeriodMs < 0) {
    r.invalid("scale-to-zero-pod-retention-period", "cannot be negative");
  }
  if (c.targetBurstCapacity < 0 && c.targetBurstCapacity !== -1) {
    r.invalid(
      "target-burst-capacity",
      `must be either non-negative or -1 (for unlimited), was: ${c.targetBurstCapacity}`,
    );
  }
  if (c.containerConcurrencyTargetFraction <= 0 || c.containerConcurrencyTargetFraction > 1) {
    r.invalid(
      "container-concurrency-target-percentage",
      `must be in the (0, 100] interval, was: ${c.containerConcurrencyTargetFraction * 100}`,
    );
  }
  if (c.containerConcurrencyTargetFraction * c.containerConcurrencyTargetDefault < 0.01) {
    r.invalid(
      "container-concurrency-target-default",
      `target must be at least 0.01, was: ${
        c.containerConcurrencyTargetFraction * c.containerConcurrencyTargetDefault
      }`,
    );
  }
  if (c.rpsTargetDefault < 0.01) {
    r.invalid(
      "requests-per-second-target-default",
      `must be at least 0.01, was: ${c.rpsTargetDefault}`,
    );
  }
  if (c.activatorCapacity < 1) {
    r.invalid("activator-capacity", `must be at least 1, was: ${c.activatorCapacity}`);
  }
  if (c.maxScaleUpRate <= 1) {
    r.invalid("max-scale-up-rate", `must be greater than 1, was: ${c.maxScaleUpRate}`);
  }
  if (c.maxScaleDownRate <= 1) {
    r.invalid("max-scale-down-rate", `must be greater than 1, was: ${c.maxScaleDownRate}`);
  }
  if (c.stableWindowMs < 6_000 || c.stableWindowMs > 3_600_000 || c.stableWindowMs % 1000 !== 0) {
    r.invalid(
      "stable-window",
      `must be in [6s, 1h] range and whole seconds, was: ${c.stableWindowMs / 1000}s`,
    );
  }
  if (c.panicWindowPercentage < 1 || c.panicWindowPercentage > 100) {
    r.invalid(
      "panic-window-percentage",
      `must be in [1, 100] interval, was: ${c.panicWindowPercentage}`,
    );
  }
  if (c.panicThresholdPercentage < 110 || c.panicThresholdPercentage > 1000) {
    r.invalid(
      "panic-threshold-percentage",
      `must be in [110, 1000] interval, was: ${c.panicThresholdPercentage}`,
    );
  }
  if (c.initialScale < 0 || (c.initialScale === 0 && !c.allowZeroInitialScale)) {
    r.invalid(
      "initial-scale",
      `must be greater than 0 (or 0 when allow-zero-initial-scale is true), was: ${c.initialScale}`,
    );
  }
  if (c.minScale < 0) r.invalid("min-scale", `must be non-negative, was: ${c.minScale}`);
  if (c.maxScaleLimit < 0) {
    r.invalid("max-scale-limit", `must be non-negative, was: ${c.maxScaleLimit}`);
  }
  if (c.maxScale < 0 || (c.maxScaleLimit > 0 && c.maxScale > c.maxScaleLimit)) {
    r.invalid("max-scale", `max-scale = ${c.maxScale}, must be in [0, max-scale-limit] range`);
  }
  if (c.maxScale > 0 && c.minScale > c.maxScale) {
    r.invalid("min-scale", `(${c.minScale}) must be less than max-scale (${c.maxScale})`);
  }
}

/** config-autoscaler spec. */
export const autoscalerConfigSpec: ConfigMapSpec<AutoscalerConfig> = {
  name: AUTOSCALER_CONFIG_NAME,
  parse: parseAutoscalerConfig,
};
