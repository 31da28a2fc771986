/**
 * autoscaling.internal.knative.dev/v1alpha1 PodAutoscaler and Metric.
 * @module
 */
import type { KubeObject } from "../../../runtime/mod.ts";
import type { Status } from "../../serving/v1/types.ts";
import type { ConditionSetSpec } from "../../serving/v1/conditions.ts";

/** Reachability of the scale target. */
export type ReachabilityType = "" | "Reachable" | "Unreachable";

/** PodAutoscalerSpec. */
export interface PodAutoscalerSpec {
  /** Container concurrency (0 = unlimited). */
  containerConcurrency?: number;
  /** Scale target. */
  scaleTargetRef: { apiVersion?: string; kind?: string; name?: string };
  /** Reachability. */
  reachability?: ReachabilityType;
  /** `http1` or `h2c`. */
  protocolType: string;
}

/** PodAutoscalerStatus. */
export interface PodAutoscalerStatus extends Status {
  /** SKS name. */
  serviceName?: string;
  /** Metrics service name. */
  metricsServiceName?: string;
  /** Desired scale. */
  desiredScale?: number;
  /** Actual scale. */
  actualScale?: number;
}

/** A PodAutoscaler. */
export interface PodAutoscaler extends KubeObject {
  /** Spec. */
  spec: PodAutoscalerSpec;
  /** Status. */
  status?: PodAutoscalerStatus;
}

/** MetricSpec. */
export interface MetricSpec {
  /** Stable window (Go duration as nanoseconds, like Knative's JSON). */
  stableWindow: number;
  /** Panic window (nanoseconds). */
  panicWindow: number;
  /** Scrape target (private service name). */
  scrapeTarget?: string;
}

/** A Metric. */
export interface Metric extends KubeObject {
  /** Spec. */
  spec: MetricSpec;
  /** Status. */
  status?: Status;
}

/** PodAutoscaler condition types. */
export const PodAutoscalerConditions = {
  Ready: "Ready",
  Active: "Active",
  ScaleTargetInitialized: "ScaleTargetInitialized",
  SKSReady: "SKSReady",
} as const;
/** PA: Ready ← Active, ScaleTargetInitialized, SKSReady. */
export const podAutoscalerConditionSet: ConditionSetSpec = {
  happy: "Ready",
  dependents: [
    PodAutoscalerConditions.Active,
    PodAutoscalerConditions.ScaleTargetInitialized,
    PodAutoscalerConditions.SKSReady,
  ],
};
/** Metric: Ready only. */
export const metricConditionSet: ConditionSetSpec = { happy: "Ready", dependents: [] };
