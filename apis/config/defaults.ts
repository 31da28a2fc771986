/**
 * config-defaults (`serving/pkg/apis/config/defaults.go`).
 * @module
 */
import { type ConfigMapSpec, Reader } from "./parse.ts";

/** Name of the config map. */
export const DEFAULTS_CONFIG_NAME = "config-defaults";

/** Parsed config-defaults. */
export interface DefaultsConfig {
  /** `revision-timeout-seconds` (300). */
  revisionTimeoutSeconds: number;
  /** `max-revision-timeout-seconds` (600). */
  maxRevisionTimeoutSeconds: number;
  /** `revision-response-start-timeout-seconds` (= revision timeout). */
  revisionResponseStartTimeoutSeconds: number;
  /** `revision-idle-timeout-seconds` (0). */
  revisionIdleTimeoutSeconds: number;
  /** `container-name-template` (`user-container`). */
  userContainerNameTemplate: string;
  /** `init-container-name-template` (`init-container`). */
  initContainerNameTemplate: string;
  /** `container-concurrency` (0). */
  containerConcurrency: number;
  /** `container-concurrency-max-limit` (1000). */
  containerConcurrencyMaxLimit: number;
  /** `allow-container-concurrency-zero` (true). */
  allowContainerConcurrencyZero: boolean;
  /** `enable-service-links` (false; undefined means leave unset). */
  enableServiceLinks: boolean | undefined;
  /** `revision-cpu-request`. */
  revisionCpuRequest?: string;
  /** `revision-memory-request`. */
  revisionMemoryRequest?: string;
  /** `revision-ephemeral-storage-request`. */
  revisionEphemeralStorageRequest?: string;
  /** `revision-cpu-limit`. */
  revisionCpuLimit?: string;
  /** `revision-memory-limit`. */
  revisionMemoryLimit?: string;
  /** `revision-ephemeral-storage-limit`. */
  revisionEphemeralStorageLimit?: string;
}

/** Parses config-defaults. */
export function parseDefaultsConfig(data: Record<string, string>): DefaultsConfig {
  const r = new Reader(DEFAULTS_CONFIG_NAME, data);
  const timeout = r.int("revision-timeout-seconds", 300);
  const esl = r.optString("enable-service-links");
  let enableServiceLinks: boolean | undefined = false;
  if (esl !== undefined) {
    if (esl.toLowerCase() === "default") enableServiceLinks = undefined;
    else enableServiceLinks = r.bool("enable-service-links", false);
  }
  const c: DefaultsConfig = {
    revisionTimeoutSeconds: timeout,
    maxRevisionTimeoutSeconds: r.int("max-revision-timeout-seconds", 600),
    revisionResponseStartTimeoutSeconds: r.int("revision-response-start-timeout-seconds", timeout),
    revisionIdleTimeoutSeconds: r.int("revision-idle-timeout-seconds", 0),
    userContainerNameTemplate: r.string("container-name-template", "user-container"),
    initContainerNameTemplate: r.string("init-container-name-template", "init-container"),
    containerConcurrency: r.int("container-concurrency", 0),
    containerConcurrencyMaxLimit: r.int("container-concurrency-max-limit", 1000),
    allowContainerConcurrencyZero: r.bool("allow-container-concurrency-zero", true),
    enableServiceLinks,
    revisionCpuRequest: r.optString("revision-cpu-request"),
    revisionMemoryRequest: r.optString("revision-memory-request"),
    revisionEphemeralStorageRequest: r.optString("revision-ephemeral-storage-request"),
    revisionCpuLimit: r.optString("revision-cpu-limit"),
    revisionMemoryLimit: r.optString("revision-memory-limit"),
    revisionEphemeralStorageLimit: r.optString("revision-ephemeral-storage-limit"),
  };
  if (c.revisionTimeoutSeconds > c.maxRevisionTimeoutSeconds) {
    r.invalid(
      "revision-timeout-seconds",
      `expected 0 <= ${c.revisionTimeoutSeconds} <= ${c.maxRevisionTimeoutSeconds}`,
    );
  }
  if (c.revisionResponseStartTimeoutSeconds > c.revisionTimeoutSeconds) {
    r.invalid(
      "revision-response-start-timeout-seconds",
      `expected 0 <= ${c.revisionResponseStartTimeoutSeconds} <= ${c.revisionTimeoutSeconds}`,
    );
  }
  if (c.revisionIdleTimeoutSeconds > c.revisionTimeoutSeconds) {
    r.invalid(
      "revision-idle-timeout-seconds",
      `expected 0 <= ${c.revisionIdleTimeoutSeconds} <= ${c.revisionTimeoutSeconds}`,
    );
  }
  if (c.containerConcurrencyMaxLimit < 1) {
    r.invalid(
      "container-concurrency-max-limit",
      `expected 1 <= ${c.containerConcurrencyMaxLimit}`,
    );
  }
  if (c.containerConcurrency < 0 || c.containerConcurrency > c.containerConcurrencyMaxLimit) {
    r.invalid(
      "container-concurrency",
      `expected 0 <= ${c.containerConcurrency} <= ${c.containerConcurrencyMaxLimit}`,
    );
  }
  if (c.userContainerNameTemplate === "") r.invalid("container-name-template", "must not be empty");
  return c;
}

/** The defaults when config-defaults is missing. */
export function defaultDefaultsConfig(): DefaultsConfig {
  return parseDefaultsConfig({});
}

/** config-defaults spec. */
export const defaultsConfigSpec: ConfigMapSpec<DefaultsConfig> = {
  name: DEFAULTS_CONFIG_NAME,
  parse: parseDefaultsConfig,
};
