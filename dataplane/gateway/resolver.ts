/**
 * Backend resolution for the local gateway: a revision's Service resolved
 * through its Endpoints, and the loopback-only dialing rule.
 * @module
 */
import type { KubeClient, KubeObject } from "../../runtime/mod.ts";

/** A dialable backend address. */
export interface Endpoint {
  /** IP address. */
  ip: string;
  /** TCP port. */
  port: number;
}

/**
 * Resolves `service.namespace:port` to endpoint addresses. A resolver may
 * also offer `peek`: the answer it would give right now when it has one at
 * hand (a static map, a fresh cache entry), else undefined; the gateway's
 * fast path then plans a request without waiting on a promise.
 */
export type EndpointResolver =
  & ((namespace: string, service: string, port: number | string) => Promise<Endpoint[]>)
  & { peek?(namespace: string, service: string, port: number | string): Endpoint[] | undefined };

/** True for 127.0.0.0/8 and ::1 (the only addresses the gateway dials). */
export function isLoopback(ip: string): boolean {
  const v = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  if (v === "::1" || v === "0:0:0:0:0:0:0:1") return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  return !!m && m.slice(1).every((x) => Number(x) <= 255) && m[1] === "127";
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}
interface EndpointSubset {
  addresses?: { ip: string }[];
  ports?: { name?: string; port: number }[];
}

/**
 * Picks addresses from an Endpoints object for a Service port: the subset
 * port with the Service port's name, else the only port.
 */
export function endpointsFor(
  service: KubeObject | undefined,
  endpoints: KubeObject,
  port: number | string,
): Endpoint[] {
  const sports = ((service?.spec as { ports?: ServicePort[] } | undefined)?.ports) ?? [];
  const sp = sports.find((p) => p.port === port || p.name === port);
  const out: Endpoint[] = [];
  for (const subset of (endpoints.subsets as EndpointSubset[] | undefined) ?? []) {
    const ports = subset.ports ?? [];
    const ep = (sp?.name ? ports.find((p) => p.name === sp.name) : undefined) ??
      (ports.length === 1 ? ports[0] : undefined) ??
      ports.find((p) => p.port === (typeof sp?.targetPort === "number" ? sp.targetPort : port));
    if (!ep) continue;
    for (const a of subset.addresses ?? []) out.push({ ip: a.ip, port: ep.port });
  }
  return out;
}

/**
 * Resolves through the Kubernetes API: the Service (for its port name) and
 * its Endpoints, cached for `cacheMs` (default 1000) per Service.
 */
export function kubeEndpointResolver(
  client: KubeClient,
  opts: { cacheMs?: number; now?: () => number } = {},
): EndpointResolver & { invalidate(namespace: string, service: string): void } {
  const ttl = opts.cacheMs ?? 1000;
  const now = opts.now ?? Date.now;
  const cache = new Map<
    string,
    { at: number; eps: Promise<Endpoint[]>; value?: Endpoint[] }
  >();
  const resolve = (namespace: string, service: string, port: number | string) => {
    const key = `${namespace}/${service}/${port}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttl) return hit.eps;
    const eps = (async () => {
      const [svc, ep] = await Promise.all([
        client.get({ apiVersion: "v1", kind: "Service", namespace, name: service }).catch(() =>
          undefined
        ),
        client.get({ apiVersion: "v1", kind: "Endpoints", namespace, name: service }),
      ]);
      return endpointsFor(svc, ep, port);
    })();
    const entry: { at: number; eps: Promise<Endpoint[]>; value?: Endpoint[] } = { at: now(), eps };
    eps.then((v) => entry.value = v, () => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    cache.set(key, entry);
    return eps;
  };
  return Object.assign(resolve, {
    peek(namespace: string, service: string, port: number | string) {
      const hit = cache.get(`${namespace}/${service}/${port}`);
      return hit && now() - hit.at < ttl ? hit.value : undefined;
    },
    invalidate(namespace: string, service: string) {
      for (const k of cache.keys()) if (k.startsWith(`${namespace}/${service}/`)) cache.delete(k);
    },
  });
}

/** A fixed map `namespace/service` → endpoints (tests, benchmarks, embedding). */
export function staticEndpointResolver(map: Record<string, Endpoint[]>): EndpointResolver {
  const peek = (namespace: string, service: string) => map[`${namespace}/${service}`] ?? [];
  return Object.assign(
    (namespace: string, service: string) => Promise.resolve(peek(namespace, service)),
    { peek },
  );
}
