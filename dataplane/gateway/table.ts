/**
 * The local gateway's route table: the programmed Ingress entries compiled
 * into a host → paths lookup, with smooth weighted round-robin splits.
 * Pure data in, immutable table out; the server swaps whole tables.
 * @module
 */

/** One weighted backend of a path. */
export interface GatewaySplit {
  /** Namespace of the backend Service. */
  namespace: string;
  /** Name of the backend Service. */
  service: string;
  /** Service port (number or name). */
  port: number | string;
  /** Weight, 0..100. */
  percent: number;
  /** Headers set on requests to this backend. */
  appendHeaders?: Record<string, string>;
}

/** One path of a rule. */
export interface GatewayPath {
  /** Literal path prefix (any path when absent). */
  prefix?: string;
  /** Exact header matches (names case-insensitive). */
  headers?: Record<string, string>;
  /** Headers set on every request of this path. */
  appendHeaders?: Record<string, string>;
  /** Host header rewrite (sent as `X-Forwarded-Host`, see README). */
  rewriteHost?: string;
  /** Per-path timeout in milliseconds (else the gateway default). */
  timeoutMs?: number;
  /** Retry attempts for idempotent requests (else the gateway default). */
  retries?: number;
  /** Weighted backends. */
  splits: GatewaySplit[];
}

/** One rule: hosts (already expanded) and their paths. */
export interface GatewayRule {
  /** Hosts served (lower-case, no port). */
  hosts: string[];
  /** `ExternalIP` or `ClusterLocal`. */
  visibility: string;
  /** Paths in match order. */
  paths: GatewayPath[];
}

/** What the `local` ingress provider programs for one Ingress. */
export interface GatewayIngressEntry {
  /** `namespace/name` of the Ingress. */
  key: string;
  /** The Ingress probe hash; the gateway returns it on probes. */
  hash: string;
  /** The rules. */
  rules: GatewayRule[];
}

/** A compiled path with its round-robin state. */
export interface CompiledPath extends GatewayPath {
  /** The entry (Ingress) key this path came from. */
  entryKey: string;
  /** The entry hash. */
  hash: string;
  /** Lower-cased header matches. */
  headerMatches: [string, string][];
  /** Picks the next backend by smooth weighted round-robin. */
  pick(): GatewaySplit | undefined;
}

/** An immutable compiled table. */
export interface RouteTable {
  /** Paths by host, in match order. */
  readonly hosts: ReadonlyMap<string, readonly CompiledPath[]>;
  /** The entries the table was built from. */
  readonly entries: ReadonlyMap<string, GatewayIngressEntry>;
}

/** Nginx-style smooth weighted round-robin over the splits with weight > 0. */
export function weightedPicker(splits: GatewaySplit[]): () => GatewaySplit | undefined {
  const live = splits.filter((s) => s.percent > 0);
  if (live.length === 0) return () => undefined;
  if (live.length === 1) return () => live[0];
  const current = live.map(() => 0);
  const total = live.reduce((a, s) => a + s.percent, 0);
  return () => {
    let best = 0;
    for (let i = 0; i < live.length; i++) {
      current[i] += live[i].percent;
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    return live[best];
  };
}

/** Builds a table from Ingress entries (sorted by key, so the first programmed rule wins). */
export function compileTable(entries: Iterable<GatewayIngressEntry>): RouteTable {
  const byKey = new Map<string, GatewayIngressEntry>();
  for (const e of entries) byKey.set(e.key, e);
  const hosts = new Map<string, CompiledPath[]>();
  for (const key of [...byKey.keys()].sort()) {
    const e = byKey.get(key)!;
    for (const rule of e.rules) {
      const compiled = rule.paths.map((p): CompiledPath => ({
        ...p,
        entryKey: e.key,
        hash: e.hash,
        headerMatches: Object.entries(p.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
        pick: weightedPicker(p.splits),
      }));
      for (const h of rule.hosts) {
        const host = h.toLowerCase();
        const list = hosts.get(host) ?? [];
        if (list.length > 0 && list[0].entryKey !== e.key) continue; // host owned by another Ingress
        list.push(...compiled);
        hosts.set(host, list);
      }
    }
  }
  return { hosts, entries: byKey };
}

/** An empty table. */
export const EMPTY_TABLE: RouteTable = compileTable([]);

/** Strips a port and trailing dot from a Host/authority value. */
export function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(":");
  if (colon >= 0) h = h.slice(0, colon);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** Finds the first path of the host matching the path prefix and headers. */
export function matchRoute(
  table: RouteTable,
  host: string,
  pathname: string,
  headers: { get(name: string): string | null },
): CompiledPath | undefined {
  const paths = table.hosts.get(normalizeHost(host));
  if (!paths) return undefined;
  for (const p of paths) {
    if (p.prefix && !pathname.startsWith(p.prefix)) continue;
    if (!p.headerMatches.every(([k, v]) => headers.get(k) === v)) continue;
    return p;
  }
  return undefined;
}
