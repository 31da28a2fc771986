/**
 * OpenAPI schemas of PodAutoscaler and Metric.
 * @module
 */
import { duckStatus, int, type JSONSchemaProps, obj, str } from "../../schema.ts";
import { topLevelSchema } from "../../serving/v1/schema.ts";

/** Top-level schemas. */
export const autoscalingSchemas: Record<"PodAutoscaler" | "Metric", JSONSchemaProps> = {
  PodAutoscaler: topLevelSchema(
    obj(
      {
        containerConcurrency: int(),
        scaleTargetRef: obj({ apiVersion: str(), kind: str(), name: str() }),
        reachability: str(),
        protocolType: str(),
      },
      "Spec holds the desired state of the PodAutoscaler (from the client).",
      [
        "protocolType",
        "scaleTargetRef",
      ],
    ),
    duckStatus({
      serviceName: str(),
      metricsServiceName: str(),
      desiredScale: int(undefined, "int32"),
      actualScale: int(undefined, "int32"),
    }, "Status communicates the observed state of the PodAutoscaler (from the controller)."),
    "PodAutoscaler is a Knative abstraction that encapsulates the interface by which Knative components instantiate autoscalers.",
  ),
  Metric: topLevelSchema(
    obj(
      {
        stableWindow: int(),
        panicWindow: int(),
        scrapeTarget: str(),
      },
      "Spec holds the desired state of the Metric (from the client).",
      [
        "panicWindow",
        "stableWindow",
      ],
    ),
    duckStatus({}, "Status communicates the observed state of the Metric (from the controller)."),
    "Metric represents a resource to configure the metric collector with.",
  ),
};
