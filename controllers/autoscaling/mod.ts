/**
 * The PodAutoscaler controller plugin (interim, metric-free KPA; KNATIVE.md §13.5).
 * @module
 */
import type { PodAutoscaler } from "../../apis/mod.ts";
import type { ControllerPlugin, KubeObject } from "../../runtime/mod.ts";
import { createPodAutoscalerReconciler, podAutoscalerConditions } from "./reconciler.ts";

export * from "./resources.ts";
export { createPodAutoscalerReconciler, podAutoscalerConditions } from "./reconciler.ts";

/** Maps a Deployment to the PodAutoscaler of its Revision (named like the Revision). */
export function deploymentToPA(d: KubeObject): string[] {
  const rev = d.metadata.ownerReferences?.find((r) => r.controller && r.kind === "Revision");
  return rev ? [`${d.metadata.namespace}/${rev.name}`] : [];
}

/** Reconciles PodAutoscalers: SKS + Metric, scale within bounds, readiness from the Deployment. */
export const podAutoscalerPlugin: ControllerPlugin<PodAutoscaler> = {
  name: "podautoscaler",
  resource: { apiVersion: "autoscaling.internal.knative.dev/v1alpha1", kind: "PodAutoscaler" },
  owns: [
    { apiVersion: "networking.internal.knative.dev/v1alpha1", kind: "ServerlessService" },
    { apiVersion: "autoscaling.internal.knative.dev/v1alpha1", kind: "Metric" },
  ],
  watches: [{ gvk: { apiVersion: "apps/v1", kind: "Deployment" }, map: deploymentToPA }],
  conditions: {
    happy: podAutoscalerConditions.happy,
    dependents: [...podAutoscalerConditions.dependents],
  },
  create: createPodAutoscalerReconciler,
};
