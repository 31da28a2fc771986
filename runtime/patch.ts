/**
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902), used by the fake
 * client and by callers building patches.
 * @module
 */
import { invalid } from "./errors.ts";
import { deepCopy } from "./types.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Applies an RFC 7386 merge patch, returning a new value. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepCopy(patch);
  const out: Record<string, unknown> = isObject(target) ? deepCopy(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  /** Operation. */
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  /** JSON pointer. */
  path: string;
  /** Value for add/replace/test. */
  value?: unknown;
  /** Source pointer for move/copy. */
  from?: string;
}

function parsePointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw patchError(`invalid JSON pointer ${p}`);
  return p.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function patchError(msg: string): Error {
  return invalid("patch", "", [{ reason: "FieldValueInvalid", message: msg, field: "patch" }]);
}

function getAt(doc: unknown, parts: string[]): unknown {
  let cur: unknown = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: unknown, parts: string[], path: string): unknown {
  const parent = getAt(doc, parts.slice(0, -1));
  if (!Array.isArray(parent) && !isObject(parent)) throw patchError(`path ${path} does not exist`);
  return parent;
}

function deepEqualJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Returns a copy with object keys sorted, for order-insensitive comparison. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonical(v[k]);
    return out;
  }
  return v;
}

/** Deep equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return deepEqualJson(a, b);
}

/** Applies an RFC 6902 patch, returning a new value; throws Invalid on a failed op or test. */
export function applyJsonPatch(target: unknown, ops: JsonPatchOp[]): unknown {
  let doc = deepCopy(target);
  for (const op of ops) {
    const parts = parsePointer(op.path);
    const add = (value: unknown) => {
      if (parts.length === 0) {
        doc = value;
        return;
      }
      const parent = parentOf(doc, parts, op.path);
      const last = parts[parts.length - 1];
      if (Array.isArray(parent)) {
        const i = last === "-" ? parent.length : Number(last);
        if (!(i >= 0 && i <= parent.length)) throw patchError(`index ${last} out of range`);
        parent.splice(i, 0, value);
      } else (parent as Record<string, unknown>)[last] = value;
    };
    const remove = (): unknown => {
      const parent = parentOf(doc, parts, op.path);
      const last = parts[parts.length - 1];
      if (Array.isArray(parent)) {
        const i = Number(last);
        if (!(i >= 0 && i < parent.length)) throw patchError(`index ${last} out of range`);
        return parent.splice(i, 1)[0];
      }
      const o = parent as Record<string, unknown>;
      if (!(last in o)) throw patchError(`path ${op.path} does not exist`);
      const v = o[last];
      delete o[last];
      return v;
    };
    switch (op.op) {
      case "add":
        add(deepCopy(op.value));
        break;
      case "remove":
        remove();
        break;
      case "replace":
        remove();
        add(deepCopy(op.value));
        break;
      case "move": {
        const from = parsePointer(op.from ?? "");
        const v = getAt(doc, from);
        if (v === undefined) throw patchError(`from ${op.from} does not exist`);
        const saved = parts;
        parts.splice(0, parts.length, ...from);
        remove();
        parts.splice(0, parts.length, ...saved);
        add(v);
        break;
      }
      case "copy": {
        const v = getAt(doc, parsePointer(op.from ?? ""));
        if (v === undefined) throw patchError(`from ${op.from} does not exist`);
        add(deepCopy(v));
        break;
      }
      case "test":
        if (!deepEqualJson(getAt(doc, parts), op.value)) {
          throw patchError(`test failed at ${op.path}`);
        }
        break;
      default:
        throw patchError(`unknown op ${(op as { op: string }).op}`);
    }
  }
  return doc;
}
