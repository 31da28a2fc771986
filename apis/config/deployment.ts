/**
 * config-deployment (`serving/pkg/deployment/config.go`). Durations in ms.
 * @module
 */
import { type ConfigMapSpec, Reader } from "./parse.ts";
import { parse as parseYaml } from "yaml";

/** Name of the config map. */
export const DEPLOYMENT_CONFIG_NAME = "config-deployment";

/** Parsed config-deployment. */
export interface DeploymentConfig {
  /** `queue-sidecar-image` (required). */
  queueSidecarImage: string;
  /** `progress-deadline` ms (600s). */
  progressDeadlineMs: number;
  /** `digest-resolution-timeout` ms (10s). */
  digestResolutionTimeoutMs: number;
  /** `registries-skipping-tag-resolving`. */
  registriesSkippingTagResolving: string[];
  /** `queue-sidecar-cpu-request` (25m). */
  queueSidecarCpuRequest?: string;
  /** `queue-sidecar-cpu-limit`. */
  queueSidecarCpuLimit?: string;
  /** `queue-sidecar-memory-request`. */
  queueSidecarMemoryRequest?: string;
  /** `queue-sidecar-memory-limit`. */
  queueSidecarMemoryLimit?: string;
  /** `queue-sidecar-ephemeral-storage-request`. */
  queueSidecarEphemeralStorageRequest?: string;
  /** `queue-sidecar-ephemeral-storage-limit`. */
  queueSidecarEphemeralStorageLimit?: string;
  /** `queue-sidecar-token-audiences`. */
  queueSidecarTokenAudiences: string[];
  /** `queue-sidecar-rootca`. */
  queueSidecarRootCA: string;
  /** `default-affinity-type` (`prefer-spread-revision-over-nodes` | `none`). */
  defaultAffinityType: string;
  /** `runtime-class-name`: class → label selector. */
  runtimeClassNames: Record<string, { selector?: Record<string, string> }>;
  /** `pod-is-always-schedulable` (false). */
  podIsAlwaysSchedulable: boolean;
}

const list = (s: string | undefined, def: string[]) =>
  s === undefined ? def : s.split(",").map((x) => x.trim()).filter((x) => x !== "");

/** Parses config-deployment. */
export function parseDeploymentConfig(data: Record<string, string>): DeploymentConfig {
  const r = new Reader(DEPLOYMENT_CONFIG_NAME, data);
  const c: DeploymentConfig = {
    queueSidecarImage: r.string(["queue-sidecar-image", "queueSidecarImage"], ""),
    progressDeadlineMs: r.duration("progress-deadline", 600_000),
    digestResolutionTimeoutMs: r.duration("digest-resolution-timeout", 10_000),
    registriesSkippingTagResolving: list(
      r.optString("registries-skipping-tag-resolving"),
      ["kind.local", "ko.local", "dev.local"],
    ),
    queueSidecarCpuRequest: r.optString("queue-sidecar-cpu-request") ?? "25m",
    queueSidecarCpuLimit: r.optString("queue-sidecar-cpu-limit"),
    queueSidecarMemoryRequest: r.optString("queue-sidecar-memory-request"),
    queueSidecarMemoryLimit: r.optString("queue-sidecar-memory-limit"),
    queueSidecarEphemeralStorageRequest: r.optString("queue-sidecar-ephemeral-storage-request"),
    queueSidecarEphemeralStorageLimit: r.optString("queue-sidecar-ephemeral-storage-limit"),
    queueSidecarTokenAudiences: list(r.optString("queue-sidecar-token-audiences"), []),
    queueSidecarRootCA: r.string("queue-sidecar-rootca", ""),
    defaultAffinityType: r.string("default-affinity-type", "prefer-spread-revision-over-nodes"),
    runtimeClassNames: {},
    podIsAlwaysSchedulable: r.bool("pod-is-always-schedulable", false),
  };
  if (c.queueSidecarImage === "") {
    r.invalid("queue-sidecar-image", "queue-sidecar-image cannot be empty or whitespace");
  }
  if (c.progressDeadlineMs <= 0 || c.progressDeadlineMs % 1000 !== 0) {
    r.invalid(
      "progress-deadline",
      `must be a positive whole number of seconds, was: ${data["progress-deadline"]}`,
    );
  }
  if (c.digestResolutionTimeoutMs <= 0) {
    r.invalid(
      "digest-resolution-timeout",
      `must be positive, was: ${data["digest-resolution-timeout"]}`,
    );
  }
  if (!["prefer-spread-revision-over-nodes", "none"].includes(c.defaultAffinityType)) {
    r.invalid(
      "default-affinity-type",
      `unsupported value ${JSON.stringify(c.defaultAffinityType)}`,
    );
  }
  const rc = data["runtime-class-name"];
  if (rc !== undefined && rc.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = parseYaml(rc);
    } catch (e) {
      r.invalid("runtime-class-name", `not valid YAML: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      r.invalid("runtime-class-name", "must be a map of class name to {selector}");
    }
    c.runtimeClassNames = parsed as DeploymentConfig["runtimeClassNames"];
  }
  return c;
}

/** config-deployment spec. */
export const deploymentConfigSpec: ConfigMapSpec<DeploymentConfig> = {
  name: DEPLOYMENT_CONFIG_NAME,
  parse: parseDeploymentConfig,
};
