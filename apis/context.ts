/**
 * The context defaulting and validation run in: the config maps in force,
 * the operation, the baseline object on update, and the requesting user.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";
import { type DefaultsConfig, parseDefaultsConfig } from "./config/defaults.ts";
import { type FeaturesConfig, parseFeaturesConfig } from "./config/features.ts";
import { type AutoscalerConfig, parseAutoscalerConfig } from "./config/autoscaler.ts";

/** Configuration and request context for defaults and validation. */
export interface ApiContext {
  /** config-defaults. */
  defaults: DefaultsConfig;
  /** config-features. */
  features: FeaturesConfig;
  /** config-autoscaler. */
  autoscaler: AutoscalerConfig;
  /** Operation (CREATE when absent). */
  operation?: "CREATE" | "UPDATE" | "DELETE";
  /** The stored object on UPDATE. */
  baseline?: KubeObject;
  /** Requesting user. */
  userInfo?: { username: string };
  /** True when only the status subresource is being written. */
  statusUpdate?: boolean;
}

/** A context with every config map at its defaults. */
export function defaultApiContext(over: Partial<ApiContext> = {}): ApiContext {
  return {
    defaults: parseDefaultsConfig({}),
    features: parseFeaturesConfig({}),
    autoscaler: parseAutoscalerConfig({}),
    ...over,
  };
}
