/**
 * The Configuration controller plugin (KNATIVE.md §4).
 * @module
 */
import type { Configuration } from "../../apis/mod.ts";
import type { ControllerPlugin } from "../../runtime/mod.ts";
import { configurationConditions, createConfigurationReconciler } from "./reconciler.ts";

export * from "./resources.ts";
export { configurationConditions, createConfigurationReconciler } from "./reconciler.ts";

/** Reconciles Configurations into Revisions named `<config>-<generation>`. */
export const configurationPlugin: ControllerPlugin<Configuration> = {
  name: "configuration",
  resource: { apiVersion: "serving.knative.dev/v1", kind: "Configuration" },
  owns: [{ apiVersion: "serving.knative.dev/v1", kind: "Revision" }],
  conditions: {
    happy: configurationConditions.happy,
    dependents: [...configurationConditions.dependents],
  },
  create: createConfigurationReconciler,
};
