/**
 * Well-known autoscaling keys and bounds — Knative's
 * `serving/pkg/apis/autoscaling/register.go`.
 * @module
 */

/** Annotation group prefix. */
export const AUTOSCALING_GROUP = "autoscaling.knative.dev";
/** Internal API group. */
export const AUTOSCALING_INTERNAL_GROUP = "autoscaling.internal.knative.dev";
/** `autoscaling.internal.knative.dev/v1alpha1`. */
export const AUTOSCALING_V1ALPHA1 = "autoscaling.internal.knative.dev/v1alpha1";

/** Annotation: autoscaler class. */
export const CLASS_ANNOTATION = "autoscaling.knative.dev/class";
/** KPA class. */
export const KPA = "kpa.autoscaling.knative.dev";
/** HPA class. */
export const HPA = "hpa.autoscaling.knative.dev";
/** Annotation: metric. */
export const METRIC_ANNOTATION = "autoscaling.knative.dev/metric";
/** Metric values. */
export const MetricType = {
  Concurrency: "concurrency",
  RPS: "rps",
  CPU: "cpu",
  Memory: "memory",
} as const;
/** Annotation: target. */
export const TARGET_ANNOTATION = "autoscaling.knative.dev/target";
/** Annotation: target utilization percentage. */
export const TARGET_UTILIZATION_PERCENTAGE_ANNOTATION =
  "autoscaling.knative.dev/target-utilization-percentage";
/** Legacy alias. */
export const TARGET_UTILIZATION_PERCENTAGE_ANNOTATION_LEGACY =
  "autoscaling.knative.dev/targetUtilizationPercentage";
/** Annotation: target burst capacity. */
export const TARGET_BURST_CAPACITY_ANNOTATION = "autoscaling.knative.dev/target-burst-capacity";
/** Legacy alias. */
export const TARGET_BURST_CAPACITY_ANNOTATION_LEGACY =
  "autoscaling.knative.dev/targetBurstCapacity";
/** Annotation: min scale. */
export const MIN_SCALE_ANNOTATION = "autoscaling.knative.dev/min-scale";
/** Legacy alias. */
export const MIN_SCALE_ANNOTATION_LEGACY = "autoscaling.knative.dev/minScale";
/** Annotation: max scale. */
export const MAX_SCALE_ANNOTATION = "autoscaling.knative.dev/max-scale";
/** Legacy alias. */
export const MAX_SCALE_ANNOTATION_LEGACY = "autoscaling.knative.dev/maxScale";
/** Annotation: initial scale. */
export const INITIAL_SCALE_ANNOTATION = "autoscaling.knative.dev/initial-scale";
/** Legacy alias. */
export const INITIAL_SCALE_ANNOTATION_LEGACY = "autoscaling.knative.dev/initialScale";
/** Annotation: activation scale. */
export const ACTIVATION_SCALE_ANNOTATION = "autoscaling.knative.dev/activation-scale";
/** Annotation: scale-down delay. */
export const SCALE_DOWN_DELAY_ANNOTATION = "autoscaling.knative.dev/scale-down-delay";
/** Legacy alias. */
export const SCALE_DOWN_DELAY_ANNOTATION_LEGACY = "autoscaling.knative.dev/scaleDownDelay";
/** Annotation: stable window. */
export const WINDOW_ANNOTATION = "autoscaling.knative.dev/window";
/** Annotation: panic window percentage. */
export const PANIC_WINDOW_PERCENTAGE_ANNOTATION = "autoscaling.knative.dev/panic-window-percentage";
/** Legacy alias. */
export const PANIC_WINDOW_PERCENTAGE_ANNOTATION_LEGACY =
  "autoscaling.knative.dev/panicWindowPercentage";
/** Annotation: panic threshold percentage. */
export const PANIC_THRESHOLD_PERCENTAGE_ANNOTATION =
  "autoscaling.knative.dev/panic-threshold-percentage";
/** Legacy alias. */
export const PANIC_THRESHOLD_PERCENTAGE_ANNOTATION_LEGACY =
  "autoscaling.knative.dev/panicThresholdPercentage";
/** Annotation: scale-to-zero pod retention period. */
export const SCALE_TO_ZERO_POD_RETENTION_PERIOD_ANNOTATION =
  "autoscaling.knative.dev/scale-to-zero-pod-retention-period";
/** Legacy alias. */
export const SCALE_TO_ZERO_POD_RETENTION_PERIOD_ANNOTATION_LEGACY =
  "autoscaling.knative.dev/scaleToZeroPodRetentionPeriod";
/** Annotation: metric aggregation algorithm. */
export const METRIC_AGGREGATION_ALGORITHM_ANNOTATION =
  "autoscaling.knative.dev/metric-aggregation-algorithm";
/** Legacy alias. */
export const METRIC_AGGREGATION_ALGORITHM_ANNOTATION_LEGACY =
  "autoscaling.knative.dev/metricAggregationAlgorithm";
/** Metric aggregation algorithms. */
export const MetricAggregationAlgorithm = {
  Linear: "linear",
  WeightedExponential: "weighted-exponential",
  WeightedExponentialAlt: "weightedExponential",
} as const;

/** Annotation keys in priority order (kmap.KeyPriority), keyed by canonical name. */
export const AnnotationKeys = {
  class: [CLASS_ANNOTATION],
  metric: [METRIC_ANNOTATION],
  target: [TARGET_ANNOTATION],
  targetUtilizationPercentage: [
    TARGET_UTILIZATION_PERCENTAGE_ANNOTATION,
    TARGET_UTILIZATION_PERCENTAGE_ANNOTATION_LEGACY,
  ],
  targetBurstCapacity: [TARGET_BURST_CAPACITY_ANNOTATION, TARGET_BURST_CAPACITY_ANNOTATION_LEGACY],
  minScale: [MIN_SCALE_ANNOTATION, MIN_SCALE_ANNOTATION_LEGACY],
  maxScale: [MAX_SCALE_ANNOTATION, MAX_SCALE_ANNOTATION_LEGACY],
  initialScale: [INITIAL_SCALE_ANNOTATION, INITIAL_SCALE_ANNOTATION_LEGACY],
  activationScale: [ACTIVATION_SCALE_ANNOTATION],
  scaleDownDelay: [SCALE_DOWN_DELAY_ANNOTATION, SCALE_DOWN_DELAY_ANNOTATION_LEGACY],
  window: [WINDOW_ANNOTATION],
  panicWindowPercentage: [
    PANIC_WINDOW_PERCENTAGE_ANNOTATION,
    PANIC_WINDOW_PERCENTAGE_ANNOTATION_LEGACY,
  ],
  panicThresholdPercentage: [
    PANIC_THRESHOLD_PERCENTAGE_ANNOTATION,
    PANIC_THRESHOLD_PERCENTAGE_ANNOTATION_LEGACY,
  ],
  scaleToZeroPodRetentionPeriod: [
    SCALE_TO_ZERO_POD_RETENTION_PERIOD_ANNOTATION,
    SCALE_TO_ZERO_POD_RETENTION_PERIOD_ANNOTATION_LEGACY,
  ],
  metricAggregationAlgorithm: [
    METRIC_AGGREGATION_ALGORITHM_ANNOTATION,
    METRIC_AGGREGATION_ALGORITHM_ANNOTATION_LEGACY,
  ],
} as const;

/** Minimum target value. */
export const TARGET_MIN = 0.01;
/** Minimum stable window, ms. */
export const WINDOW_MIN_MS = 6_000;
/** Maximum stable window, ms. */
export const WINDOW_MAX_MS = 3_600_000;
/** Panic window percentage bounds. */
export const PANIC_WINDOW_PERCENTAGE_MIN = 1;
/** Panic window percentage upper bound. */
export const PANIC_WINDOW_PERCENTAGE_MAX = 100;
/** Panic threshold percentage lower bound. */
export const PANIC_THRESHOLD_PERCENTAGE_MIN = 110;
/** Panic threshold percentage upper bound. */
export const PANIC_THRESHOLD_PERCENTAGE_MAX = 1000;
/** Maximum scale-down delay, ms. */
export const SCALE_DOWN_DELAY_MAX_MS = 3_600_000;
