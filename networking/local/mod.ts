/**
 * The `local` ingress provider (class `local.ingress.networking.knative.dev`):
 * renders no cluster objects; it programs the built-in gateway of `dataplane/`
 * with a route table entry per Ingress and reports `LoadBalancerReady` only
 * after a probe through the gateway's listener returned the Ingress hash.
 *
 * `networking/` may not import `dataplane/`, so the gateway is reached
 * through {@link LocalGatewayControl}, which the gateway handle satisfies
 * structurally; the `dev` command wires them together.
 * @module
 */
import type {
  IngressProvider,
  KubeObject,
  ProviderConfig,
  ProviderStatus,
} from "../../runtime/mod.ts";
import { clusterDomainOf } from "../config.ts";
import {
  asIngress,
  expandedHosts,
  HASH_HEADER_NAME,
  type Ingress,
  ingressHash,
  PROBE_HEADER_NAME,
  ruleVisibility,
} from "../ingress.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** The built-in gateway's ingress class. */
export const LOCAL_CLASS = "local.ingress.networking.knative.dev";

/** A weighted backend (mirrors `dataplane` `GatewaySplit`). */
export interface LocalSplit {
  /** Service namespace. */
  namespace: string;
  /** Service name. */
  service: string;
  /** Service port. */
  port: number | string;
  /** Weight. */
  percent: number;
  /** Headers set on requests to this backend. */
  appendHeaders?: Record<string, string>;
}

/** One path (mirrors `dataplane` `GatewayPath`). */
export interface LocalPath {
  /** Path prefix. */
  prefix?: string;
  /** Exact header matches. */
  headers?: Record<string, string>;
  /** Headers set on every request. */
  appendHeaders?: Record<string, string>;
  /** Host rewrite. */
  rewriteHost?: string;
  /** Backends. */
  splits: LocalSplit[];
}

/** The table entry for one Ingress (mirrors `dataplane` `GatewayIngressEntry`). */
export interface LocalGatewayEntry {
  /** `namespace/name`. */
  key: string;
  /** The Ingress probe hash. */
  hash: string;
  /** Rules with expanded hosts. */
  rules: { hosts: string[]; visibility: string; paths: LocalPath[] }[];
}

/** What the provider needs from the running gateway. */
export interface LocalGatewayControl {
  /** Listen address (loopback). */
  readonly hostname: string;
  /** Listen port. */
  readonly port: number;
  /** Adds or replaces an Ingress entry atomically. */
  program(entry: LocalGatewayEntry): void;
  /** Removes an Ingress entry. */
  forget(key: string): void;
}

/** Builds the gateway entry of an Ingress (pure). */
export function localGatewayEntry(
  ing: Ingress,
  clusterDomain = "cluster.local",
): LocalGatewayEntry {
  return {
    key: `${ing.metadata.namespace ?? ""}/${ing.metadata.name ?? ""}`,
    hash: ingressHash(ing),
    rules: (ing.spec.rules ?? []).map((r) => ({
      hosts: expandedHosts(r.hosts ?? [], clusterDomain),
      visibility: ruleVisibility(r),
      paths: (r.http?.paths ?? []).map((p) => {
        const out: LocalPath = {
          splits: p.splits.map((s) => {
            const sp: LocalSplit = {
              namespace: s.serviceNamespace,
              service: s.serviceName,
              port: s.servicePort,
              // A single split without percent means 100 (Ingress defaulting).
              percent: s.percent ?? (p.splits.length === 1 ? 100 : 0),
            };
            if (s.appendHeaders) sp.appendHeaders = { ...s.appendHeaders };
            return sp;
          }),
        };
        if (p.path) out.prefix = p.path;
        if (p.headers) {
          out.headers = Object.fromEntries(
            Object.entries(p.headers).map(([k, v]) => [k, v.exact]),
          );
        }
        if (p.appendHeaders) out.appendHeaders = { ...p.appendHeaders };
        if (p.rewriteHost) out.rewriteHost = p.rewriteHost;
        return out;
      }),
    })),
  };
}

/**
 * Sends a probe for `host` to the gateway listener (raw HTTP/1.1, since
 * fetch does not let callers choose the Host header) and returns the hash
 * the gateway reports, or undefined.
 */
export async function probeGateway(
  hostname: string,
  port: number,
  host: string,
  timeoutMs = 2000,
): Promise<string | undefined> {
  const conn = await Deno.connect({ hostname, port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const req = `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n${PROBE_HEADER_NAME}: probe\r\n` +
      `User-Agent: denative-local-prober\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(req));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(4096);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
      const sofar = new TextDecoder().decode(concat(chunks));
      if (sofar.includes("\r\n\r\n")) break;
    }
    const head = new TextDecoder().decode(concat(chunks)).split("\r\n\r\n")[0];
    const lines = head.split("\r\n");
    if (!/^HTTP\/1\.[01] 200 /.test(lines[0] ?? "")) return undefined;
    const want = HASH_HEADER_NAME.toLowerCase();
    for (const l of lines.slice(1)) {
      const i = l.indexOf(":");
      if (i > 0 && l.slice(0, i).trim().toLowerCase() === want) return l.slice(i + 1).trim();
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** The local provider plus the cleanup hook the ingress reconciler calls on deletion. */
export interface LocalProvider extends IngressProvider {
  /** Drops the Ingress from the gateway table. */
  finalize(ingress: KubeObject): Promise<void>;
}

/** Creates the local provider bound to a running gateway. */
export function localProvider(gateway: LocalGatewayControl): LocalProvider {
  return {
    className: LOCAL_CLASS,
    kinds: [],
    render(): KubeObject[] {
      return [];
    },
    async status(ing0: KubeObject, _observed, config: ProviderConfig): Promise<ProviderStatus> {
      const ing = asIngress(ing0);
      const entry = localGatewayEntry(ing, clusterDomainOf(config));
      gateway.program(entry);
      for (const rule of entry.rules) {
        const host = rule.hosts[rule.hosts.length - 1];
        if (!host) continue;
        const got = await probeGateway(gateway.hostname, gateway.port, host);
        if (got !== entry.hash) {
          return {
            ready: false,
            reason: "Uninitialized",
            message: "Waiting for load balancer to be ready",
          };
        }
      }
      const lb = { ingress: [{ ip: gateway.hostname }] };
      return { ready: true, publicLoadBalancer: lb, privateLoadBalancer: deepCopy(lb) };
    },
    finalize(ing: KubeObject): Promise<void> {
      gateway.forget(`${ing.metadata.namespace ?? ""}/${ing.metadata.name ?? ""}`);
      return Promise.resolve();
    },
  };
}

/** Whether a provider has a {@link LocalProvider.finalize} hook. */
export function hasFinalize(p: IngressProvider): p is LocalProvider {
  return typeof (p as Partial<LocalProvider>).finalize === "function";
}
