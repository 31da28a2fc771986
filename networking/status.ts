/**
 * Helpers providers use to derive readiness from observed objects.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";

/** Stable JSON (sorted keys) for comparing rendered and observed content. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(canonicalJson).join(",") + "]";
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return "{" +
      Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) =>
        JSON.stringify(k) + ":" + canonicalJson(o[k])
      ).join(",") + "}";
  }
  return JSON.stringify(v);
}

function subset(want: Record<string, string> | undefined, got: Record<string, string> | undefined) {
  return Object.entries(want ?? {}).every(([k, v]) => got?.[k] === v);
}

/**
 * Whether an observed object carries the rendered spec and at least the
 * rendered labels and annotations (the reconciler may add its own).
 */
export function sameContent(want: KubeObject, got: KubeObject): boolean {
  return canonicalJson(want.spec) === canonicalJson(got.spec) &&
    subset(want.metadata.labels, got.metadata.labels) &&
    subset(want.metadata.annotations, got.metadata.annotations);
}

/**
 * Checks every rendered object is observed with the rendered content. Returns
 * undefined when all are, else a stable message naming the first that is not.
 */
export function observedMatches(want: KubeObject[], observed: KubeObject[]): string | undefined {
  for (const w of want) {
    const got = observed.find((o) =>
      o.kind === w.kind && o.apiVersion === w.apiVersion && o.metadata.name === w.metadata.name &&
      (o.metadata.namespace ?? "") === (w.metadata.namespace ?? "")
    );
    if (!got) return `${w.kind} "${w.metadata.name}" does not exist yet`;
    if (!sameContent(w, got)) return `${w.kind} "${w.metadata.name}" is not yet up to date`;
  }
  return undefined;
}
