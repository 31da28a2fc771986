/**
 * The local gateway: a reverse proxy built on `Deno.serve` that needs no
 * external software. It routes by Host (and header matches such as
 * `Knative-Serving-Tag`), splits by weight, sets the Ingress's appended
 * headers, honours timeouts, retries idempotent requests that failed to
 * connect, streams bodies both ways, proxies websockets, serves HTTP/1.1 and
 * h2c (prior knowledge), swaps its table atomically, and answers
 * `K-Network-Probe: probe` requests with the hash of the Ingress serving the
 * host so the `local` provider can verify a new table is live.
 * @module
 */
import type { Logger } from "../../runtime/mod.ts";
import { type FastPlan, type FastRequest, type Front, HOP_BY_HOP, startFront } from "./front.ts";
import { Http1Client } from "./http1.ts";
import { type Endpoint, type EndpointResolver, isLoopback } from "./resolver.ts";
import {
  type CompiledPath,
  compileTable,
  EMPTY_TABLE,
  type GatewayIngressEntry,
  type GatewaySplit,
  matchRoute,
  type RouteTable,
} from "./table.ts";

/** The probe marker header. */
export const PROBE_HEADER = "K-Network-Probe";
/** The probe hash header (returned on probes). */
export const HASH_HEADER = "K-Network-Hash";
/** Header naming the Ingress that served a probe. */
export const PROBE_INGRESS_HEADER = "K-Network-Ingress";

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Port to listen on (0 = any free port). Default 0. */
  port?: number;
  /** Loopback address to listen on. Default `127.0.0.1`. */
  hostname?: string;
  /** Resolves a split's Service to endpoints. */
  resolver: EndpointResolver;
  /** Default per-request timeout in ms (whole exchange). Default 600 000 (Knative's max revision timeout). */
  timeoutMs?: number;
  /** Default extra attempts for idempotent requests that failed to connect. Default 2. */
  retries?: number;
  /** Initial entries. */
  entries?: GatewayIngressEntry[];
  /** Logger for proxy errors. */
  logger?: Logger;
}

/** A running gateway. */
export interface GatewayHandle {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The listen address (reported as the Ingress load balancer). */
  readonly hostname: string;
  /** Replaces the whole table atomically (in-flight requests keep the old one). */
  setTable(entries: Iterable<GatewayIngressEntry> | RouteTable): void;
  /** Adds or replaces one Ingress entry (an atomic table swap). */
  program(entry: GatewayIngressEntry): void;
  /** Removes one Ingress entry. */
  forget(key: string): void;
  /** The current table. */
  table(): RouteTable;
  /** Requests currently being proxied. */
  inFlight(): number;
  /** Stops accepting, waits for in-flight requests, releases resources. */
  close(): Promise<void>;
}

function text(status: number, body: string): Response {
  return new Response(body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function isTable(x: unknown): x is RouteTable {
  return !!x && typeof x === "object" && "hosts" in x && "entries" in x;
}

function forwardHeaders(
  req: Request,
  path: CompiledPath,
  split: GatewaySplit,
  host: string,
  remote: string,
): Headers {
  const h = new Headers(req.headers);
  const conn = h.get("connection");
  if (conn) { for (const t of conn.split(",")) h.delete(t.trim()); }
  for (const k of HOP_BY_HOP) h.delete(k);
  const xff = req.headers.get("x-forwarded-for");
  h.set("x-forwarded-for", xff ? `${xff}, ${remote}` : remote);
  h.set("x-forwarded-proto", "http");
  h.set("x-forwarded-host", path.rewriteHost ?? host);
  for (const [k, v] of Object.entries(path.appendHeaders ?? {})) h.set(k, v);
  for (const [k, v] of Object.entries(split.appendHeaders ?? {})) h.set(k, v);
  return h;
}

function responseHeaders(res: Response): Headers {
  const h = new Headers(res.headers);
  const conn = h.get("connection");
  if (conn) { for (const t of conn.split(",")) h.delete(t.trim()); }
  for (const k of HOP_BY_HOP) h.delete(k);
  return h;
}

function isH2c(split: GatewaySplit): boolean {
  return split.port === 81 || split.port === "http2";
}

function hostPort(ep: Endpoint): string {
  return ep.ip.includes(":") ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

/** Starts the local gateway on loopback. */
export function startGateway(opts: GatewayOptions): GatewayHandle {
  const hostname = opts.hostname ?? "127.0.0.1";
  if (!isLoopback(hostname) && hostname !== "localhost") {
    throw new Error(`the local gateway listens on loopback only, not ${hostname}`);
  }
  const defaultTimeout = opts.timeoutMs ?? 600_000;
  const defaultRetries = opts.retries ?? 2;
  const h2cClient = Deno.createHttpClient({ http1: false, http2: true });
  const http1 = new Http1Client();
  let table: RouteTable = opts.entries ? compileTable(opts.entries) : EMPTY_TABLE;
  let inflight = 0;
  let rr = 0;
  const loopbackSeen = new Set<string>();
  const appendCache = new WeakMap<
    CompiledPath,
    WeakMap<GatewaySplit, Map<string, { host: string; names: Set<string>; text: string }>>
  >();
  const sockets = new Set<WebSocket>();

  const setTable = (t: Iterable<GatewayIngressEntry> | RouteTable) => {
    table = isTable(t) ? t : compileTable(t);
  };

  async function resolveEndpoints(
    split: GatewaySplit,
  ): Promise<Endpoint[] | { status: number; message: string }> {
    let eps: Endpoint[];
    try {
      eps = await opts.resolver(split.namespace, split.service, split.port);
    } catch (e) {
      return {
        status: 503,
        message: `no endpoints for service ${split.namespace}/${split.service}: ${
          (e as Error).message
        }`,
      };
    }
    return checkEndpoints(split, eps);
  }

  /** The endpoints if there are any and all are loopback, else the error to answer. */
  function checkEndpoints(
    split: GatewaySplit,
    eps: Endpoint[],
  ): Endpoint[] | { status: number; message: string } {
    if (eps.length === 0) {
      return {
        status: 503,
        message: `no endpoints available for service ${split.namespace}/${split.service}`,
      };
    }
    for (const e of eps) {
      if (!loopbackSeen.has(e.ip)) {
        if (!isLoopback(e.ip)) {
          return {
            status: 502,
            message:
              `refusing to dial ${hostPort(e)} for service ${split.namespace}/${split.service}: ` +
              `the local gateway only dials loopback endpoints (127.0.0.0/8, ::1)`,
          };
        }
        if (loopbackSeen.size < 1024) loopbackSeen.add(e.ip);
      }
    }
    return eps;
  }

  async function endpointsFor(split: GatewaySplit): Promise<Endpoint[] | Response> {
    const eps = await resolveEndpoints(split);
    return Array.isArray(eps) ? eps : text(eps.status, eps.message);
  }

  /**
   * The fast path's planner: routes a plain HTTP/1.1 request, or leaves it
   * to `proxy`. Synchronous when the resolver has the endpoints at hand.
   */
  function plan(req: FastRequest): FastPlan | Promise<FastPlan> {
    const current = table;
    const q = req.target.indexOf("?");
    const pathname = q < 0 ? req.target : req.target.slice(0, q);
    const path = matchRoute(current, req.host, pathname, req);
    if (!path || path.splits.some(isH2c)) return null;
    const split = path.pick();
    if (!split) return null;
    const known = opts.resolver.peek?.(split.namespace, split.service, split.port);
    if (known) return planFor(req, path, split, checkEndpoints(split, known));
    return resolveEndpoints(split).then((eps) => planFor(req, path, split, eps));
  }

  function planFor(
    req: FastRequest,
    path: CompiledPath,
    split: GatewaySplit,
    eps: Endpoint[] | { status: number; message: string },
  ): FastPlan {
    if (!Array.isArray(eps)) return eps;
    const set = appendedFor(path, split, req.host);
    const conn = req.get("connection");
    const dropped = conn ? conn.split(",").map((t) => t.trim().toLowerCase()) : undefined;
    let head = set.host;
    let xff: string | null = null;
    for (const [k, v] of req.headers) {
      if (k === "x-forwarded-for") {
        xff = xff === null ? v : `${xff}, ${v}`;
        continue;
      }
      if (HOP_BY_HOP.has(k) || set.names.has(k) || dropped?.includes(k)) continue;
      head += `${k}: ${v}\r\n`;
    }
    head += `x-forwarded-for: ${xff ? `${xff}, ${req.remote}` : req.remote}\r\n` + set.text;
    return {
      headers: head,
      next: () => eps[(rr++) % eps.length],
      timeoutMs: path.timeoutMs ?? defaultTimeout,
      retries: path.retries ?? defaultRetries,
      service: `${split.namespace}/${split.service}`,
    };
  }

  /** Header lines a (path, split) appends, cached per host. */
  function appendedFor(
    path: CompiledPath,
    split: GatewaySplit,
    host: string,
  ): { host: string; names: Set<string>; text: string } {
    let bySplit = appendCache.get(path);
    if (!bySplit) appendCache.set(path, bySplit = new WeakMap());
    let byHost = bySplit.get(split);
    if (!byHost) bySplit.set(split, byHost = new Map());
    let hit = byHost.get(host);
    if (!hit) {
      const fields = new Map<string, [string, string]>();
      const put = (k: string, v: string) => fields.set(k.toLowerCase(), [k.toLowerCase(), v]);
      put("x-forwarded-proto", "http");
      put("x-forwarded-host", path.rewriteHost ?? host);
      for (const [k, v] of Object.entries(path.appendHeaders ?? {})) put(k, v);
      for (const [k, v] of Object.entries(split.appendHeaders ?? {})) put(k, v);
      hit = {
        host: `host: ${path.rewriteHost ?? host}\r\n`,
        names: new Set([...fields.keys(), "x-forwarded-for"]),
        text: [...fields.values()].map(([k, v]) => `${k}: ${v}\r\n`).join(""),
      };
      if (byHost.size >= 64) byHost.clear();
      byHost.set(host, hit);
    }
    return hit;
  }

  function proxyWebSocket(
    req: Request,
    url: URL,
    ep: Endpoint,
    headers: Headers,
  ): Response {
    const protoHeader = req.headers.get("sec-websocket-protocol");
    const protocols = protoHeader ? protoHeader.split(",").map((s) => s.trim()) : undefined;
    const up: Record<string, string> = {};
    for (const [k, v] of headers) {
      if (!k.startsWith("sec-websocket-")) up[k] = v;
    }
    const { socket, response } = Deno.upgradeWebSocket(req, {
      protocol: protocols?.[0],
    });
    const upstream = new WebSocket(
      `ws://${hostPort(ep)}${url.pathname}${url.search}`,
      // Deno accepts headers on the WebSocket constructor.
      { protocols, headers: up } as unknown as string[],
    );
    upstream.binaryType = "arraybuffer";
    socket.binaryType = "arraybuffer";
    sockets.add(socket);
    sockets.add(upstream);
    const pending: (string | ArrayBuffer)[] = [];
    socket.onmessage = (e) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(e.data);
      else pending.push(e.data);
    };
    upstream.onopen = () => {
      for (const m of pending.splice(0)) upstream.send(m);
    };
    upstream.onmessage = (e) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(e.data);
    };
    const closeBoth = (code: number, reason: string) => {
      for (const s of [socket, upstream]) {
        if (s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING) {
          try {
            s.close(code, reason);
          } catch {
            s.close();
          }
        }
      }
    };
    socket.onclose = (e) => {
      sockets.delete(socket);
      closeBoth(e.code === 1005 ? 1000 : e.code, e.reason);
    };
    upstream.onclose = (e) => {
      sockets.delete(upstream);
      closeBoth(e.code === 1005 || e.code === 1006 ? 1000 : e.code, e.reason);
    };
    upstream.onerror = () => closeBoth(1011, "upstream websocket error");
    socket.onerror = () => closeBoth(1011, "client websocket error");
    return response;
  }

  async function proxy(req: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
    const current = table; // the table this request is served from, whatever reloads happen
    const url = new URL(req.url);
    const host = url.host;
    const path = matchRoute(current, host, url.pathname, req.headers);
    if (req.headers.get(PROBE_HEADER) === "probe") {
      if (!path) return text(404, `no route for host ${host}`);
      return new Response(null, {
        status: 200,
        headers: { [HASH_HEADER]: path.hash, [PROBE_INGRESS_HEADER]: path.entryKey },
      });
    }
    if (!path) return text(404, `no route for host ${host}`);
    const split = path.pick();
    if (!split) return text(503, `no backend with traffic for host ${host}`);
    const eps = await endpointsFor(split);
    if (eps instanceof Response) return eps;
    const remote = (info.remoteAddr as Deno.NetAddr).hostname;
    const headers = forwardHeaders(req, path, split, host, remote);

    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      return proxyWebSocket(req, url, eps[rr++ % eps.length], headers);
    }

    const timeoutMs = path.timeoutMs ?? defaultTimeout;
    const retryable = IDEMPOTENT.has(req.method) && req.body === null;
    const attempts = 1 + (retryable ? (path.retries ?? defaultRetries) : 0);
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException("timeout", "TimeoutError")),
      timeoutMs,
    );
    const signal = timeout.signal;
    let lastErr: unknown;
    for (let i = 0; i < attempts; i++) {
      const ep = eps[(rr++) % eps.length];
      try {
        let res: Response;
        if (isH2c(split)) {
          const init: RequestInit & { client?: Deno.HttpClient; duplex?: "half" } = {
            method: req.method,
            headers,
            body: req.body,
            redirect: "manual",
            signal,
            client: h2cClient,
          };
          if (req.body) init.duplex = "half";
          res = await fetch(`http://${hostPort(ep)}${url.pathname}${url.search}`, init);
        } else {
          headers.set("host", path.rewriteHost ?? host);
          res = await http1.request({
            authority: hostPort(ep),
            hostname: ep.ip.replace(/^\[|\]$/g, ""),
            port: ep.port,
            method: req.method,
            target: url.pathname + url.search,
            headers,
            body: req.body,
            signal,
          });
        }
        // The timeout bounds the wait for the response head (as Knative's
        // response-start timeout does); a streaming body then flows freely.
        clearTimeout(timer);
        if (!isH2c(split)) return res; // the HTTP/1.1 client already dropped hop-by-hop headers
        return new Response(res.body, { status: res.status, headers: responseHeaders(res) });
      } catch (e) {
        lastErr = e;
        if (timeout.signal.aborted) {
          clearTimeout(timer);
          return text(504, `upstream request timeout after ${timeoutMs}ms`);
        }
      }
    }
    clearTimeout(timer);
    opts.logger?.warn("proxy failed", { host, error: String(lastErr) });
    return text(
      502,
      `upstream connect error for service ${split.namespace}/${split.service}: ${
        (lastErr as Error)?.message ?? lastErr
      }`,
    );
  }

  // The full server (every feature) on an internal loopback port; the front
  // serves plain HTTP/1.1 itself and splices everything else here.
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen() {},
  }, async (req, info) => {
    inflight++;
    try {
      return await proxy(req, info);
    } catch (e) {
      return text(502, `gateway error: ${(e as Error).message}`);
    } finally {
      inflight--;
    }
  });
  let front: Front;
  try {
    front = startFront({
      hostname,
      port: opts.port ?? 0,
      slowPort: server.addr.port,
      plan,
      onRequest(delta) {
        inflight += delta;
      },
      onProxyError(host, error) {
        opts.logger?.warn("proxy failed", { host, error: String(error) });
      },
    });
  } catch (e) {
    // The public port could not be bound: release what was started.
    void server.shutdown();
    h2cClient.close();
    http1.close();
    throw e;
  }
  const port = front.port;

  return {
    url: `http://${hostname}:${port}`,
    port,
    hostname,
    setTable,
    program(entry) {
      const entries = new Map(table.entries);
      entries.set(entry.key, entry);
      table = compileTable(entries.values());
    },
    forget(key) {
      if (!table.entries.has(key)) return;
      const entries = new Map(table.entries);
      entries.delete(key);
      table = compileTable(entries.values());
    },
    table: () => table,
    inFlight: () => inflight,
    async close() {
      for (const s of sockets) {
        try {
          s.close(1001, "gateway shutting down");
        } catch { /* already closed */ }
      }
      await front.close();
      await server.shutdown();
      h2cClient.close();
      http1.close();
    },
  };
}
