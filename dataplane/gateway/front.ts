/**
 * The gateway's HTTP/1.1 fast path: a raw `Deno.listen` front that proxies
 * plain HTTP/1.1 requests (no body, or a content-length body) to HTTP/1.1
 * upstreams over pooled keep-alive connections, relaying the response bytes
 * (content-length, chunked, or until close) as they arrive. Anything else
 * (h2c prior knowledge, upgrades/websockets, chunked or `Expect` request
 * bodies, HTTP/1.0, absolute-form targets, probes, routes the planner leaves
 * to the full server) is spliced byte for byte, from the request it was seen
 * on, to the full `Deno.serve` gateway on an internal loopback port.
 * @module
 */
import { copyConn, writeAll } from "../../runtime/mod.ts";
import { Reader } from "./http1.ts";
import type { Endpoint } from "./resolver.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Response header names (lower-case) that rule out passing a head through: the hop-by-hop ones. */
const PASS_BLOCKERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
/** Request headers dropped when forwarding (hop-by-hop, and Host, which is set). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([...PASS_BLOCKERS, "host"]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const MAX_HEAD = 64 * 1024;

/** A parsed request head on the fast path. */
export interface FastRequest {
  /** Method. */
  method: string;
  /** Origin-form target (path and query). */
  target: string;
  /** Headers in order, names lower-cased. */
  headers: [string, string][];
  /** The Host header. */
  host: string;
  /** The peer's IP. */
  remote: string;
  /** First value of a header (name lower-case), or null. */
  get(name: string): string | null;
}

/** How the planner wants a fast-path request served. */
export type FastPlan =
  | null // splice the connection to the full server
  | { status: number; message: string } // answer with a plain-text error
  | {
    /** The upstream request head without the request line (ends with CRLF). */
    headers: string;
    /** The next endpoint to try (loopback, HTTP/1.1). */
    next(): Endpoint;
    /** Bound on the wait for the response head, ms. */
    timeoutMs: number;
    /** Extra attempts for idempotent body-less requests that fail to connect. */
    retries: number;
    /** Labels for the 502 message. */
    service: string;
  };

/** Options of {@link startFront}. */
export interface FrontOptions {
  /** Listen address (loopback). */
  hostname: string;
  /** Listen port (0 = any). */
  port: number;
  /** Port of the full `Deno.serve` gateway on 127.0.0.1, for spliced connections. */
  slowPort: number;
  /** Decides how a request is served (synchronously when it can). */
  plan(req: FastRequest): FastPlan | Promise<FastPlan>;
  /** Called when a fast-path request starts and ends (in-flight accounting). */
  onRequest(delta: 1 | -1): void;
  /** Called when every upstream attempt failed. */
  onProxyError?(host: string, error: unknown): void;
}

/** The running front. */
export interface Front {
  /** The bound port. */
  port: number;
  /** Stops accepting, closes idle connections, waits for in-flight fast-path requests. */
  close(): Promise<void>;
}

interface Deadline {
  at: number;
  fire: () => void;
}

/**
 * Many deadlines on one timer, armed for the earliest: a request costs a
 * Set insert and delete instead of a setTimeout/clearTimeout pair.
 */
class Deadlines {
  #pending = new Set<Deadline>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Infinity;

  add(ms: number, fire: () => void): Deadline {
    const d = { at: performance.now() + ms, fire };
    this.#pending.add(d);
    if (d.at < this.#armedAt) this.#arm(d.at);
    return d;
  }

  cancel(d: Deadline): void {
    this.#pending.delete(d);
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = at;
    const id = setTimeout(() => this.#run(), Math.max(0, at - performance.now()));
    Deno.unrefTimer(id);
    this.#timer = id;
  }

  #run(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const d of this.#pending) {
      if (d.at <= now + 1) {
        this.#pending.delete(d);
        d.fire();
      } else if (d.at < next) next = d.at;
    }
    if (next < Infinity) this.#arm(next);
  }

  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
    this.#pending.clear();
  }
}

interface Upstream {
  conn: Deno.Conn;
  reader: Reader;
  /** The endpoint it was dialled for. */
  ep: Endpoint;
  /** Its idle-pool key (`ip|port`). */
  key: string;
}

/** Per client connection state. */
interface ClientState {
  /** A request is being served (close() leaves busy connections alone). */
  busy: boolean;
  /** Scratch for encoding upstream request heads (reused; grown when a head needs more). */
  out: Uint8Array;
  /**
   * The upstream connection this client connection used last, kept out of
   * the shared pool while the client stays connected: the next request to
   * the same endpoint takes it without a pool lookup.
   */
  pin?: Upstream;
}

/** Responses (text includes the final blank line) that may pass through untouched: their content-length, else -1. */
function passThroughLength(text: string): number {
  let length = -1;
  const stop = text.length - 2;
  let i = text.indexOf("\r\n") + 2;
  while (i < stop) {
    const eol = text.indexOf("\r\n", i);
    if (eol < 0) return -1;
    // Only names starting with c, k, p, t or u can matter (lower-cased ASCII).
    const c = text.charCodeAt(i) | 0x20;
    if (c === 0x63 || c === 0x6b || c === 0x70 || c === 0x74 || c === 0x75) {
      const colon = text.indexOf(":", i);
      if (colon < 0 || colon > eol) return -1;
      const name = text.slice(i, colon).toLowerCase();
      if (name === "content-length") {
        if (length >= 0) return -1; // repeated: the rebuilding path decides
        const value = text.slice(colon + 1, eol).trim();
        const n = Number(value);
        if (value === "" || !Number.isSafeInteger(n) || n < 0) return -1;
        length = n;
      } else if (PASS_BLOCKERS.has(name)) return -1;
    }
    i = eol + 2;
  }
  return length;
}

function plain(status: number, message: string, close: boolean): Uint8Array {
  const body = enc.encode(message + "\n");
  return enc.encode(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}\r\n` +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
      (close ? "connection: close\r\n" : "") + "\r\n" + message + "\n",
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function parseRequest(raw: Uint8Array, remote: string): FastRequest | null {
  const text = dec.decode(raw.subarray(0, raw.length - 4));
  // Bytes that are not UTF-8 would not survive re-encoding: the full server takes them.
  if (text.includes("\uFFFD")) return null;
  const lines = text.split("\r\n");
  const first = lines[0];
  const s1 = first.indexOf(" ");
  const s2 = first.lastIndexOf(" ");
  if (s1 <= 0 || s2 <= s1) return null;
  if (first.slice(s2 + 1) !== "HTTP/1.1") return null;
  const target = first.slice(s1 + 1, s2);
  if (target[0] !== "/") return null;
  const headers: [string, string][] = [];
  let host: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    const c = l.indexOf(":");
    if (c <= 0) return null;
    const name = l.slice(0, c).trim().toLowerCase();
    const value = l.slice(c + 1).trim();
    // Left to the full server: upgrades, chunked/expect bodies, probes.
    if (
      name === "upgrade" || name === "transfer-encoding" || name === "expect" ||
      name === "k-network-probe" || name === "http2-settings"
    ) return null;
    if (name === "host") {
      if (host !== null) return null;
      host = value;
    } else if (name === "content-length" && headers.some(([k]) => k === name)) {
      return null; // repeated lengths: the full server decides
    }
    headers.push([name, value]);
  }
  if (!host) return null;
  return {
    method: first.slice(0, s1),
    target,
    headers,
    host,
    remote,
    get(n: string) {
      for (const [k, v] of headers) if (k === n) return v;
      return null;
    },
  };
}

/** Starts the fast-path front. */
export function startFront(opts: FrontOptions): Front {
  const listener = Deno.listen({ hostname: opts.hostname, port: opts.port, transport: "tcp" });
  const idle = new Map<string, Upstream[]>();
  const upstreams = new Set<Deno.Conn>();
  const conns = new Map<Deno.Conn, ClientState>();
  const loops = new Map<Promise<void>, Deno.Conn>();
  const spliced = new Set<Deno.Conn>();
  let closing = false;
  const deadlines = new Deadlines();

  const destroy = (u: Upstream) => {
    upstreams.delete(u.conn);
    try {
      u.conn.close();
    } catch { /* already closed */ }
  };
  const release = (u: Upstream) => {
    if (closing || u.reader.buffered > 0) return destroy(u);
    const list = idle.get(u.key);
    if (!list) idle.set(u.key, [u]);
    else if (list.length < 256) list.push(u);
    else destroy(u);
  };
  /** Keeps a clean upstream pinned to the client connection (the previous pin goes to the pool). */
  const keep = (state: ClientState, u: Upstream) => {
    if (closing || u.reader.buffered > 0) return destroy(u);
    if (state.pin && state.pin !== u) release(state.pin);
    state.pin = u;
  };
  const connect = async (ep: Endpoint, key: string): Promise<Upstream> => {
    const conn = await Deno.connect({ hostname: ep.ip.replace(/^\[|\]$/g, ""), port: ep.port });
    conn.setNoDelay(true);
    upstreams.add(conn);
    return { conn, reader: new Reader(conn), ep, key };
  };
  /** An idle upstream for `ep`: the client connection's pinned one, else one from the pool. */
  const take = (state: ClientState, ep: Endpoint, key: string): Upstream | undefined => {
    const pin = state.pin;
    if (pin && (pin.ep === ep || pin.key === key)) {
      state.pin = undefined;
      return pin;
    }
    return idle.get(key)?.pop();
  };

  async function splice(conn: Deno.TcpConn, reader: Reader, head: Uint8Array): Promise<void> {
    spliced.add(conn);
    let inner: Deno.TcpConn;
    try {
      inner = await Deno.connect({ hostname: "127.0.0.1", port: opts.slowPort });
      inner.setNoDelay(true);
    } catch {
      conn.close();
      return;
    }
    const pump = async (from: Deno.Conn, to: Deno.Conn, first?: Uint8Array) => {
      try {
        if (first && first.length) await writeAll(to, first);
        await copyConn(from, to);
      } catch {
        /* either side went away */
        await to.closeWrite().catch(() => {});
      }
    };
    const up = pump(conn, inner, concat(head, reader.rest()));
    // The full server's side decides the end (it closes idle connections on shutdown).
    await pump(inner, conn);
    for (const c of [inner, conn]) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await up;
    spliced.delete(conn);
  }

  /** Relays a response body according to its framing; true when the upstream is reusable. */
  async function relayBody(
    conn: Deno.Conn,
    up: Reader,
    head: Uint8Array,
    framing: "none" | "length" | "chunked" | "close",
    length: number,
  ): Promise<boolean> {
    if (framing === "none") {
      await writeAll(conn, head);
      return true;
    }
    if (framing === "length") {
      // The head goes out with the first part of the body, in one write.
      let left = length;
      let first = head;
      while (left > 0) {
        const chunk = await up.take(left);
        if (chunk === null) throw new Error("upstream closed mid-body");
        left -= chunk.length;
        await writeAll(conn, first.length ? concat(first, chunk) : chunk);
        first = EMPTY;
      }
      if (first.length) await writeAll(conn, first);
      return true;
    }
    await writeAll(conn, head);
    if (framing === "close") {
      while (true) {
        const chunk = await up.take(64 * 1024);
        if (chunk === null) return false;
        await writeAll(conn, chunk);
      }
    }
    while (true) {
      const sizeLine = await up.line();
      if (sizeLine === null) throw new Error("upstream closed mid-body");
      const size = parseInt(sizeLine.split(";")[0].trim(), 16);
      if (Number.isNaN(size)) throw new Error("malformed chunk size from upstream");
      if (size === 0) {
        let trailers = "0\r\n";
        while (true) {
          const l = await up.line();
          if (l === null) throw new Error("upstream closed mid-body");
          trailers += l + "\r\n";
          if (l === "") break;
        }
        await writeAll(conn, enc.encode(trailers));
        return true;
      }
      let left = size;
      let out: Uint8Array = enc.encode(sizeLine + "\r\n");
      while (left > 0) {
        const chunk = await up.take(left);
        if (chunk === null) throw new Error("upstream closed mid-body");
        left -= chunk.length;
        out = concat(out, chunk);
        if (out.length >= 64 * 1024 && left > 0) {
          await writeAll(conn, out);
          out = EMPTY;
        }
      }
      if ((await up.line()) !== "") throw new Error("malformed chunk from upstream");
      await writeAll(conn, concat(out, CRLF));
    }
  }

  /**
   * Encodes the upstream request head into the connection's scratch buffer,
   * followed by the whole body when it is small and already buffered (one
   * write for both); returns the bytes to write and whether the body is in.
   */
  function encodeRequest(
    state: ClientState,
    reader: Reader,
    head: string,
    bodyLen: number,
  ): { bytes: Uint8Array; withBody: boolean } {
    let r = enc.encodeInto(head, state.out);
    if (r.read < head.length) {
      state.out = new Uint8Array(head.length * 3 + 1024);
      r = enc.encodeInto(head, state.out);
    }
    let len = r.written;
    const withBody = bodyLen > 0 && bodyLen <= reader.buffered && len + bodyLen <= state.out.length;
    if (withBody) {
      state.out.set(reader.takeBuffered(bodyLen), len);
      len += bodyLen;
    }
    return { bytes: state.out.subarray(0, len), withBody };
  }

  /** Serves one fast-path request; false when the client connection must close. */
  async function proxy(
    conn: Deno.Conn,
    state: ClientState,
    reader: Reader,
    req: FastRequest,
    plan: Exclude<FastPlan, null | { status: number }>,
  ): Promise<boolean> {
    const cl = req.get("content-length");
    const bodyLen = cl === null ? 0 : Number(cl);
    if (!Number.isSafeInteger(bodyLen) || bodyLen < 0) {
      await writeAll(conn, plain(400, "malformed content-length", true));
      return false;
    }
    const clientClose = (req.get("connection") ?? "").toLowerCase().includes("close");
    const retryable = bodyLen === 0 && IDEMPOTENT.has(req.method);
    const attempts = 1 + (retryable ? plan.retries : 0);
    const reqHead = `${req.method} ${req.target} HTTP/1.1\r\n${plan.headers}\r\n`;
    // Whether the request body has been consumed from the client (the
    // client connection stays in step only then).
    let bodySent = bodyLen === 0;
    let current: Upstream | undefined;
    let timedOut = false;
    const timer = deadlines.add(plan.timeoutMs, () => {
      timedOut = true;
      if (current) destroy(current);
    });
    let lastErr: unknown;
    try {
      for (let i = 0; i < attempts && !timedOut; i++) {
        const ep = plan.next();
        const key = `${ep.ip}|${ep.port}`;
        let fresh = false;
        let up = take(state, ep, key);
        for (let tries = 0; tries < 2 && !timedOut; tries++) {
          if (!up) {
            try {
              up = await connect(ep, key);
              fresh = true;
              if (timedOut) {
                destroy(up);
                break;
              }
            } catch (e) {
              lastErr = e;
              break;
            }
          }
          current = up;
          let raw: Uint8Array | null = null;
          let text = "";
          try {
            const { bytes, withBody } = encodeRequest(state, reader, reqHead, bodyLen);
            if (withBody) bodySent = true;
            const n = await up.conn.write(bytes);
            if (n < bytes.length) await writeAll(up.conn, bytes.subarray(n));
            if (!bodySent) {
              let left = bodyLen;
              while (left > 0) {
                const chunk = await reader.take(left);
                if (chunk === null) throw new Error("client closed mid-body");
                left -= chunk.length;
                await writeAll(up.conn, chunk);
              }
              bodySent = true;
            }
            do {
              raw = await up.reader.headRaw(MAX_HEAD);
              if (raw === null) break;
              text = dec.decode(raw);
            } while (text.charCodeAt(9) === 0x31 && !text.startsWith("HTTP/1.1 101"));
          } catch (e) {
            lastErr = e;
            raw = null;
          }
          if (raw === null) {
            destroy(up);
            current = undefined;
            up = undefined;
            lastErr ??= new Error("connection closed before a response");
            // A reused connection the upstream had closed: one more try on a
            // new connection, when nothing of the body was consumed.
            if (!fresh && bodyLen === 0) continue;
            break;
          }
          deadlines.cancel(timer);
          current = undefined;
          return await respond(conn, state, up, req, raw, text, clientClose);
        }
        if (!bodySent) break;
      }
      deadlines.cancel(timer);
      if (timedOut) {
        await writeAll(
          conn,
          plain(504, `upstream request timeout after ${plan.timeoutMs}ms`, !bodySent),
        );
        return bodySent && !clientClose;
      }
      opts.onProxyError?.(req.host, lastErr);
      await writeAll(
        conn,
        plain(
          502,
          `upstream connect error for service ${plan.service}: ${
            (lastErr as Error)?.message ?? lastErr
          }`,
          !bodySent || clientClose,
        ),
      );
      return bodySent && !clientClose;
    } finally {
      deadlines.cancel(timer);
    }
  }

  async function respond(
    conn: Deno.Conn,
    state: ClientState,
    up: Upstream,
    req: FastRequest,
    raw: Uint8Array,
    text: string,
    clientClose: boolean,
  ): Promise<boolean> {
    const status = Number(text.slice(9, 12));
    // The common case passes the upstream head through untouched: HTTP/1.1,
    // a content-length body, and no header the proxy must drop or change.
    if (
      !clientClose && req.method !== "HEAD" && text.startsWith("HTTP/1.1 ") && status >= 200 &&
      status < 600 && status !== 204 && status !== 304
    ) {
      const length = passThroughLength(text);
      if (length >= 0) {
        if (up.reader.buffered >= length) {
          // Head and body sit side by side in the upstream's read buffer:
          // one write of that span, no copy.
          const whole = new Uint8Array(raw.buffer, raw.byteOffset, raw.length + length);
          up.reader.skip(length);
          try {
            const n = await conn.write(whole);
            if (n < whole.length) await writeAll(conn, whole.subarray(n));
          } catch {
            keep(state, up); // the response was consumed whole: the upstream is clean
            return false;
          }
          keep(state, up);
          return true;
        }
        try {
          // `raw` is a view that a refill would overwrite.
          await relayBody(conn, up.reader, raw.slice(), "length", length);
        } catch {
          destroy(up);
          return false;
        }
        keep(state, up);
        return true;
      }
    }
    const lines = text.slice(0, -4).split("\r\n");
    const statusLine = lines[0];
    if (!statusLine.startsWith("HTTP/1.") || !(status >= 100 && status < 600)) {
      destroy(up);
      await writeAll(conn, plain(502, "malformed status line from upstream", true));
      return false;
    }
    let head = `HTTP/1.1 ${statusLine.slice(9)}\r\n`;
    let length = -1;
    let chunked = false;
    let upClose = statusLine.startsWith("HTTP/1.0");
    let drop: string[] | undefined;
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i];
      const c = l.indexOf(":");
      if (c <= 0) continue;
      const name = l.slice(0, c).trim().toLowerCase();
      if (name === "connection") {
        const v = l.slice(c + 1).toLowerCase();
        if (v.includes("close")) upClose = true;
        if (v.includes("keep-alive")) upClose = false;
        drop = v.split(",").map((t) => t.trim());
        continue;
      }
      if (name === "transfer-encoding") {
        chunked = l.slice(c + 1).toLowerCase().includes("chunked");
        continue;
      }
      if (name === "content-length") length = Number(l.slice(c + 1).trim());
      if (name !== "content-length" && HOP_BY_HOP.has(name)) continue;
      if (drop?.includes(name)) continue;
      head += l + "\r\n";
    }
    const noBody = req.method === "HEAD" || status === 204 || status === 304 ||
      (status >= 100 && status < 200);
    const framing = noBody ? "none" : chunked ? "chunked" : length >= 0 ? "length" : "close";
    if (framing === "chunked") head += "transfer-encoding: chunked\r\n";
    const closeAfter = clientClose || framing === "close";
    if (closeAfter) head += "connection: close\r\n";
    head += "\r\n";
    let reusable = false;
    try {
      reusable = await relayBody(conn, up.reader, enc.encode(head), framing, length);
    } catch {
      destroy(up);
      return false;
    }
    if (reusable && !upClose) keep(state, up);
    else destroy(up);
    return !closeAfter;
  }

  async function serve(conn: Deno.TcpConn): Promise<void> {
    const state: ClientState = { busy: false, out: new Uint8Array(4096) };
    conns.set(conn, state);
    const remote = (conn.remoteAddr as Deno.NetAddr).hostname;
    const reader = new Reader(conn);
    try {
      conn.setNoDelay(true);
      while (!closing) {
        let raw: Uint8Array | null;
        try {
          raw = await reader.headRaw(MAX_HEAD);
        } catch {
          raw = null;
        }
        if (raw === null) break;
        state.busy = true;
        const req = parseRequest(raw, remote);
        if (req === null || closing) {
          conns.delete(conn);
          return await splice(conn, reader, raw.slice());
        }
        opts.onRequest(1);
        let keepOpen: boolean;
        try {
          const planned = opts.plan(req);
          const plan = planned instanceof Promise ? await planned : planned;
          if (plan === null) {
            conns.delete(conn);
            // Nothing read the client connection while planning: `raw` is intact.
            return await splice(conn, reader, raw.slice());
          }
          if ("status" in plan) {
            const close = (req.get("content-length") ?? "0") !== "0" ||
              (req.get("connection") ?? "").toLowerCase().includes("close");
            await writeAll(conn, plain(plan.status, plan.message, close));
            keepOpen = !close;
          } else {
            keepOpen = await proxy(conn, state, reader, req, plan);
          }
        } catch {
          keepOpen = false;
        } finally {
          opts.onRequest(-1);
        }
        state.busy = false;
        if (!keepOpen) break;
      }
    } finally {
      conns.delete(conn);
      if (state.pin) {
        release(state.pin);
        state.pin = undefined;
      }
      try {
        conn.close();
      } catch { /* closed */ }
    }
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      const p = serve(conn).catch(() => {});
      loops.set(p, conn);
      p.finally(() => loops.delete(p));
    }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      closing = true;
      try {
        listener.close();
      } catch { /* closed */ }
      await accepting;
      for (const [conn, s] of conns) {
        if (!s.busy) {
          try {
            conn.close();
          } catch { /* closed */ }
        }
      }
      // Spliced connections end when the full server shuts down.
      await Promise.allSettled([...loops].filter(([, c]) => !spliced.has(c)).map(([p]) => p));
      for (const c of upstreams) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      upstreams.clear();
      idle.clear();
      deadlines.close();
    },
  };
}

const CRLF = new Uint8Array([13, 10]);
const EMPTY = new Uint8Array(0);
