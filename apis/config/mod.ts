/**
 * Typed Knative config maps (namespace `knative-serving`).
 * @module
 */
export * from "./parse.ts";
export * from "./defaults.ts";
export * from "./features.ts";
export * from "./autoscaler.ts";
export * from "./gc.ts";
export * from "./deployment.ts";
export * from "./domain.ts";
export * from "./network.ts";
export * from "./observability.ts";
import type { ConfigMapSpec } from "./parse.ts";
import { defaultsConfigSpec } from "./defaults.ts";
import { featuresConfigSpec } from "./features.ts";
import { autoscalerConfigSpec } from "./autoscaler.ts";
import { gcConfigSpec } from "./gc.ts";
import { deploymentConfigSpec } from "./deployment.ts";
import { domainConfigSpec } from "./domain.ts";
import { networkConfigSpec } from "./network.ts";
import { observabilityConfigSpec } from "./observability.ts";

/** Default system namespace. */
export const SYSTEM_NAMESPACE = "knative-serving";

/** All eight serving config map specs, for validation and the config store. */
export function servingConfigMapSpecs(): ConfigMapSpec<unknown>[] {
  return [
    defaultsConfigSpec,
    featuresConfigSpec,
    autoscalerConfigSpec,
    gcConfigSpec,
    deploymentConfigSpec,
    domainConfigSpec,
    networkConfigSpec,
    observabilityConfigSpec,
  ];
}
