/**
 * PATCH implementations: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
 * strategic merge patch for built-in kinds, and the field sets used by
 * server-side apply.
 * @module
 */
import { ApiError, badRequest } from "./errors.ts";
import { deepCopy } from "../runtime/mod.ts";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return deepCopy(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/~1/g, "/").replace(/~0/g, "~");
}

function parsePointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw badRequest(`invalid JSON pointer "${p}"`);
  return p.slice(1).split("/").map(unescape);
}

function getAt(doc: unknown, parts: string[]): unknown {
  let cur = doc;
  for (const k of parts) {
    if (Array.isArray(cur)) cur = cur[Number(k)];
    else if (isObj(cur)) cur = cur[k];
    else return undefined;
  }
  return cur;
}

function jsonPatchFail(msg: string): ApiError {
  return new ApiError(
    422,
    "Invalid",
    `the server rejected our request due to an error in our request: ${msg}`,
  );
}

/** RFC 6902 JSON patch. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest("json patch must be an array of operations");
  let root = deepCopy(doc);
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw badRequest("invalid json patch operation");
    }
    const parts = parsePointer(raw.path);
    const value = raw.value;
    const setAt = (parts: string[], v: unknown, insert: boolean) => {
      if (parts.length === 0) {
        root = v;
        return;
      }
      const parent = getAt(root, parts.slice(0, -1));
      const last = parts[parts.length - 1];
      if (Array.isArray(parent)) {
        const idx = last === "-" ? parent.length : Number(last);
        if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) {
          throw jsonPatchFail(`index out of range: ${raw.path}`);
        }
        if (insert) parent.splice(idx, 0, v);
        else {
          if (idx >= parent.length) throw jsonPatchFail(`index out of range: ${raw.path}`);
          parent[idx] = v;
        }
      } else if (isObj(parent)) {
        if (!insert && !(last in parent)) {
          throw jsonPatchFail(`replace operation does not apply: doc is missing key: ${raw.path}`);
        }
        parent[last] = v;
      } else throw jsonPatchFail(`doc is missing path: "${raw.path}"`);
    };
    const removeAt = (parts: string[]): unknown => {
      const parent = getAt(root, parts.slice(0, -1));
      const last = parts[parts.length - 1];
      if (Array.isArray(parent)) {
        const idx = Number(last);
        if (!(idx >= 0 && idx < parent.length)) {
          throw jsonPatchFail(`index out of range: ${raw.path}`);
        }
        return parent.splice(idx, 1)[0];
      }
      if (isObj(parent) && last in parent) {
        const v = parent[last];
        delete parent[last];
        return v;
      }
      throw jsonPatchFail(`remove operation does not apply: doc is missing path: "${raw.path}"`);
    };
    switch (raw.op) {
      case "add":
        setAt(parts, deepCopy(value), true);
        break;
      case "replace":
        setAt(parts, deepCopy(value), false);
        break;
      case "remove":
        removeAt(parts);
        break;
      case "move": {
        const v = removeAt(parsePointer(String(raw.from)));
        setAt(parts, v, true);
        break;
      }
      case "copy":
        setAt(parts, deepCopy(getAt(root, parsePointer(String(raw.from)))), true);
        break;
      case "test":
        if (JSON.stringify(getAt(root, parts)) !== JSON.stringify(value)) {
          throw jsonPatchFail(`testing value ${raw.path} failed`);
        }
        break;
      default:
        throw badRequest(`unexpected json patch operation "${raw.op}"`);
    }
  }
  return root;
}

/** List fields merged by key in strategic merge patch, and their merge key. */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  conditions: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
};

/** Primitive lists merged as sets in strategic merge patch. */
const MERGE_SETS = new Set(["finalizers"]);

/** Returns the strategic merge key of a list field (null when the list is atomic). */
export function mergeKeyFor(field: string, items: unknown[]): string | null {
  if (field === "ports") {
    const first = items.find(isObj);
    if (first && "containerPort" in first) return "containerPort";
    if (first && "port" in first) return "port";
    return null;
  }
  return MERGE_KEYS[field] ?? null;
}

/** Kubernetes strategic merge patch for built-in kinds. */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return deepCopy(patch);
  if (patch.$patch === "replace") {
    const p = { ...patch };
    delete p.$patch;
    return stripDirectives(p);
  }
  if (patch.$patch === "delete") return undefined;
  const out: Obj = isObj(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? patch.$retainKeys as string[] : null;
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$retainKeys" || k === "$patch") continue;
    if (k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const f = k.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(out[f]) && Array.isArray(v)) {
        out[f] = (out[f] as unknown[]).filter((x) => !v.includes(x));
      }
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      const cur = Array.isArray(out[k]) ? out[k] as unknown[] : [];
      const key = mergeKeyFor(k, [...v, ...cur]);
      const order = patch[`$setElementOrder/${k}`];
      if (key) out[k] = mergeList(cur, v, key, Array.isArray(order) ? order : undefined);
      else if (MERGE_SETS.has(k)) out[k] = [...new Set([...cur, ...v])];
      else out[k] = stripDirectives(v);
      continue;
    }
    if (isObj(v)) {
      const r = strategicMerge(out[k], v);
      if (r === undefined) delete out[k];
      else out[k] = r;
      continue;
    }
    out[k] = v;
  }
  if (retain) { for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k]; }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const o: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) o[k] = stripDirectives(x);
  return o;
}

/**
 * Merges a keyed list the way kube's strategic merge does: patch items (in
 * `$setElementOrder` order when given, else patch order) first, server-only
 * items inserted by their position in the live list.
 */
function mergeList(cur: unknown[], patch: unknown[], key: string, order?: unknown[]): unknown[] {
  const replace = patch.some((p) => isObj(p) && p.$patch === "replace");
  if (replace) {
    return stripDirectives(patch.filter((p) => !(isObj(p) && p.$patch === "replace"))) as unknown[];
  }
  const keyOf = (x: unknown) => (isObj(x) ? JSON.stringify(x[key]) : JSON.stringify(x));
  const curByKey = new Map(cur.map((x) => [keyOf(x), x]));
  const deleted = new Set<string>();
  const merged = new Map<string, unknown>();
  const patchOrder: string[] = [];
  for (const p of patch) {
    const k = keyOf(p);
    if (isObj(p) && p.$patch === "delete") {
      deleted.add(k);
      continue;
    }
    if (!isObj(p)) {
      merged.set(k, p);
    } else {
      merged.set(k, curByKey.has(k) ? strategicMerge(curByKey.get(k), p) : stripDirectives(p));
    }
    if (!patchOrder.includes(k)) patchOrder.push(k);
  }
  let firstKeys = patchOrder;
  if (order) {
    firstKeys = order.map(keyOf).filter((k) =>
      !deleted.has(k) && (merged.has(k) || curByKey.has(k))
    );
    for (const k of patchOrder) if (!firstKeys.includes(k)) firstKeys.push(k);
  }
  const first = new Set(firstKeys);
  const result = firstKeys.map((k) => merged.has(k) ? merged.get(k) : deepCopy(curByKey.get(k)));
  const serverIdx = new Map(cur.map((x, i) => [keyOf(x), i]));
  const idx = (x: unknown) => serverIdx.get(keyOf(x)) ?? -1;
  let pos = 0;
  for (const sItem of cur) {
    const k = keyOf(sItem);
    if (first.has(k) || deleted.has(k)) continue;
    let i = pos;
    while (i < result.length && !(idx(result[i]) > idx(sItem))) i++;
    result.splice(i, 0, deepCopy(sItem));
    pos = i + 1;
  }
  return result;
}

/** A field path segment: object key or keyed list element. */
type Seg = string;

/** Server-set metadata fields that managedFields never records. */
function unmanagedMeta(prefix: Seg[], k: string): boolean {
  return prefix.length === 1 && prefix[0] === "f:metadata" &&
    (k === "managedFields" || k === "resourceVersion" || k === "uid" ||
      k === "creationTimestamp" || k === "generation");
}

/** The key that names a list's elements in field paths (merge key, or `name`), if any. */
function elementKey(prefix: Seg[], v: unknown[]): string | null {
  const field = prefix[prefix.length - 1].slice(2);
  const key = mergeKeyFor(field, v) ??
    (v.every((x) => isObj(x) && "name" in x) && v.length ? "name" : null);
  return key && v.every((x) => isObj(x) && key in x) ? key : null;
}

/** Collects the leaf field paths of a value, in managedFields notation. */
export function leafPaths(v: unknown, prefix: Seg[] = [], out: Seg[][] = []): Seg[][] {
  if (isObj(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0 && prefix.length > 0) out.push(prefix);
    for (const k of keys) {
      if (!unmanagedMeta(prefix, k)) leafPaths(v[k], [...prefix, `f:${k}`], out);
    }
    return out;
  }
  if (Array.isArray(v) && prefix.length > 0) {
    const key = elementKey(prefix, v);
    if (key) {
      for (const el of v as Obj[]) {
        leafPaths(el, [...prefix, `k:${JSON.stringify({ [key]: el[key] })}`], out);
      }
      return out;
    }
  }
  out.push(prefix);
  return out;
}

/**
 * The leaf field paths of `next` (as {@link leafPaths} names them) whose value
 * differs from the value at the same path in `old`: the fields an Update
 * changed. One walk over both objects, instead of reading `old` again for
 * every leaf path.
 */
export function changedLeafPaths(
  old: unknown,
  next: unknown,
  prefix: Seg[] = [],
  out: Seg[][] = [],
): Seg[][] {
  if (old === next && (old === null || typeof old !== "object")) return out;
  if (isObj(next)) {
    const keys = Object.keys(next);
    if (keys.length === 0 && prefix.length > 0) {
      if (JSON.stringify(old) !== "{}") out.push(prefix);
      return out;
    }
    const o = isObj(old) ? old : undefined;
    for (const k of keys) {
      if (!unmanagedMeta(prefix, k)) changedLeafPaths(o?.[k], next[k], [...prefix, `f:${k}`], out);
    }
    return out;
  }
  if (Array.isArray(next) && prefix.length > 0) {
    const key = elementKey(prefix, next);
    if (key) {
      const olds = Array.isArray(old) ? old : [];
      for (const el of next as Obj[]) {
        const was = olds.find((x) => isObj(x) && x[key] === el[key]);
        changedLeafPaths(was, el, [...prefix, `k:${JSON.stringify({ [key]: el[key] })}`], out);
      }
      return out;
    }
  }
  if (JSON.stringify(old) !== JSON.stringify(next)) out.push(prefix);
  return out;
}

/** Converts a list of field paths to a FieldsV1 tree. */
export function toFieldsV1(paths: Seg[][]): Record<string, unknown> {
  const root: Obj = {};
  for (const p of paths) {
    let cur = root;
    for (const s of p) {
      if (!isObj(cur[s])) cur[s] = {};
      cur = cur[s] as Obj;
    }
  }
  return root;
}

/** Converts a FieldsV1 tree to field paths (leaves only). */
export function fromFieldsV1(tree: unknown, prefix: Seg[] = [], out: Seg[][] = []): Seg[][] {
  if (!isObj(tree) || Object.keys(tree).length === 0) {
    if (prefix.length) out.push(prefix);
    return out;
  }
  for (const [k, v] of Object.entries(tree)) {
    if (k === ".") continue;
    fromFieldsV1(v, [...prefix, k], out);
  }
  return out;
}

/** Reads the value at a field path (undefined when absent). */
export function valueAt(obj: unknown, path: Seg[]): unknown {
  let cur = obj;
  for (const s of path) {
    if (s.startsWith("f:")) {
      if (!isObj(cur)) return undefined;
      cur = cur[s.slice(2)];
    } else if (s.startsWith("k:")) {
      if (!Array.isArray(cur)) return undefined;
      const want = JSON.parse(s.slice(2)) as Obj;
      cur = cur.find((el) => isObj(el) && Object.entries(want).every(([k, v]) => el[k] === v));
    } else return undefined;
  }
  return cur;
}

/** Deletes the value at a field path; prunes empty keyed-list elements. */
export function deleteAt(obj: unknown, path: Seg[]): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last.startsWith("f:") && isObj(parent)) delete parent[last.slice(2)];
  else if (last.startsWith("k:") && Array.isArray(parent)) {
    const want = JSON.parse(last.slice(2)) as Obj;
    const i = parent.findIndex((el) =>
      isObj(el) && Object.entries(want).every(([k, v]) => el[k] === v)
    );
    if (i >= 0) parent.splice(i, 1);
  }
}

/** Path string as shown in apply conflicts (`.spec.replicas`). */
export function pathString(p: Seg[]): string {
  return p.map((s) =>
    s.startsWith("f:")
      ? `.${s.slice(2)}`
      : `[${s.slice(2).replace(/^\{|\}$/g, "").replace(/"/g, "").replace(":", "=")}]`
  ).join("");
}

/** Merge used by server-side apply: keyed lists merged by key, other lists replaced. */
export function applyMerge(target: unknown, applied: unknown, field = ""): unknown {
  if (isObj(applied)) {
    const out: Obj = isObj(target) ? { ...target } : {};
    for (const [k, v] of Object.entries(applied)) out[k] = applyMerge(out[k], v, k);
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(target)) {
    const key = mergeKeyFor(field, [...applied, ...target]) ??
      (applied.length && applied.every((x) => isObj(x) && "name" in x) ? "name" : null);
    if (key && applied.every((x) => isObj(x) && key in x)) {
      const out = target.map((x) => deepCopy(x));
      for (const el of applied as Obj[]) {
        const i = out.findIndex((x) => isObj(x) && x[key] === el[key]);
        if (i >= 0) out[i] = applyMerge(out[i], el);
        else out.push(deepCopy(el));
      }
      return out;
    }
  }
  return deepCopy(applied);
}
