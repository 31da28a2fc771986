/**
 * Label and field selector matching (Kubernetes syntax), used by the fake
 * client and stores.
 * @module
 */
import type { KubeObject } from "./types.ts";

type Req = {
  key: string;
  op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  values: string[];
};

/** Parses a label selector such as `app=x,tier!=db,env in (a,b),!legacy`. */
export function parseLabelSelector(sel: string): Req[] {
  const reqs: Req[] = [];
  const parts: string[] = [];
  let depth = 0, cur = "";
  for (const ch of sel) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m = p.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/);
    if (m) {
      reqs.push({
        key: m[1],
        op: m[2] as "in" | "notin",
        values: m[3].split(",").map((s) => s.trim()).filter(Boolean),
      });
      continue;
    }
    m = p.match(/^([^!=\s]+)\s*(==|!=|=)\s*(.*)$/);
    if (m) {
      reqs.push({ key: m[1], op: m[2] === "!=" ? "!=" : "=", values: [m[3].trim()] });
      continue;
    }
    if (p.startsWith("!")) reqs.push({ key: p.slice(1).trim(), op: "!exists", values: [] });
    else reqs.push({ key: p, op: "exists", values: [] });
  }
  return reqs;
}

/** True when `labels` match the selector. */
export function matchLabels(sel: string | undefined, labels: Record<string, string> = {}): boolean {
  if (!sel) return true;
  return parseLabelSelector(sel).every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case "=":
        return has && v === r.values[0];
      case "!=":
        return !has || v !== r.values[0];
      case "in":
        return has && r.values.includes(v);
      case "notin":
        return !has || !r.values.includes(v);
      case "exists":
        return has;
      case "!exists":
        return !has;
    }
  });
}

/** True when the object matches a field selector (`metadata.name`, `metadata.namespace`, others by path). */
export function matchFields(sel: string | undefined, obj: KubeObject): boolean {
  if (!sel) return true;
  return sel.split(",").filter(Boolean).every((p) => {
    const m = p.match(/^([^!=]+)(==|!=|=)(.*)$/);
    if (!m) return false;
    let cur: unknown = obj;
    for (const seg of m[1].trim().split(".")) {
      cur = typeof cur === "object" && cur !== null
        ? (cur as Record<string, unknown>)[seg]
        : undefined;
    }
    const val = cur === undefined || cur === null ? "" : String(cur);
    return m[2] === "!=" ? val !== m[3] : val === m[3];
  });
}
