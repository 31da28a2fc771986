/**
 * Structural schema handling for custom resources: pruning, defaulting and
 * validation with Kubernetes-style field paths.
 * @module
 */
import type { StatusCause } from "../runtime/mod.ts";
import type { SchemaNode } from "./registry.ts";
import { deepCopy } from "../runtime/mod.ts";

type Json = unknown;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
  "selfLink",
]);

/**
 * Removes fields the schema does not know (root apiVersion/kind/metadata are
 * always kept); returns the paths of the removed fields.
 */
export function prune(obj: Record<string, unknown>, schema: SchemaNode | undefined): string[] {
  const out: string[] = [];
  if (!schema) return out;
  pruneNode(obj, schema, "", out, true);
  if (isObj(obj.metadata)) {
    for (const k of Object.keys(obj.metadata)) {
      if (!META_FIELDS.has(k)) {
        delete obj.metadata[k];
        out.push(`metadata.${k}`);
      }
    }
  }
  return out;
}

function pruneNode(v: Json, s: SchemaNode, path: string, out: string[], root = false): void {
  if (Array.isArray(v)) {
    if (s.items) v.forEach((el, i) => pruneNode(el, s.items!, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(v)) return;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  for (const k of Object.keys(v)) {
    if (root && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
    const ps = s.properties?.[k];
    const p = path ? `${path}.${k}` : k;
    if (ps) pruneNode(v[k], ps, p, out);
    else if (isObj(s.additionalProperties)) pruneNode(v[k], s.additionalProperties, p, out);
    else if (!preserve && s.additionalProperties !== true) {
      delete v[k];
      out.push(p);
    }
  }
}

const defaulting = new WeakMap<SchemaNode, boolean>();

/** True when the schema node or any node below it declares a default (memoized). */
export function hasDefaults(s: SchemaNode | undefined): boolean {
  if (!s) return false;
  let d = defaulting.get(s);
  if (d === undefined) {
    defaulting.set(s, false); // a recursive schema does not recurse forever
    d = Object.values(s.properties ?? {}).some((p) => p.default !== undefined || hasDefaults(p)) ||
      hasDefaults(s.items) ||
      (isObj(s.additionalProperties) && hasDefaults(s.additionalProperties as SchemaNode));
    defaulting.set(s, d);
  }
  return d;
}

/** Applies schema defaults in place. */
export function applyDefaults(v: Json, s: SchemaNode | undefined): void {
  if (!s || !hasDefaults(s)) return;
  if (Array.isArray(v)) {
    if (s.items) { for (const el of v) applyDefaults(el, s.items); }
    return;
  }
  if (!isObj(v)) return;
  for (const [k, ps] of Object.entries(s.properties ?? {})) {
    if (v[k] === undefined && ps.default !== undefined) v[k] = deepCopy(ps.default);
    if (v[k] !== undefined) applyDefaults(v[k], ps);
  }
  if (isObj(s.additionalProperties)) {
    for (const k of Object.keys(v)) {
      if (!s.properties?.[k]) applyDefaults(v[k], s.additionalProperties);
    }
  }
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (typeof v === "object") return `"${Array.isArray(v) ? "array" : "object"}"`;
  return String(v);
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Validates a value against a structural schema; returns causes with field paths. */
export function validate(v: Json, s: SchemaNode | undefined, path = ""): StatusCause[] {
  const out: StatusCause[] = [];
  if (!s) return out;
  walk(v, s, path, out, true);
  return out;
}

function walk(v: Json, s: SchemaNode, path: string, out: StatusCause[], root = false): void {
  const field = path || "<root>";
  const bad = (msg: string) =>
    out.push({
      reason: "FieldValueInvalid",
      field,
      message: `Invalid value: ${show(v)}: ${msg}`,
    });
  if (v === null) {
    if (!s.nullable && s.type) {
      out.push({
        reason: "FieldValueInvalid",
        field,
        message: `Invalid value: "null": ${field} in body must be of type ${s.type}: "null"`,
      });
    }
    return;
  }
  if (s["x-kubernetes-int-or-string"]) {
    if (typeof v !== "string" && !(typeof v === "number" && Number.isInteger(v))) {
      bad(`${field} in body must be of type integer,string: "${typeOf(v)}"`);
      return;
    }
  } else if (s.type) {
    const t = typeOf(v);
    const ok = s.type === t || (s.type === "number" && t === "integer");
    if (!ok) {
      out.push({
        reason: "FieldValueTypeInvalid",
        field,
        message: `Invalid value: "${t}": ${field} in body must be of type ${s.type}: "${t}"`,
      });
      return;
    }
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push({
      reason: "FieldValueNotSupported",
      field,
      message: `Unsupported value: ${show(v)}: supported values: ${
        s.enum.map((e) => JSON.stringify(e)).join(", ")
      }`,
    });
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) {
      bad(`${field} in body should be greater than or equal to ${s.minimum}`);
    }
    if (s.maximum !== undefined && v > s.maximum) {
      bad(`${field} in body should be less than or equal to ${s.maximum}`);
    }
  }
  if (typeof v === "string") {
    if (s.minLength !== undefined && v.length < s.minLength) {
      bad(`${field} in body should be at least ${s.minLength} chars long`);
    }
    if (s.maxLength !== undefined && v.length > s.maxLength) {
      bad(`${field} in body may not be longer than ${s.maxLength}`);
    }
    if (s.pattern !== undefined) {
      try {
        if (!new RegExp(s.pattern, "u").test(v)) {
          bad(`${field} in body should match '${s.pattern}'`);
        }
      } catch { /* an unsupported pattern is not enforced */ }
    }
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) {
      bad(`${field} in body should have at least ${s.minItems} items`);
    }
    if (s.maxItems !== undefined && v.length > s.maxItems) {
      out.push({
        reason: "FieldValueTooMany",
        field,
        message: `Too many: ${v.length}: must have at most ${s.maxItems} items`,
      });
    }
    if (s.items) v.forEach((el, i) => walk(el, s.items!, `${path}[${i}]`, out));
    return;
  }
  if (isObj(v)) {
    for (const r of s.required ?? []) {
      if (v[r] === undefined) {
        out.push({
          reason: "FieldValueRequired",
          field: path ? `${path}.${r}` : r,
          message: "Required value",
        });
      }
    }
    for (const [k, cv] of Object.entries(v)) {
      if (root && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
      const ps = s.properties?.[k] ??
        (isObj(s.additionalProperties) ? s.additionalProperties : undefined);
      if (ps) walk(cv, ps, path ? `${path}.${k}` : k, out);
    }
  }
}
