/**
 * Shared mechanics of the serving controllers: child names (`kmeta.ChildName`),
 * controller owner references (`kmeta.NewControllerRef`) and map helpers
 * (`kmap`). KNATIVE.md §0.1–§0.3.
 * @module
 */
import { createHash } from "node:crypto";
import type { KubeObject, OwnerReference } from "../runtime/mod.ts";

const LONGEST = 63;
const HEAD = 31;

function md5Hex(s: string): string {
  return createHash("md5").update(s).digest("hex");
}

/**
 * Returns a name for a child of `parent` with `suffix`, at most 63 characters,
 * exactly as `kmeta.ChildName`: short names are concatenated; long ones keep a
 * head of the parent plus an md5 hash so that distinct parents stay distinct.
 */
export function childName(parent: string, suffix: string): string {
  if (parent.length + suffix.length <= LONGEST) return parent + suffix;
  if (HEAD - suffix.length > 0) {
    return parent.slice(0, HEAD - suffix.length) + md5Hex(parent) + suffix;
  }
  const h = md5Hex(parent + suffix);
  let ret = parent.slice(0, HEAD) + h;
  if (ret.length < LONGEST) ret += suffix.slice(0, LONGEST - ret.length);
  return ret.replace(/[^a-zA-Z0-9]+$/, "");
}

/** Builds the single controller owner reference a child carries (`kmeta.NewControllerRef`). */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Returns the controller owner reference of `obj`, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** True when `child` is controlled by `owner` (same uid on the controller reference). */
export function isControlledBy(child: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(child);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}

/** `kmap.Union`: merges maps left to right; later maps win. */
export function union(...maps: (Record<string, string> | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of maps) if (m) Object.assign(out, m);
  return out;
}

/** `kmap.Filter`: copies `m`, *dropping* the keys for which `pred(key)` is true. */
export function filter(
  m: Record<string, string> | undefined,
  pred: (key: string) => boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) if (!pred(k)) out[k] = v;
  return out;
}

/** `kmap.ExcludeKeyList`: copies `m` without `keys`. */
export function excludeKeys(
  m: Record<string, string> | undefined,
  keys: readonly string[],
): Record<string, string> {
  return filter(m, (k) => keys.includes(k));
}

/** `kmap.KeyPriority.Get`: the value of the first key present in `m`. */
export function keyPriority(
  m: Record<string, string> | undefined,
  keys: readonly string[],
): string | undefined {
  if (!m) return undefined;
  for (const k of keys) if (Object.hasOwn(m, k)) return m[k];
  return undefined;
}

/** Store key of a type: `apiVersion/kind` (e.g. `apps/v1/Deployment`); the runtime's `storeKey`. */
export { storeKey as gvkKey } from "../runtime/mod.ts";

/**
 * `equality.Semantic.DeepDerivative`: true when every field set in `desired`
 * equals the one in `existing`; fields unset (undefined, "", 0, false) in
 * `desired` are ignored, so server-side defaults do not count as drift. Arrays
 * must have the same length.
 */
export function isDerivative(desired: unknown, existing: unknown): boolean {
  if (desired === undefined || desired === null) return true;
  if (Array.isArray(desired)) {
    if (!Array.isArray(existing) || existing.length !== desired.length) return false;
    return desired.every((d, i) => isDerivative(d, existing[i]));
  }
  if (typeof desired === "object") {
    if (typeof existing !== "object" || existing === null || Array.isArray(existing)) {
      return Object.keys(desired).length === 0 && existing === undefined;
    }
    const e = existing as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) =>
      isDerivative(v, e[k])
    );
  }
  if (desired === "" || desired === 0 || desired === false) return true;
  return desired === existing;
}

/** Deep equality of JSON values (key order insensitive). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length &&
      ka.every((k) =>
        jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
      );
  }
  return false;
}

/** Equality of label/annotation maps where a missing map equals an empty one. */
export function mapsEqual(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  return jsonEqual(a ?? {}, b ?? {});
}

export { lookup } from "../runtime/mod.ts";
