/**
 * Label and field selectors in Kubernetes syntax, and a small JSONPath
 * evaluator for printer columns.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";
import { badRequest } from "./errors.ts";

/** One parsed label requirement. */
export interface LabelRequirement {
  /** Label key. */
  key: string;
  /** Operator. */
  op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  /** Values. */
  values: string[];
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== "");
}

const KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function checkKey(k: string, sel: string): string {
  if (!KEY_RE.test(k)) {
    throw badRequest(`unable to parse requirement: invalid label key "${k}" in "${sel}"`);
  }
  return k;
}

/** Parses a label selector string. Throws a 400 ApiError when malformed. */
export function parseLabelSelector(sel: string | null | undefined): LabelRequirement[] {
  if (!sel) return [];
  const reqs: LabelRequirement[] = [];
  for (const part of splitTopLevel(sel)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      reqs.push({
        key: checkKey(m[1], sel),
        op: m[2] as "in" | "notin",
        values: m[3].split(",").map((v) => v.trim()).filter((v) => v !== ""),
      });
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      reqs.push({ key: checkKey(m[1], sel), op: "!exists", values: [] });
    } else if ((m = part.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ key: checkKey(m[1], sel), op: m[2] === "!=" ? "!=" : "=", values: [m[3]] });
    } else if ((m = part.match(/^([^=!\s()]+)$/))) {
      reqs.push({ key: checkKey(m[1], sel), op: "exists", values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: valid selector`);
    }
  }
  return reqs;
}

/** Tests labels against parsed requirements. */
export function matchLabels(
  reqs: LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case "=":
        if (!has || v !== r.values[0]) return false;
        break;
      case "!=":
        if (has && v === r.values[0]) return false;
        break;
      case "in":
        if (!has || !r.values.includes(v)) return false;
        break;
      case "notin":
        if (has && r.values.includes(v)) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!exists":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Matches a `matchLabels`/`matchExpressions` LabelSelector object. */
export function matchSelectorObject(
  sel: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  } | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return false;
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    reqs.push({ key: k, op: "=", values: [v] });
  }
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator === "In"
      ? "in"
      : e.operator === "NotIn"
      ? "notin"
      : e.operator === "Exists"
      ? "exists"
      : "!exists";
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return matchLabels(reqs, labels);
}

/** One parsed field requirement. */
export interface FieldRequirement {
  /** Dotted field path, e.g. `metadata.name`. */
  path: string;
  /** Equality or inequality. */
  op: "=" | "!=";
  /** Value. */
  value: string;
}

/** Parses a field selector. */
export function parseFieldSelector(sel: string | null | undefined): FieldRequirement[] {
  if (!sel) return [];
  const out: FieldRequirement[] = [];
  for (const part of sel.split(",").map((x) => x.trim()).filter((x) => x !== "")) {
    const m = part.match(/^([A-Za-z0-9_.\-\[\]]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${sel}'; can't understand '${part}'`);
    out.push({ path: m[1], op: m[2] === "!=" ? "!=" : "=", value: m[3] });
  }
  return out;
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split(".")) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "object" ? JSON.stringify(cur) : String(cur);
}

/** Tests an object against field requirements. */
export function matchFields(reqs: FieldRequirement[], obj: KubeObject): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.path);
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** Evaluates a simple JSONPath (`.a.b[0]`, `.a[?(@.type=="Ready")].status`); returns all matches. */
export function jsonPath(obj: unknown, path: string): unknown[] {
  let p = path.trim();
  if (p.startsWith("{") && p.endsWith("}")) p = p.slice(1, -1);
  if (p.startsWith("$")) p = p.slice(1);
  const tokens: string[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === ".") {
      i++;
      let j = i;
      while (j < p.length && p[j] !== "." && p[j] !== "[") j++;
      if (j > i) tokens.push("." + p.slice(i, j));
      i = j;
    } else if (p[i] === "[") {
      let depth = 0;
      let j = i;
      for (; j < p.length; j++) {
        if (p[j] === "[") depth++;
        if (p[j] === "]" && --depth === 0) break;
      }
      tokens.push(p.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < p.length && p[j] !== "." && p[j] !== "[") j++;
      tokens.push("." + p.slice(i, j));
      i = j;
    }
  }
  let cur: unknown[] = [obj];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const c of cur) {
      if (c === null || c === undefined) continue;
      if (t.startsWith(".")) {
        const k = t.slice(1);
        if (typeof c === "object" && !Array.isArray(c) && k in (c as object)) {
          next.push((c as Record<string, unknown>)[k]);
        }
      } else {
        const inner = t.slice(1, -1).trim();
        const quoted = inner.match(/^(['"])(.*)\1$/);
        if (quoted) {
          // A quoted member name, e.g. `.metadata.labels['serving\.knative\.dev/route']`;
          // kubectl escapes the dots of a key with a backslash.
          const k = quoted[2].replace(/\\(.)/g, "$1");
          if (typeof c === "object" && !Array.isArray(c) && k in (c as object)) {
            next.push((c as Record<string, unknown>)[k]);
          }
          continue;
        }
        if (!Array.isArray(c)) continue;
        if (inner === "*") next.push(...c);
        else if (/^-?\d+$/.test(inner)) {
          const n = Number(inner);
          const v = c[n < 0 ? c.length + n : n];
          if (v !== undefined) next.push(v);
        } else {
          const m = inner.match(/^\?\(@\.([A-Za-z0-9_.]+)\s*(==|!=)\s*["']?([^"']*)["']?\)$/);
          if (!m) continue;
          for (const el of c) {
            const v = jsonPath(el, "." + m[1])[0];
            const s = v === undefined ? undefined : String(v);
            if (m[2] === "==" ? s === m[3] : s !== m[3]) next.push(el);
          }
        }
      }
    }
    cur = next;
  }
  return cur;
}
