/**
 * Pure helpers of `denative render`: flag parsing, multi-document input
 * parsing, and the cleaned, sorted `v1 List` it prints.
 * @module
 */
import { scanFlags } from "./flags.ts";
import { parseAllDocuments, stringify } from "yaml";
import type { KubeObject } from "../runtime/mod.ts";

/** Parsed `render` flags. */
export interface RenderArgs {
  /** Input files (`-f`, repeatable; `-` is stdin). */
  files: string[];
  /** Default ingress class (`--ingress-class`). */
  ingressClass: string;
  /** Default domain (`--domain`). */
  domain: string;
  /** Output format (`-o`). */
  output: "yaml" | "json";
  /** Resolve image digests (`--resolve-digests`). */
  resolveDigests: boolean;
  /** Fixed-point timeout in ms (`--timeout`, seconds). */
  timeoutMs: number;
  /** WebAssembly ingress plugins (`--plugin FILE.wasm[=sha256]`, repeatable). */
  plugins: string[];
}

/** Knative's default ingress class, `render`'s default. */
export const DEFAULT_RENDER_INGRESS_CLASS = "istio.ingress.networking.knative.dev";
/** The default domain of `dev` and `render`. */
export const DEFAULT_DOMAIN = "example.com";

/** Parses `render` flags; throws an Error with a usage message on bad input. */
export function parseRenderArgs(args: string[]): RenderArgs {
  const out: RenderArgs = {
    files: [],
    ingressClass: DEFAULT_RENDER_INGRESS_CLASS,
    domain: DEFAULT_DOMAIN,
    output: "yaml",
    resolveDigests: false,
    timeoutMs: 60_000,
    plugins: [],
  };
  scanFlags(args, (flag, value) => {
    switch (flag) {
      case "-f":
      case "--filename":
        out.files.push(value());
        return true;
      case "--ingress-class":
        out.ingressClass = value();
        return true;
      case "--domain":
        out.domain = value();
        return true;
      case "-o":
      case "--output": {
        const v = value();
        if (v !== "yaml" && v !== "json") {
          throw new Error(`unsupported output ${JSON.stringify(v)}, want yaml or json`);
        }
        out.output = v;
        return true;
      }
      case "--resolve-digests":
        out.resolveDigests = true;
        return true;
      case "--timeout": {
        const n = Number(value());
        if (!(n > 0)) throw new Error("--timeout must be a positive number of seconds");
        out.timeoutMs = n * 1000;
        return true;
      }
      case "--plugin":
        out.plugins.push(value());
        return true;
      default:
        return false;
    }
  });
  if (out.files.length === 0) throw new Error("at least one -f FILE is required");
  return out;
}

/** Parses a multi-document YAML (or JSON) text into objects; `List`s are flattened. */
export function parseObjects(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0].message}`);
    const v = doc.toJS() as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== "object" || Array.isArray(v)) {
      throw new Error(`${source}: a document is not an object`);
    }
    const o = v as KubeObject;
    if (typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items)) {
      out.push(...(o.items as KubeObject[]));
    } else {
      if (!o.apiVersion || !o.kind || !o.metadata?.name) {
        throw new Error(`${source}: every object needs apiVersion, kind and metadata.name`);
      }
      out.push(o);
    }
  }
  return out;
}

const TIME_KEYS = new Set([
  "creationTimestamp",
  "deletionTimestamp",
  "lastTransitionTime",
  "lastUpdateTime",
  "lastProbeTime",
  "lastHeartbeatTime",
  "startTime",
  "startedAt",
  "finishedAt",
  "renewTime",
  "acquireTime",
]);
const NOISE_META = ["uid", "resourceVersion", "managedFields", "selfLink"];
const NOISE_LABELS = ["serving.knative.dev/deployment-hash", "pod-template-hash"];
const NOISE_ANNOTATIONS = [
  "serving.knative.dev/routingStateModified",
  "serving.knative.dev/creator",
  "serving.knative.dev/lastModifier",
  "kubectl.kubernetes.io/last-applied-configuration",
];

/**
 * Removes server-managed noise: uid, resourceVersion, managedFields,
 * timestamps (including condition `lastTransitionTime`), owner-reference
 * uids, labels whose value is an object uid, and timestamp annotations.
 * `generation` and `observedGeneration` are kept.
 */
export function cleanObject(
  obj: KubeObject,
  uids: ReadonlySet<string>,
  aliases: ReadonlyMap<string, string> = new Map(),
): KubeObject {
  const o = structuredClone(obj);
  for (const l of NOISE_LABELS) delete o.metadata.labels?.[l];
  for (const k of NOISE_META) delete (o.metadata as Record<string, unknown>)[k];
  for (const a of NOISE_ANNOTATIONS) delete o.metadata.annotations?.[a];
  if (o.metadata.annotations && !Object.keys(o.metadata.annotations).length) {
    delete o.metadata.annotations;
  }
  const names = [...aliases.keys()].sort((a, b) => b.length - a.length);
  const alias = (v: string): string => {
    for (const n of names) if (v.includes(n)) v = v.split(n).join(aliases.get(n)!);
    return v;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return alias(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const m = v as Record<string, unknown>;
      for (const k of Object.keys(m)) {
        if (TIME_KEYS.has(k) || k === "uid") delete m[k];
        else if (typeof m[k] === "string" && uids.has(m[k] as string)) delete m[k];
        else if (typeof m[k] === "string") m[k] = alias(m[k] as string);
        else m[k] = walk(m[k]);
      }
      return m;
    }
    return v;
  };
  return walk(o) as KubeObject;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts by apiVersion, kind, namespace, name. */
export function sortObjects(objs: KubeObject[]): KubeObject[] {
  return [...objs].sort((a, b) =>
    cmp(a.apiVersion, b.apiVersion) || cmp(a.kind, b.kind) ||
    cmp(a.metadata.namespace ?? "", b.metadata.namespace ?? "") ||
    cmp(a.metadata.name ?? "", b.metadata.name ?? "")
  );
}

/**
 * Stable aliases for server-generated names (ReplicaSet hashes, Pod
 * suffixes) so a render is reproducible: `<deployment>-<hash>` and
 * `<replicaset>-<pod>`.
 */
export function generatedNameAliases(generated: KubeObject[]): Map<string, string> {
  const out = new Map<string, string>();
  const owner = (o: KubeObject, kind: string) =>
    o.metadata.ownerReferences?.find((r) => r.kind === kind)?.name;
  for (const o of generated) {
    const d = o.kind === "ReplicaSet" ? owner(o, "Deployment") : undefined;
    if (d && o.metadata.name) out.set(o.metadata.name, `${d}-<hash>`);
  }
  for (const o of generated) {
    const rs = o.kind === "Pod" ? owner(o, "ReplicaSet") : undefined;
    if (rs && o.metadata.name) out.set(o.metadata.name, `${out.get(rs) ?? rs}-<pod>`);
  }
  return out;
}

/** The cleaned, sorted `v1 List` of `objs`; `generated` supplies name aliases. */
export function renderList(objs: KubeObject[], generated: KubeObject[] = []): KubeObject {
  const uids = new Set(
    [...objs, ...generated].map((o) => o.metadata.uid).filter((u): u is string => !!u),
  );
  const aliases = generatedNameAliases(generated);
  return {
    apiVersion: "v1",
    kind: "List",
    metadata: {},
    items: sortObjects(objs).map((o) => cleanObject(o, uids, aliases)),
  };
}

/** Formats the list as YAML or JSON. */
export function formatList(list: KubeObject, output: "yaml" | "json"): string {
  return output === "json" ? JSON.stringify(list, null, 2) + "\n" : stringify(list);
}
