/**
 * The Service controller plugin (KNATIVE.md §3).
 * @module
 */
import type { Service } from "../../apis/mod.ts";
import type { ControllerPlugin } from "../../runtime/mod.ts";
import { createServiceReconciler, serviceConditions } from "./reconciler.ts";

export * from "./resources.ts";
export { createServiceReconciler, serviceConditions } from "./reconciler.ts";

/** Reconciles serving.knative.dev/v1 Services into a Configuration and a Route. */
export const servicePlugin: ControllerPlugin<Service> = {
  name: "service",
  resource: { apiVersion: "serving.knative.dev/v1", kind: "Service" },
  owns: [
    { apiVersion: "serving.knative.dev/v1", kind: "Configuration" },
    { apiVersion: "serving.knative.dev/v1", kind: "Route" },
  ],
  conditions: { happy: serviceConditions.happy, dependents: [...serviceConditions.dependents] },
  create: createServiceReconciler,
};
