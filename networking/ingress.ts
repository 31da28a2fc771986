/**
 * The ingress provider contract and the helpers every provider shares:
 * the Ingress shape providers read, `ExpandedHosts`, `InsertProbe` and the
 * probe hash (`networking/pkg/ingress/ingress.go`), and owner references.
 * @module
 */
import { createHash } from "node:crypto";
import type { KubeObject, OwnerReference } from "../runtime/mod.ts";
import type {
  HTTPIngressPath as IngressPath,
  Ingress,
  IngressBackendSplit as IngressSplit,
  IngressRule,
  IngressSpec,
  IngressTLS,
  IngressVisibility,
} from "../apis/mod.ts";
import { deepCopy } from "../runtime/mod.ts";
export { ProviderFailedError } from "../runtime/mod.ts";
export type {
  IngressProvider,
  LoadBalancerIngress,
  ProviderConfig,
  ProviderStatus,
} from "../runtime/mod.ts";

/** `networking.internal.knative.dev/v1alpha1`. */
export const INGRESS_API_VERSION = "networking.internal.knative.dev/v1alpha1";
/** Kind of the Knative Ingress. */
export const INGRESS_KIND = "Ingress";
/** Label on every object a provider renders: the Ingress name. */
export const INGRESS_LABEL_KEY = "networking.internal.knative.dev/ingress";
/** Route label copied by net-istio. */
export const ROUTE_LABEL_KEY = "serving.knative.dev/route";
/** Route namespace label copied by net-istio. */
export const ROUTE_NAMESPACE_LABEL_KEY = "serving.knative.dev/routeNamespace";
/** Visibility label (`cluster-local`). */
export const VISIBILITY_LABEL_KEY = "networking.knative.dev/visibility";
/** Annotation on Ingress: JSON `{tag: [hosts]}`. */
export const TAG_TO_HOST_ANNOTATION_KEY = "networking.internal.knative.dev/tag-to-host";
/** The probe hash header. */
export const HASH_HEADER_NAME = "K-Network-Hash";
/** The value the probe hash header must match. */
export const HASH_HEADER_VALUE = "override";
/** The probe marker header. */
export const PROBE_HEADER_NAME = "K-Network-Probe";
/** kubectl's last-applied annotation (dropped from children). */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

export type {
  HTTPIngressPath as IngressPath,
  Ingress,
  IngressBackendSplit as IngressSplit,
  IngressRule,
  IngressSpec,
  IngressTLS,
  IngressVisibility,
} from "../apis/mod.ts";

/** Narrows any object to an {@link Ingress} (spec defaulted to `{}`). */
export function asIngress(obj: KubeObject): Ingress {
  const spec = (obj.spec ?? {}) as IngressSpec;
  return { ...obj, spec } as Ingress;
}

/** Visibility of a rule with the webhook default applied. */
export function ruleVisibility(rule: IngressRule): IngressVisibility {
  return rule.visibility === "ClusterLocal" ? "ClusterLocal" : "ExternalIP";
}

/** Sorted unique strings. */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Sorts a string map by key (Go marshals maps sorted). */
export function sortedMap<V>(m: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}

function isValidTopLevelDomain(domain: string): boolean {
  const parts = domain.split(".");
  const tld = parts[parts.length - 1];
  return tld.length <= 63 && !/^[0-9]+$/.test(tld);
}

/**
 * `ingress.ExpandedHosts`: each host plus the host with `.<clusterDomain>` and
 * `.svc.<clusterDomain>` trimmed; results with an all-digit or over-long last
 * label are dropped. Returned sorted.
 */
export function expandedHosts(hosts: Iterable<string>, clusterDomain = "cluster.local"): string[] {
  const suffixes = ["", `.${clusterDomain}`, `.svc.${clusterDomain}`];
  const out = new Set<string>();
  for (const h of sortedSet(hosts)) {
    for (const suffix of suffixes) {
      if (suffix !== "" && !h.endsWith(suffix)) continue;
      const th = suffix === "" ? h : h.slice(0, h.length - suffix.length);
      if (isValidTopLevelDomain(th)) out.add(th);
    }
  }
  return [...out].sort();
}

// Go's encoding/json escapes <, > and & inside strings.
function goString(s: string): string {
  return JSON.stringify(s).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(
    /&/g,
    "\\u0026",
  ).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function goStringMap(m: Record<string, string> | undefined): string | undefined {
  if (!m || Object.keys(m).length === 0) return undefined;
  return "{" + Object.keys(m).sort().map((k) => `${goString(k)}:${goString(m[k])}`).join(",") +
    "}";
}

function goObject(fields: [string, string | undefined][]): string {
  return "{" + fields.filter(([, v]) => v !== undefined).map(([k, v]) => `"${k}":${v}`).join(",") +
    "}";
}

function goList<T>(
  xs: T[] | undefined,
  f: (x: T) => string,
  omitEmpty: boolean,
): string | undefined {
  if (!xs || xs.length === 0) return omitEmpty ? undefined : "null";
  return "[" + xs.map(f).join(",") + "]";
}

function nonEmpty(s: string | undefined): string | undefined {
  return s ? goString(s) : undefined;
}

/**
 * The Ingress spec serialised as Go's `encoding/json` would (struct field
 * order, omitempty, sorted map keys, IntOrString ports as numbers).
 */
export function goSpecJson(spec: IngressSpec): string {
  const split = (s: IngressSplit) =>
    goObject([
      ["serviceNamespace", goString(s.serviceNamespace ?? "")],
      ["serviceName", goString(s.serviceName ?? "")],
      [
        "servicePort",
        typeof s.servicePort === "number" ? String(s.servicePort) : goString(
          String(s.servicePort ?? 0),
        ),
      ],
      ["percent", s.percent ? String(s.percent) : undefined],
      ["appendHeaders", goStringMap(s.appendHeaders)],
    ]);
  const path = (p: IngressPath) =>
    goObject([
      ["path", nonEmpty(p.path)],
      ["rewriteHost", nonEmpty(p.rewriteHost)],
      [
        "headers",
        p.headers && Object.keys(p.headers).length > 0
          ? "{" + Object.keys(p.headers).sort().map((k) =>
            `${goString(k)}:{"exact":${goString(p.headers![k].exact ?? "")}}`
          ).join(",") + "}"
          : undefined,
      ],
      ["splits", goList(p.splits, split, false)],
      ["appendHeaders", goStringMap(p.appendHeaders)],
    ]);
  const rule = (r: IngressRule) =>
    goObject([
      ["hosts", goList(r.hosts, goString, true)],
      ["visibility", nonEmpty(r.visibility)],
      ["http", r.http ? goObject([["paths", goList(r.http.paths, path, false)]]) : undefined],
    ]);
  const tls = (t: IngressTLS) =>
    goObject([
      ["hosts", goList(t.hosts, goString, true)],
      ["secretName", nonEmpty(t.secretName)],
      ["secretNamespace", nonEmpty(t.secretNamespace)],
    ]);
  return goObject([
    ["tls", goList(spec.tls, tls, true)],
    ["rules", goList(spec.rules, rule, true)],
    ["httpOption", nonEmpty(spec.httpOption)],
  ]);
}

/** `ingress.ComputeHash` as hex: sha256(json(spec) + namespace + name). */
export function ingressHash(ing: Ingress): string {
  return createHash("sha256").update(
    goSpecJson(ing.spec) + (ing.metadata.namespace ?? "") + (ing.metadata.name ?? ""),
  ).digest("hex");
}

/**
 * `ingress.InsertProbe`: returns a copy of the Ingress where each rule's paths
 * are preceded by probe copies matching `K-Network-Hash: override` and
 * appending `K-Network-Hash: <hash>`; also returns the hash.
 */
export function insertProbe(ing: Ingress): { ingress: Ingress; hash: string } {
  const hash = ingressHash(ing);
  const copy = deepCopy(ing);
  for (const rule of copy.spec.rules ?? []) {
    if (!rule.http) throw new Error(`rule is missing HTTP block: ${JSON.stringify(rule)}`);
    const probes = rule.http.paths.map((p) => {
      const e = deepCopy(p);
      e.headers = { ...(e.headers ?? {}), [HASH_HEADER_NAME]: { exact: HASH_HEADER_VALUE } };
      e.appendHeaders = { ...(e.appendHeaders ?? {}), [HASH_HEADER_NAME]: hash };
      return e;
    });
    rule.http.paths = [...probes, ...rule.http.paths];
  }
  return { ingress: copy, hash };
}

/** `kmeta.NewControllerRef` for an Ingress. */
export function ingressOwnerRef(ing: KubeObject): OwnerReference {
  return {
    apiVersion: ing.apiVersion || INGRESS_API_VERSION,
    kind: ing.kind || INGRESS_KIND,
    name: ing.metadata.name ?? "",
    uid: ing.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** `kmeta.ChildName(parent, suffix)`: a name of at most 63 characters. */
export function childName(parent: string, suffix: string): string {
  const longest = 63, head = 31;
  if (parent.length + suffix.length <= longest) return parent + suffix;
  const md5 = (s: string) => createHash("md5").update(s).digest("hex");
  if (head - suffix.length > 0) {
    return parent.slice(0, head - suffix.length) + md5(parent) + suffix;
  }
  const h = md5(parent + suffix);
  let ret = parent.slice(0, head) + h;
  if (ret.length < longest) ret += suffix.slice(0, longest - ret.length);
  while (ret.length > 0 && /[^a-zA-Z0-9]$/.test(ret)) ret = ret.slice(0, -1);
  return ret;
}

/** A copy of a map without kubectl's last-applied annotation. */
export function withoutLastApplied(
  m: Record<string, string> | undefined,
): Record<string, string> {
  const out = { ...(m ?? {}) };
  delete out[LAST_APPLIED_ANNOTATION];
  return out;
}

/** Parses the `tag-to-host` annotation into `{tag: hosts}` (empty on error). */
export function tagToHost(ing: KubeObject): Record<string, string[]> {
  const raw = ing.metadata.annotations?.[TAG_TO_HOST_ANNOTATION_KEY];
  if (!raw) return {};
  try {
    const v = JSON.parse(raw);
    return v && typeof v === "object" ? v as Record<string, string[]> : {};
  } catch {
    return {};
  }
}

/** `network.GetServiceHostname`: `<name>.<ns>.svc.<clusterDomain>`. */
export function serviceHostname(name: string, namespace: string, clusterDomain = "cluster.local") {
  return `${name}.${namespace}.svc.${clusterDomain}`;
}
