/**
 * A small keep-alive HTTP/1.1 client over `Deno.connect`, used by the local
 * gateway for upstream requests. Unlike `fetch` it forwards the caller's Host
 * header and costs far less per request. Request bodies are streamed
 * (content-length or chunked); response bodies are streamed back
 * (content-length, chunked, or until close).
 * @module
 */
import { writeAll } from "../../runtime/mod.ts";

const CRLF = new Uint8Array([13, 10]);
const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A buffered reader over a connection (message heads, lines, byte runs).
 * It reads into one reusable buffer, moving unconsumed bytes to its start
 * when it runs out of room (and growing it only when a single message head
 * or line needs more), so steady keep-alive traffic allocates nothing.
 */
export class Reader {
  #store = new Uint8Array(16 * 1024);
  #start = 0;
  #end = 0;
  /** Wraps `conn`. */
  constructor(readonly conn: Deno.Conn) {}

  /** Reads once more into the buffer; false at EOF. Views handed out earlier become invalid. */
  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    } else if (this.#store.length - this.#end < 4096) {
      const pending = this.#end - this.#start;
      if (pending > this.#store.length / 2) {
        const next = new Uint8Array(this.#store.length * 2);
        next.set(this.#store.subarray(this.#start, this.#end));
        this.#store = next;
      } else {
        this.#store.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = pending;
    }
    const n = await this.conn.read(this.#store.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** Reads up to and including the next CRLF; null at EOF before one. */
  async line(): Promise<string | null> {
    let from = this.#start;
    while (true) {
      const b = this.#store;
      for (let i = from; i + 1 < this.#end; i++) {
        if (b[i] === 13 && b[i + 1] === 10) {
          const s = dec.decode(b.subarray(this.#start, i));
          this.#start = i + 2;
          return s;
        }
      }
      const rel = Math.max(0, this.#end - 1 - this.#start);
      if (!(await this.#fill())) return null;
      from = this.#start + rel;
    }
  }

  /** Reads a whole message head (through the blank line) as lines; null at EOF before one. */
  async head(): Promise<string[] | null> {
    const raw = await this.headRaw();
    return raw === null ? null : dec.decode(raw.subarray(0, raw.length - 4)).split("\r\n");
  }

  /**
   * The end (exclusive offset into the buffer) of a message head that is
   * already buffered, or -1; scanning starts at `from` (an earlier miss).
   */
  #headEnd(from: number): number {
    const b = this.#store;
    const end = this.#end;
    let i = Math.max(from, this.#start);
    while (i + 3 < end) {
      const x = b[i + 3];
      // A byte that is neither CR nor LF at i+3 rules out a match starting at i..i+3.
      if (x !== 10 && x !== 13) i += 4;
      else if (x === 10 && b[i + 2] === 13 && b[i + 1] === 10 && b[i] === 13) return i + 4;
      else i++;
    }
    return -1;
  }

  /**
   * Reads a whole message head including its blank line as bytes (a view,
   * valid until the next read); null at EOF before one or past `max` bytes.
   */
  async headRaw(max = Infinity): Promise<Uint8Array | null> {
    let at = this.#headEnd(this.#start);
    while (at < 0) {
      if (this.#end - this.#start > max) return null;
      const rel = Math.max(0, this.#end - 3 - this.#start);
      if (!(await this.#fill())) return null;
      at = this.#headEnd(this.#start + rel);
    }
    const s = this.#store.subarray(this.#start, at);
    this.#start = at;
    return s;
  }

  /** Reads up to `max` bytes that are available (filling once if empty); null at EOF. A copy. */
  async some(max: number): Promise<Uint8Array | null> {
    const view = await this.take(max);
    return view === null ? null : view.slice();
  }

  /**
   * Like {@link some}, but a view into the buffer, valid until the next
   * read: for callers that write it out before reading again.
   */
  async take(max: number): Promise<Uint8Array | null> {
    if (this.#start >= this.#end && !(await this.#fill())) return null;
    return this.takeBuffered(max);
  }

  /** Up to `max` already-buffered bytes as a view (valid until the next read), without reading. */
  takeBuffered(max: number): Uint8Array {
    const end = Math.min(this.#end, this.#start + max);
    const out = this.#store.subarray(this.#start, end);
    this.#start = end;
    return out;
  }

  /** Consumes `n` bytes, at most what is buffered. */
  skip(n: number): void {
    this.#start = Math.min(this.#end, this.#start + n);
  }

  /** Takes every buffered, unconsumed byte (a copy; possibly empty). */
  rest(): Uint8Array {
    const out = this.#store.slice(this.#start, this.#end);
    this.#start = this.#end;
    return out;
  }

  /** Bytes buffered beyond what was consumed. */
  get buffered(): number {
    return this.#end - this.#start;
  }
}

interface PooledConn {
  conn: Deno.Conn;
  reader: Reader;
}

/** Thrown when the upstream closed a reused connection before answering. */
class StaleConnection extends Error {}

/** Options of {@link Http1Client.request}. */
export interface Http1Request {
  /** `ip:port` (IPv6 in brackets). */
  authority: string;
  /** IP to dial. */
  hostname: string;
  /** Port to dial. */
  port: number;
  /** Method. */
  method: string;
  /** Path and query. */
  target: string;
  /** Headers to send (must include `host`; hop-by-hop ones already removed). */
  headers: Headers;
  /** Streaming body, if any. */
  body: ReadableStream<Uint8Array> | null;
  /** Aborts the exchange (closes the connection). */
  signal?: AbortSignal;
}

/** A pool of keep-alive upstream connections. */
export class Http1Client {
  #idle = new Map<string, PooledConn[]>();
  #open = new Set<Deno.Conn>();
  #maxIdle: number;

  /** Creates a client keeping at most `maxIdlePerHost` idle connections per upstream. */
  constructor(opts: { maxIdlePerHost?: number } = {}) {
    this.#maxIdle = opts.maxIdlePerHost ?? 64;
  }

  async #connect(hostname: string, port: number): Promise<PooledConn> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    this.#open.add(conn);
    return { conn, reader: new Reader(conn) };
  }

  #release(key: string, pc: PooledConn): void {
    const list = this.#idle.get(key) ?? [];
    if (list.length >= this.#maxIdle || pc.reader.buffered > 0) return this.#destroy(pc);
    list.push(pc);
    this.#idle.set(key, list);
  }

  #destroy(pc: PooledConn): void {
    this.#open.delete(pc.conn);
    try {
      pc.conn.close();
    } catch { /* already closed */ }
  }

  /** Sends a request; resolves with the response head and a streaming body. */
  async request(req: Http1Request): Promise<Response> {
    const key = `${req.hostname}|${req.port}`;
    const idle = this.#idle.get(key);
    const reused = idle?.pop();
    if (reused) {
      try {
        return await this.#exchange(key, reused, req);
      } catch (e) {
        // A reused connection the upstream already closed: retry once on a
        // new one when nothing of the request body was consumed.
        if (!(e instanceof StaleConnection) || req.body || req.signal?.aborted) throw e;
      }
    }
    return await this.#exchange(key, await this.#connect(req.hostname, req.port), req);
  }

  async #exchange(key: string, pc: PooledConn, req: Http1Request): Promise<Response> {
    if (req.signal?.aborted) {
      this.#destroy(pc);
      throw req.signal.reason;
    }
    const onAbort = () => this.#destroy(pc);
    req.signal?.addEventListener("abort", onAbort, { once: true });
    const detach = () => req.signal?.removeEventListener("abort", onAbort);
    try {
      const chunked = req.body !== null && !req.headers.has("content-length");
      let head = `${req.method} ${req.target} HTTP/1.1\r\n`;
      for (const [k, v] of req.headers) head += `${k}: ${v}\r\n`;
      if (chunked) head += "transfer-encoding: chunked\r\n";
      head += "\r\n";
      try {
        await writeAll(pc.conn, enc.encode(head));
      } catch (e) {
        throw new StaleConnection(String(e));
      }
      if (req.body) await this.#writeBody(pc.conn, req.body, chunked);

      let status = 0;
      let reason = "";
      let headers = new Headers();
      do {
        const lines = await pc.reader.head().catch(() => null);
        if (lines === null) throw new StaleConnection("connection closed before a response");
        const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
        if (!m) throw new Error(`malformed status line from upstream: ${lines[0].slice(0, 80)}`);
        status = Number(m[1]);
        reason = m[2] ?? "";
        headers = new Headers();
        for (let j = 1; j < lines.length; j++) {
          const l = lines[j];
          const i = l.indexOf(":");
          if (i > 0) headers.append(l.slice(0, i).trim(), l.slice(i + 1).trim());
        }
      } while (status >= 100 && status < 200 && status !== 101);
      void reason;

      const keepAlive = !(headers.get("connection") ?? "").toLowerCase().includes("close");
      const noBody = req.method === "HEAD" || status === 204 || status === 304;
      const te = (headers.get("transfer-encoding") ?? "").toLowerCase();
      const cl = headers.get("content-length");
      headers.delete("transfer-encoding");
      headers.delete("connection");
      headers.delete("keep-alive");
      if (noBody || cl === "0") {
        detach();
        if (keepAlive) this.#release(key, pc);
        else this.#destroy(pc);
        return new Response(null, { status, headers });
      }
      // Small bodies of known length are read whole: a byte body is much
      // cheaper for Deno.serve to send than a JS stream, and keeps the length.
      if (cl !== null && Number(cl) <= SMALL_BODY) {
        const bytes = await readExact(pc.reader, Number(cl));
        detach();
        if (keepAlive) this.#release(key, pc);
        else this.#destroy(pc);
        return new Response(bytes, { status, headers });
      }
      const done = (reusable: boolean) => {
        detach();
        if (reusable && keepAlive) this.#release(key, pc);
        else this.#destroy(pc);
      };
      const body = te.includes("chunked")
        ? chunkedBody(pc.reader, done)
        : cl !== null
        ? lengthBody(pc.reader, Number(cl), done)
        : untilCloseBody(pc.reader, done);
      return new Response(body, { status, headers });
    } catch (e) {
      detach();
      this.#destroy(pc);
      throw e;
    }
  }

  async #writeBody(conn: Deno.Conn, body: ReadableStream<Uint8Array>, chunked: boolean) {
    for await (const chunk of body) {
      if (chunk.length === 0) continue;
      if (chunked) {
        await writeAll(conn, enc.encode(chunk.length.toString(16)));
        await writeAll(conn, CRLF);
        await writeAll(conn, chunk);
        await writeAll(conn, CRLF);
      } else {
        await writeAll(conn, chunk);
      }
    }
    if (chunked) await writeAll(conn, enc.encode("0\r\n\r\n"));
  }

  /** Closes every pooled and in-use connection. */
  close(): void {
    for (const c of this.#open) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    this.#open.clear();
    this.#idle.clear();
  }
}

/** Bodies up to this size (with a content-length) are buffered instead of streamed. */
export const SMALL_BODY = 64 * 1024;

async function readExact(reader: Reader, n: number): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const chunk = await reader.take(n - off);
    if (chunk === null) throw new Error("upstream closed mid-body");
    out.set(chunk, off);
    off += chunk.length;
  }
  return out;
}

type BodyController = ReadableStreamDefaultController<Uint8Array>;

/**
 * A response body read from upstream by `step`, one pull at a time. `done`
 * is called once: by `step` (reusable when the body ended cleanly), or with
 * false when `step` throws (`failed` then ends the stream; by default it
 * errors it) or the stream is cancelled.
 */
function pulledBody(
  done: (reusable: boolean) => void,
  step: (c: BodyController, finish: (reusable: boolean) => void) => Promise<void>,
  failed: (c: BodyController, e: unknown) => void = (c, e) => c.error(e),
): ReadableStream<Uint8Array> {
  let finished = false;
  const finish = (reusable: boolean) => {
    if (!finished) {
      finished = true;
      done(reusable);
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        await step(c, finish);
      } catch (e) {
        failed(c, e);
        finish(false);
      }
    },
    cancel() {
      finish(false);
    },
  }, { highWaterMark: 0 });
}

function lengthBody(
  reader: Reader,
  length: number,
  done: (reusable: boolean) => void,
): ReadableStream<Uint8Array> {
  let left = length;
  return pulledBody(done, async (c, finish) => {
    const chunk = await reader.some(left);
    if (chunk === null) throw new Error("upstream closed mid-body");
    left -= chunk.length;
    c.enqueue(chunk);
    if (left === 0) {
      c.close();
      finish(true);
    }
  });
}

function untilCloseBody(
  reader: Reader,
  done: (reusable: boolean) => void,
): ReadableStream<Uint8Array> {
  return pulledBody(done, async (c, finish) => {
    const chunk = await reader.some(64 * 1024);
    if (chunk === null) {
      c.close();
      finish(false);
    } else c.enqueue(chunk);
  }, (c) => c.close());
}

function chunkedBody(
  reader: Reader,
  done: (reusable: boolean) => void,
): ReadableStream<Uint8Array> {
  let left = 0; // bytes left in the current chunk
  return pulledBody(done, async (c, finish) => {
    if (left === 0) {
      const sizeLine = await reader.line();
      if (sizeLine === null) throw new Error("upstream closed mid-body");
      left = parseInt(sizeLine.split(";")[0].trim(), 16);
      if (Number.isNaN(left)) throw new Error("malformed chunk size from upstream");
      if (left === 0) {
        // Trailers end with an empty line.
        while (true) {
          const l = await reader.line();
          if (l === null || l === "") break;
        }
        c.close();
        finish(true);
        return;
      }
    }
    const chunk = await reader.some(left);
    if (chunk === null) throw new Error("upstream closed mid-body");
    left -= chunk.length;
    if (left === 0 && (await reader.line()) === null) {
      throw new Error("upstream closed mid-body");
    }
    c.enqueue(chunk);
  });
}
