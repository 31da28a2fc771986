/**
 * config-gc (`serving/pkg/gc/config.go`). Durations in ms; -1 means disabled.
 * @module
 */
import { type ConfigMapSpec, Reader } from "./parse.ts";

/** Name of the config map. */
export const GC_CONFIG_NAME = "config-gc";

/** Parsed config-gc. */
export interface GCConfig {
  /** `retain-since-create-time` ms (48h), -1 disabled. */
  retainSinceCreateTimeMs: number;
  /** `retain-since-last-active-time` ms (15h), -1 disabled. */
  retainSinceLastActiveTimeMs: number;
  /** `min-non-active-revisions` (20). */
  minNonActiveRevisions: number;
  /** `max-non-active-revisions` (1000), -1 disabled. */
  maxNonActiveRevisions: number;
}

/** Parses config-gc. */
export function parseGCConfig(data: Record<string, string>): GCConfig {
  const r = new Reader(GC_CONFIG_NAME, data);
  const c: GCConfig = {
    retainSinceCreateTimeMs: r.durationOrDisabled("retain-since-create-time", 48 * 3_600_000),
    retainSinceLastActiveTimeMs: r.durationOrDisabled(
      "retain-since-last-active-time",
      15 * 3_600_000,
    ),
    minNonActiveRevisions: r.int("min-non-active-revisions", 20),
    maxNonActiveRevisions: r.intOrDisabled("max-non-active-revisions", 1000),
  };
  if (c.minNonActiveRevisions < 0) {
    r.invalid("min-non-active-revisions", `must be non-negative, was: ${c.minNonActiveRevisions}`);
  }
  if (c.maxNonActiveRevisions >= 0 && c.minNonActiveRevisions > c.maxNonActiveRevisions) {
    r.invalid(
      "min-non-active-revisions",
      `(${c.minNonActiveRevisions}) must be <= max-non-active-revisions (${c.maxNonActiveRevisions})`,
    );
  }
  return c;
}

/** config-gc spec. */
export const gcConfigSpec: ConfigMapSpec<GCConfig> = { name: GC_CONFIG_NAME, parse: parseGCConfig };
