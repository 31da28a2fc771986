/**
 * The JSON request/response envelopes of `denative-json/1` and the checks
 * every response passes before the host uses it.
 * @module
 */
import type {
  GroupVersionKind,
  KubeObject,
  ProviderConfig,
  ProviderStatus,
} from "../runtime/mod.ts";
import { ENVELOPE_API_VERSION } from "./manifest.ts";

/** What the host asks a plugin to do. */
export interface TransformRequest {
  /** `ingress.denative.dev/v1alpha1`. */
  apiVersion: string;
  /** `TransformRequest`. */
  kind: "TransformRequest";
  /** `render` or `status`. */
  operation: "render" | "status";
  /** The `networking.internal.knative.dev/v1alpha1` Ingress. */
  ingress: KubeObject;
  /** The plugin's own configuration (validated against its `configSchema`). */
  config: Record<string, unknown>;
  /** The host's networking configuration (parsed `config-network`). */
  network: ProviderConfig;
  /** For `status`: the objects currently observed for the Ingress. */
  observed?: KubeObject[];
}

/** A domain error a plugin reports. */
export interface EnvelopeError {
  /** Machine-readable code. */
  code: string;
  /** Human-readable message. */
  message: string;
}

/** What a plugin answers. */
export interface TransformResponse {
  /** `ingress.denative.dev/v1alpha1`. */
  apiVersion: string;
  /** `TransformResponse`. */
  kind: "TransformResponse";
  /** For `render`: the desired objects. */
  objects?: KubeObject[];
  /** For `status`: the Ingress's network status. */
  status?: ProviderStatus;
  /** Non-fatal notes, logged by the host. */
  warnings?: string[];
  /** A domain error; `null` or absent on success. */
  error?: EnvelopeError | null;
}

/** A response that failed validation (the message says why). */
export class InvalidResponseError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "InvalidResponseError";
  }
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True for a valid DNS-1123 subdomain (object names). */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

// Keys already found valid: plugins repeat the same few label and annotation
// keys on every object, so most checks are a set lookup. Bounded.
const validKeys = new Set<string>();

/** True for a valid label/annotation key (`[prefix/]name`). */
export function isQualifiedKey(k: string): boolean {
  if (validKeys.has(k)) return true;
  if (!checkQualifiedKey(k)) return false;
  if (validKeys.size >= 4096) validKeys.clear();
  validKeys.add(k);
  return true;
}

function checkQualifiedKey(k: string): boolean {
  const slash = k.indexOf("/");
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if (prefix !== undefined && (prefix === "" || !isDns1123Subdomain(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

function stringMap(v: unknown, path: string, labels: boolean): void {
  if (v === undefined) return;
  if (!isObject(v)) throw new InvalidResponseError(`${path} must be a map of strings`);
  for (const [k, val] of Object.entries(v)) {
    if (!isQualifiedKey(k)) {
      throw new InvalidResponseError(`${path} key ${JSON.stringify(k)} is invalid`);
    }
    if (typeof val !== "string") throw new InvalidResponseError(`${path}[${k}] must be a string`);
    if (labels && val !== "" && (val.length > 63 || !QUALIFIED_NAME.test(val))) {
      throw new InvalidResponseError(
        `${path}[${k}] value ${JSON.stringify(val)} is not a valid label`,
      );
    }
  }
}

// Non-streaming decoders keep no state between calls. The lenient one is
// several times faster; its output has U+FFFD only if the bytes had it or
// were malformed, and then the strict one decides.
const UTF8 = new TextDecoder("utf-8");
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  const text = UTF8.decode(bytes);
  return text.includes("\uFFFD") ? STRICT_UTF8.decode(bytes) : text;
}

/** Parses the response bytes and checks the envelope (not yet the objects). */
export function parseResponse(bytes: Uint8Array): TransformResponse {
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(bytes));
  } catch (e) {
    throw new InvalidResponseError(`response is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!isObject(value)) throw new InvalidResponseError("response is not a JSON object");
  if (value.apiVersion !== ENVELOPE_API_VERSION) {
    throw new InvalidResponseError(
      `response apiVersion ${JSON.stringify(value.apiVersion)} is not ${ENVELOPE_API_VERSION}`,
    );
  }
  if (value.kind !== "TransformResponse") {
    throw new InvalidResponseError("response kind is not TransformResponse");
  }
  if (value.error !== undefined && value.error !== null) {
    const e = value.error;
    if (!isObject(e) || typeof e.code !== "string" || typeof e.message !== "string") {
      throw new InvalidResponseError("response error must be {code, message}");
    }
  }
  if (value.warnings !== undefined) {
    if (!Array.isArray(value.warnings) || !value.warnings.every((w) => typeof w === "string")) {
      throw new InvalidResponseError("response warnings must be a list of strings");
    }
  }
  return value as unknown as TransformResponse;
}

/**
 * Checks rendered objects: each is of a declared kind, in the Ingress's
 * namespace (a missing namespace is filled in), with a DNS-1123 name,
 * string-map labels and annotations, no owner references, and no duplicates.
 */
export function validateObjects(
  objects: unknown,
  provides: readonly GroupVersionKind[],
  namespace: string,
): KubeObject[] {
  if (!Array.isArray(objects)) throw new InvalidResponseError("response objects must be a list");
  const seen = new Set<string>();
  return objects.map((o, i) => {
    const at = `objects[${i}]`;
    if (!isObject(o)) throw new InvalidResponseError(`${at} is not an object`);
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
      throw new InvalidResponseError(`${at} needs apiVersion and kind strings`);
    }
    if (!provides.some((p) => p.apiVersion === o.apiVersion && p.kind === o.kind)) {
      throw new InvalidResponseError(
        `${at} is a ${o.apiVersion} ${o.kind}, a kind the manifest does not declare`,
      );
    }
    const meta = o.metadata;
    if (!isObject(meta)) throw new InvalidResponseError(`${at}.metadata must be an object`);
    if (typeof meta.name !== "string" || !isDns1123Subdomain(meta.name)) {
      throw new InvalidResponseError(
        `${at}.metadata.name ${JSON.stringify(meta.name)} is not DNS-1123`,
      );
    }
    if (meta.namespace === undefined) meta.namespace = namespace;
    if (meta.namespace !== namespace) {
      throw new InvalidResponseError(
        `${at} ${o.kind}/${meta.name} is in namespace ${JSON.stringify(meta.namespace)}, ` +
          `not the Ingress's ${JSON.stringify(namespace)}`,
      );
    }
    stringMap(meta.labels, `${at}.metadata.labels`, true);
    stringMap(meta.annotations, `${at}.metadata.annotations`, false);
    if (meta.ownerReferences !== undefined) {
      throw new InvalidResponseError(
        `${at}.metadata.ownerReferences is set by the host, not plugins`,
      );
    }
    const key = `${o.apiVersion}/${o.kind}/${meta.name}`;
    if (seen.has(key)) throw new InvalidResponseError(`${at} duplicates ${o.kind}/${meta.name}`);
    seen.add(key);
    return o as unknown as KubeObject;
  });
}

/** Checks a `status` answer. */
export function validateStatus(status: unknown): ProviderStatus {
  if (!isObject(status)) throw new InvalidResponseError("response status must be an object");
  if (typeof status.ready !== "boolean") {
    throw new InvalidResponseError("status.ready must be a boolean");
  }
  for (const k of ["reason", "message"]) {
    if (status[k] !== undefined && typeof status[k] !== "string") {
      throw new InvalidResponseError(`status.${k} must be a string`);
    }
  }
  for (const k of ["publicLoadBalancer", "privateLoadBalancer"]) {
    const lb = status[k];
    if (lb === undefined) continue;
    if (!isObject(lb) || !Array.isArray(lb.ingress) || !lb.ingress.every(isObject)) {
      throw new InvalidResponseError(`status.${k} must be {ingress: [...]}`);
    }
  }
  return status as unknown as ProviderStatus;
}
