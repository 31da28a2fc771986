/**
 * RFC 6902 JSON Patch generation (the mutation response format).
 * @module
 */

/** One JSON Patch operation. */
export interface JsonPatchOp {
  /** Operation. */
  op: "add" | "remove" | "replace";
  /** JSON pointer. */
  path: string;
  /** New value (add/replace). */
  value?: unknown;
}

function escape(k: string): string {
  return k.replace(/~/g, "~0").replace(/\//g, "~1");
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b) || deepEq(a, b);
}

function deepEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEq(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEq(a[k], b[k]));
  }
  return false;
}

/** Returns the operations turning `from` into `to`. */
export function createJsonPatch(from: unknown, to: unknown, path = ""): JsonPatchOp[] {
  if (equal(from, to)) return [];
  if (isObj(from) && isObj(to)) {
    const ops: JsonPatchOp[] = [];
    for (const k of Object.keys(from)) {
      if (from[k] !== undefined && (!(k in to) || to[k] === undefined)) {
        ops.push({ op: "remove", path: `${path}/${escape(k)}` });
      }
    }
    for (const k of Object.keys(to)) {
      if (to[k] === undefined) continue;
      const p = `${path}/${escape(k)}`;
      if (!(k in from) || from[k] === undefined) ops.push({ op: "add", path: p, value: to[k] });
      else ops.push(...createJsonPatch(from[k], to[k], p));
    }
    return ops;
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return from.flatMap((x, i) => createJsonPatch(x, to[i], `${path}/${i}`));
  }
  return [{ op: "replace", path: path === "" ? "" : path, value: to }];
}

/** Applies a patch made by {@link createJsonPatch} (for tests and in-process use). */
export function applyJsonPatch<T>(doc: T, ops: JsonPatchOp[]): T {
  let root: unknown = structuredClone(doc);
  for (const o of ops) {
    if (o.path === "") {
      root = structuredClone(o.value);
      continue;
    }
    const parts = o.path.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop()!;
    let cur = root as Record<string, unknown>;
    for (const p of parts) cur = cur[p] as Record<string, unknown>;
    if (o.op === "remove") {
      if (Array.isArray(cur)) cur.splice(Number(last), 1);
      else delete cur[last];
    } else cur[last] = structuredClone(o.value);
  }
  return root as T;
}
