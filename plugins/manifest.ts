/**
 * The versioned plugin manifest (`plugins.denative.dev/v1alpha1`
 * `PluginManifest`) and the ABI constants of `denative-json/1`.
 * @module
 */
import type { GroupVersionKind } from "../runtime/mod.ts";

/** Version of this host, compared with a plugin's `minHostVersion`. */
export const HOST_VERSION = "0.1.0";
/** The ABI name. */
export const ABI_NAME = "denative-json";
/** The ABI major version this host speaks. */
export const ABI_MAJOR = 1;
/** The highest ABI minor version this host knows (minors are additive). */
export const ABI_MINOR = 0;
/** The manifest schema version. */
export const MANIFEST_API_VERSION = "plugins.denative.dev/v1alpha1";
/** The request/response envelope version. */
export const ENVELOPE_API_VERSION = "ingress.denative.dev/v1alpha1";
/** Name of the custom section holding the manifest JSON. */
export const MANIFEST_SECTION = "denative.manifest";
/** Export names required by `denative-json/1`. */
export const EXPORTS = {
  marker: "denative_abi_v1",
  memory: "memory",
  alloc: "denative_alloc",
  free: "denative_free",
  describe: "denative_describe",
  transform: "denative_transform",
  initialize: "_initialize",
} as const;

/** Limits a plugin runs under. */
export interface PluginLimits {
  /** Linear memory cap in 64 KiB pages. */
  memoryMaxPages: number;
  /** Deadline of one call, in milliseconds. */
  timeoutMs: number;
  /** Largest response accepted, in bytes. */
  maxOutputBytes: number;
}

/** Host-wide ceilings: a manifest may ask for less, never more. */
export const HOST_LIMITS: PluginLimits = {
  memoryMaxPages: 1024,
  timeoutMs: 10_000,
  maxOutputBytes: 8 * 1024 * 1024,
};

/** Limits used when a manifest declares none. */
export const DEFAULT_LIMITS: PluginLimits = {
  memoryMaxPages: 256,
  timeoutMs: 1000,
  maxOutputBytes: 1024 * 1024,
};

/** A plugin's manifest. */
export interface PluginManifest {
  /** `plugins.denative.dev/v1alpha1`. */
  apiVersion: string;
  /** `PluginManifest`. */
  kind: string;
  /** Plugin name (DNS-1123 label). */
  name: string;
  /** Plugin version (semver). */
  version: string;
  /** `ingress-provider`. */
  type: string;
  /** The ingress class it serves, e.g. `nginx.ingress.networking.knative.dev`. */
  className: string;
  /** ABI it implements. */
  abi: { name: string; major: number; minor: number };
  /** Kinds it may produce; anything else is refused. */
  provides: GroupVersionKind[];
  /** Operations it implements (`render`, optionally `status`). */
  operations: string[];
  /** Limits it runs under (clamped to {@link HOST_LIMITS}). */
  limits: PluginLimits;
  /** Oldest host version it works with. */
  minHostVersion: string;
  /** JSON Schema of its configuration, if any. */
  configSchema?: Record<string, unknown>;
}

/** Thrown for a malformed manifest. */
export class ManifestError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, path = key): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") {
    throw new ManifestError(`${path} must be a non-empty string`);
  }
  return v;
}

function positiveInt(v: unknown, path: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new ManifestError(`${path} must be a positive integer`);
  }
  return v;
}

/** Compares two semver versions (pre-release tags ignored): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const ma = SEMVER.exec(a);
  const mb = SEMVER.exec(b);
  if (!ma || !mb) throw new ManifestError(`not a semver version: ${!ma ? a : b}`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(ma[i]) - Number(mb[i]);
    if (d !== 0) return d;
  }
  return 0;
}

/** Parses and validates a manifest from its JSON value. */
export function parseManifest(value: unknown): PluginManifest {
  if (!isObject(value)) throw new ManifestError("manifest must be a JSON object");
  const apiVersion = str(value, "apiVersion");
  if (apiVersion !== MANIFEST_API_VERSION) {
    throw new ManifestError(`apiVersion ${apiVersion} is not ${MANIFEST_API_VERSION}`);
  }
  if (value.kind !== "PluginManifest") throw new ManifestError("kind must be PluginManifest");
  const name = str(value, "name");
  if (!DNS1123_LABEL.test(name) || name.length > 63) {
    throw new ManifestError(`name ${JSON.stringify(name)} is not a DNS-1123 label`);
  }
  const version = str(value, "version");
  if (!SEMVER.test(version)) throw new ManifestError(`version ${version} is not semver`);
  const type = str(value, "type");
  if (type !== "ingress-provider") throw new ManifestError(`type ${type} is not ingress-provider`);
  const className = str(value, "className");
  const abi = value.abi;
  if (!isObject(abi)) throw new ManifestError("abi must be an object");
  const abiName = str(abi, "name", "abi.name");
  if (
    typeof abi.major !== "number" || !Number.isInteger(abi.major) ||
    typeof abi.minor !== "number" || !Number.isInteger(abi.minor)
  ) throw new ManifestError("abi.major and abi.minor must be integers");
  if (!Array.isArray(value.provides) || value.provides.length === 0) {
    throw new ManifestError("provides must list at least one kind");
  }
  const provides = value.provides.map((p, i): GroupVersionKind => {
    if (!isObject(p)) throw new ManifestError(`provides[${i}] must be an object`);
    return {
      apiVersion: str(p, "apiVersion", `provides[${i}].apiVersion`),
      kind: str(p, "kind", `provides[${i}].kind`),
    };
  });
  const operations = value.operations ?? ["render"];
  if (!Array.isArray(operations) || !operations.every((o) => typeof o === "string")) {
    throw new ManifestError("operations must be a list of strings");
  }
  if (!operations.includes("render")) throw new ManifestError("operations must include render");
  const limitsIn = value.limits ?? {};
  if (!isObject(limitsIn)) throw new ManifestError("limits must be an object");
  const limits: PluginLimits = {
    memoryMaxPages: positiveInt(
      limitsIn.memoryMaxPages,
      "limits.memoryMaxPages",
      DEFAULT_LIMITS.memoryMaxPages,
    ),
    timeoutMs: positiveInt(limitsIn.timeoutMs, "limits.timeoutMs", DEFAULT_LIMITS.timeoutMs),
    maxOutputBytes: positiveInt(
      limitsIn.maxOutputBytes,
      "limits.maxOutputBytes",
      DEFAULT_LIMITS.maxOutputBytes,
    ),
  };
  const minHostVersion = str(value, "minHostVersion");
  if (!SEMVER.test(minHostVersion)) {
    throw new ManifestError(`minHostVersion ${minHostVersion} is not semver`);
  }
  let configSchema: Record<string, unknown> | undefined;
  if (value.configSchema !== undefined) {
    if (!isObject(value.configSchema)) throw new ManifestError("configSchema must be an object");
    configSchema = value.configSchema;
  }
  return {
    apiVersion,
    kind: "PluginManifest",
    name,
    version,
    type,
    className,
    abi: { name: abiName, major: abi.major, minor: abi.minor },
    provides,
    operations: operations as string[],
    limits,
    minHostVersion,
    configSchema,
  };
}

/** The limits a plugin actually gets: its own, clamped to the host's ceilings. */
export function effectiveLimits(m: PluginManifest, host: PluginLimits = HOST_LIMITS): PluginLimits {
  return {
    memoryMaxPages: Math.min(m.limits.memoryMaxPages, host.memoryMaxPages),
    timeoutMs: Math.min(m.limits.timeoutMs, host.timeoutMs),
    maxOutputBytes: Math.min(m.limits.maxOutputBytes, host.maxOutputBytes),
  };
}
