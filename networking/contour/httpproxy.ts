/**
 * Contour HTTPProxies from a Knative Ingress, as net-contour's
 * `resources/httpproxy.go` builds them: one proxy per expanded host. Pure.
 * @module
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "../../runtime/mod.ts";
import {
  childName,
  expandedHosts,
  type Ingress,
  ingressOwnerRef,
  type IngressPath,
  insertProbe,
  ruleVisibility,
  withoutLastApplied,
} from "../ingress.ts";
import type { ContourConfig } from "./config.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** `projectcontour.io/v1`. */
export const CONTOUR_API_VERSION = "projectcontour.io/v1";
/** Label: Ingress generation the proxy was built from. */
export const GENERATION_KEY = "contour.networking.knative.dev/generation";
/** Label: parent Ingress name. */
export const PARENT_KEY = "contour.networking.knative.dev/parent";
/** Label and annotation: Contour ingress class. */
export const CLASS_KEY = "projectcontour.io/ingress.class";
/** Label: sha1 of the virtual host. */
export const DOMAIN_HASH_KEY = "contour.networking.knative.dev/domainHash";

/** Contour's default retry policy for Knative routes (Istio's list plus `reset`). */
export function defaultRetryPolicy(): { count: number; retryOn: string[] } {
  return {
    count: 2,
    retryOn: [
      "cancelled",
      "connect-failure",
      "refused-stream",
      "resource-exhausted",
      "retriable-status-codes",
      "reset",
    ],
  };
}

function headerList(m: Record<string, string>): { name: string; value: string }[] {
  return Object.keys(m).sort().map((name) => ({ name, value: m[name] }));
}

/** Protocol of a backend: `h2c` for the Knative h2c service port (81 / `http2`). */
export function backendProtocol(port: number | string): string | undefined {
  return port === 81 || port === "81" || port === "http2" ? "h2c" : undefined;
}

function makeRoute(
  p: IngressPath,
  cfg: ContourConfig,
  permitInsecure: boolean,
): Record<string, unknown> {
  const pre = { ...(p.appendHeaders ?? {}) };
  if (p.rewriteHost) pre.Host = p.rewriteHost;
  const services = p.splits.map((s) => {
    const svc: Record<string, unknown> = {
      name: s.serviceName,
      port: typeof s.servicePort === "number" ? s.servicePort : Number(s.servicePort) || 0,
      weight: s.percent ?? 0,
    };
    const proto = backendProtocol(s.servicePort);
    if (proto && !(p.path ?? "").includes("/.well-known/acme-challenge/")) svc.protocol = proto;
    if (s.appendHeaders && Object.keys(s.appendHeaders).length > 0) {
      svc.requestHeadersPolicy = { set: headerList(s.appendHeaders) };
    }
    return svc;
  });
  const conditions: Record<string, unknown>[] = [];
  if (p.path) conditions.push({ prefix: p.path });
  for (const name of Object.keys(p.headers ?? {}).sort().reverse()) {
    conditions.push({ header: { name, exact: p.headers![name].exact } });
  }
  const route: Record<string, unknown> = {};
  if (conditions.length > 0) route.conditions = conditions;
  route.services = services;
  route.enableWebsockets = true;
  route.permitInsecure = permitInsecure;
  route.timeoutPolicy = { response: cfg.timeoutPolicyResponse, idle: cfg.timeoutPolicyIdle };
  route.retryPolicy = defaultRetryPolicy();
  const set = headerList(pre);
  route.requestHeadersPolicy = set.length > 0 ? { set } : {};
  return route;
}

/** `MakeHTTPProxies`: the probe inserted, one HTTPProxy per (rule, expanded host). */
export function makeHTTPProxies(
  ing0: Ingress,
  cfg: ContourConfig,
  clusterDomain = "cluster.local",
): KubeObject[] {
  const { ingress: ing } = insertProbe(ing0);
  const hostToTLS = new Map<string, { secretName?: string; secretNamespace?: string }>();
  for (const t of ing.spec.tls ?? []) for (const h of t.hosts ?? []) hostToTLS.set(h, t);
  const allowInsecure = ing.spec.httpOption === "Enabled";
  const out: KubeObject[] = [];
  for (const rule of ing.spec.rules ?? []) {
    const vis = ruleVisibility(rule);
    const permit = vis === "ClusterLocal" ? true : allowInsecure;
    const routes = (rule.http?.paths ?? []).map((p) => makeRoute(p, cfg, permit));
    for (const original of rule.hosts ?? []) {
      for (const host of expandedHosts([original], clusterDomain)) {
        const cls = original.endsWith(clusterDomain)
          ? cfg.visibility.ClusterLocal.class
          : cfg.visibility[vis].class;
        const virtualhost: Record<string, unknown> = { fqdn: host };
        if (cfg.corsPolicy) virtualhost.corsPolicy = deepCopy(cfg.corsPolicy);
        const tls = hostToTLS.get(host);
        if (tls) virtualhost.tls = { secretName: `${tls.secretNamespace}/${tls.secretName}` };
        else if (cfg.defaultTLSSecret) virtualhost.tls = { secretName: cfg.defaultTLSSecret };
        out.push({
          apiVersion: CONTOUR_API_VERSION,
          kind: "HTTPProxy",
          metadata: {
            name: childName(`${ing.metadata.name}-${cls}-`, host),
            namespace: ing.metadata.namespace,
            labels: {
              [GENERATION_KEY]: String(ing.metadata.generation ?? 0),
              [PARENT_KEY]: ing.metadata.name ?? "",
              [CLASS_KEY]: cls,
              [DOMAIN_HASH_KEY]: createHash("sha1").update(host).digest("hex"),
            },
            annotations: { ...withoutLastApplied(ing.metadata.annotations), [CLASS_KEY]: cls },
            ownerReferences: [ingressOwnerRef(ing)],
          },
          spec: { virtualhost, routes: deepCopy(routes) },
        });
      }
    }
  }
  return out;
}
