/**
 * Serving an {@link ApiServer} from a Worker thread, so a process that runs
 * the API server and its clients (the local plane) uses a second core. The
 * Worker side ({@link serveApiServerInWorker}) answers requests posted to it
 * through the server's in-process handler; the caller's side
 * ({@link connectApiServerWorker}) is an `ApiServer` whose `fetch` posts the
 * request and streams the response back (watches included: cancelling the
 * body cancels the watch in the Worker). The listener (kubectl, HTTPS) runs
 * in the Worker too.
 * @module
 */
import type { ApiServer } from "./server.ts";

/** A request posted to the Worker. */
export type ThreadRequest =
  | {
    op: "fetch";
    id: number;
    method: string;
    url: string;
    headers: [string, string][];
    body?: ArrayBuffer;
  }
  | { op: "cancel"; id: number }
  | { op: "pause"; id: number }
  | { op: "resume"; id: number }
  | { op: "kubeconfig"; id: number; path: string }
  | { op: "close"; id: number };

/** A message from the Worker. */
export type ThreadReply =
  | { op: "ready"; url: string; token: string; caCert?: string }
  | { op: "failed"; message: string }
  | { op: "head"; id: number; status: number; headers: [string, string][] }
  | { op: "chunk"; id: number; data: Uint8Array }
  | { op: "end"; id: number; error?: string }
  | { op: "done"; id: number; error?: string };

/** The messaging surface both sides use (a Worker, or the Worker's global scope). */
export interface MessagePort {
  /** Posts a message. */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Receives messages. */
  addEventListener(type: "message", listener: (e: MessageEvent) => void): void;
}

/**
 * Worker side: reports the started server (`ready`) and serves requests
 * posted by {@link connectApiServerWorker} until `close`.
 */
export function serveApiServerInWorker(port: MessagePort, api: ApiServer): void {
  const bodies = new Map<number, ReadableStreamDefaultReader<Uint8Array>>();
  /** Requests cancelled before their response existed. */
  const cancelled = new Set<number>();
  /** Bodies the reader asked to pause (its queue is full), with the waiter to release. */
  const paused = new Map<number, (() => void) | undefined>();
  const release = (id: number) => {
    const wake = paused.get(id);
    paused.delete(id);
    wake?.();
  };
  const post = (m: ThreadReply, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const serve = async (m: Extract<ThreadRequest, { op: "fetch" }>) => {
    let res: Response;
    try {
      res = await api.fetch(
        new Request(m.url, { method: m.method, headers: m.headers, body: m.body }),
      );
    } catch (e) {
      cancelled.delete(m.id);
      post({ op: "head", id: m.id, status: 500, headers: [] });
      post({ op: "end", id: m.id, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (cancelled.delete(m.id)) {
      await res.body?.cancel().catch(() => {});
      return;
    }
    post({ op: "head", id: m.id, status: res.status, headers: [...res.headers] });
    if (!res.body) return post({ op: "end", id: m.id });
    const reader = res.body.getReader();
    bodies.set(m.id, reader);
    try {
      let sinceYield = 0;
      for (;;) {
        // Let a pause request in after each high-water mark's worth of bytes: a body already in
        // memory reads as one unbroken chain of microtasks, in which no message is delivered.
        if (sinceYield >= THREAD_BODY_HIGH_WATER) {
          sinceYield = 0;
          await new Promise((r) => setTimeout(r, 0));
        }
        if (paused.has(m.id)) await new Promise<void>((r) => paused.set(m.id, r));
        const { done, value } = await reader.read();
        if (done) break;
        sinceYield += value.byteLength;
        // An exact copy, transferred: the server may enqueue one buffer into every watch of a
        // type (transferring that would empty it for the others), and cloning a view would
        // copy its whole backing buffer.
        const data = value.slice();
        post({ op: "chunk", id: m.id, data }, [data.buffer]);
      }
      post({ op: "end", id: m.id });
    } catch (e) {
      void reader.cancel().catch(() => {});
      post({ op: "end", id: m.id, error: e instanceof Error ? e.message : String(e) });
    } finally {
      bodies.delete(m.id);
      paused.delete(m.id);
    }
  };
  port.addEventListener("message", (e: MessageEvent) => {
    const m = e.data as ThreadRequest;
    if (m.op === "fetch") void serve(m);
    else if (m.op === "cancel") {
      const r = bodies.get(m.id);
      release(m.id);
      if (r) void r.cancel().catch(() => {});
      else cancelled.add(m.id);
    } else if (m.op === "pause") {
      if (bodies.has(m.id) && !paused.has(m.id)) paused.set(m.id, undefined);
    } else if (m.op === "resume") release(m.id);
    else if (m.op === "kubeconfig") {
      api.writeKubeconfig(m.path).then(
        () => post({ op: "done", id: m.id }),
        (err) => post({ op: "done", id: m.id, error: String(err?.message ?? err) }),
      );
    } else if (m.op === "close") {
      for (const id of [...paused.keys()]) release(id);
      for (const r of bodies.values()) void r.cancel().catch(() => {});
      api.close().then(
        () => post({ op: "done", id: m.id }),
        (err) => post({ op: "done", id: m.id, error: String(err?.message ?? err) }),
      );
    }
  });
  post({ op: "ready", url: api.url, token: api.token, caCert: api.caCert });
}

interface Pending {
  head: (r: Response) => void;
  fail: (e: Error) => void;
  controller?: ReadableStreamDefaultController<Uint8Array>;
  /** True after asking the Worker to pause this body. */
  paused?: boolean;
}

/**
 * Bytes a response body may queue on the caller's side before the Worker is
 * asked to pause it (flow control, as a socket's window would give).
 */
export const THREAD_BODY_HIGH_WATER = 1 << 20;

/** Options of {@link connectApiServerWorker}. */
export interface ConnectOptions {
  /** Called once if the Worker dies after it was ready (every request in flight fails). */
  onFailed?: (error: Error) => void;
  /** How long to wait for the Worker's `ready` (default 30 s). */
  startTimeoutMs?: number;
}

/**
 * Caller side: waits for the Worker's `ready` and returns an `ApiServer`
 * backed by it. `close()` stops the server and terminates the Worker. If the
 * Worker dies, every request and stream in flight fails, later requests fail
 * at once, and `onFailed` is called.
 */
export function connectApiServerWorker(
  worker: Worker,
  opts: ConnectOptions = {},
): Promise<ApiServer> {
  return new Promise<ApiServer>((resolve, reject) => {
    let next = 1;
    let ready = false;
    let dead: Error | undefined;
    let closing: Promise<void> | undefined;
    const pending = new Map<number, Pending>();
    const calls = new Map<number, { ok: () => void; fail: (e: Error) => void }>();
    const post = (m: ThreadRequest, transfer: Transferable[] = []) =>
      worker.postMessage(m, transfer);
    const call = (m: ThreadRequest & { id: number }) =>
      new Promise<void>((ok, fail) => {
        if (dead) return fail(dead);
        calls.set(m.id, { ok, fail });
        post(m);
      });
    /** Fails everything in flight and marks the server gone. */
    const die = (err: Error) => {
      if (dead) return;
      dead = err;
      for (const p of pending.values()) {
        if (p.controller) {
          try {
            p.controller.error(err);
          } catch { /* already closed */ }
        } else p.fail(err);
      }
      pending.clear();
      for (const c of calls.values()) c.fail(err);
      calls.clear();
      worker.terminate();
    };
    const timer = setTimeout(() => {
      const err = new Error(
        `API server worker did not start within ${(opts.startTimeoutMs ?? 30_000) / 1000}s`,
      );
      die(err);
      reject(err);
    }, opts.startTimeoutMs ?? 30_000);
    worker.addEventListener("error", (e) => {
      e.preventDefault();
      const err = new Error(`API server worker failed: ${e.message}`);
      const wasReady = ready;
      die(err);
      clearTimeout(timer);
      if (!wasReady) reject(err);
      else if (!closing) opts.onFailed?.(err);
    });
    worker.addEventListener("message", (e: MessageEvent) => {
      const m = e.data as ThreadReply;
      switch (m.op) {
        case "ready":
          ready = true;
          clearTimeout(timer);
          resolve(handle(m));
          return;
        case "failed":
          clearTimeout(timer);
          die(new Error(m.message));
          reject(new Error(m.message));
          return;
        case "head": {
          const p = pending.get(m.id);
          if (!p) return;
          const body = new ReadableStream<Uint8Array>({
            start: (c) => void (p.controller = c),
            pull: () => {
              if (p.paused && !dead) {
                p.paused = false;
                post({ op: "resume", id: m.id });
              }
            },
            cancel: () => {
              pending.delete(m.id);
              if (!dead) post({ op: "cancel", id: m.id });
            },
          }, new ByteLengthQueuingStrategy({ highWaterMark: THREAD_BODY_HIGH_WATER }));
          try {
            const nullBody = m.status === 204 || m.status === 205 || m.status === 304;
            p.head(new Response(nullBody ? null : body, { status: m.status, headers: m.headers }));
          } catch (err) {
            pending.delete(m.id);
            post({ op: "cancel", id: m.id });
            p.fail(err instanceof Error ? err : new Error(String(err)));
          }
          return;
        }
        case "chunk": {
          const p = pending.get(m.id);
          try {
            p?.controller?.enqueue(m.data);
          } catch { /* cancelled meanwhile */ }
          if (p?.controller && !p.paused && (p.controller.desiredSize ?? 1) <= 0) {
            p.paused = true;
            post({ op: "pause", id: m.id });
          }
          return;
        }
        case "end": {
          const p = pending.get(m.id);
          pending.delete(m.id);
          try {
            if (m.error) p?.controller?.error(new Error(m.error));
            else p?.controller?.close();
          } catch { /* cancelled meanwhile */ }
          return;
        }
        case "done": {
          const c = calls.get(m.id);
          calls.delete(m.id);
          if (m.error) c?.fail(new Error(m.error));
          else c?.ok();
          return;
        }
      }
    });
    const handle = (r: Extract<ThreadReply, { op: "ready" }>): ApiServer => ({
      url: r.url,
      token: r.token,
      caCert: r.caCert,
      writeKubeconfig: (path) => call({ op: "kubeconfig", id: next++, path }),
      async fetch(request: Request): Promise<Response> {
        if (dead || closing) throw dead ?? new Error("the API server is closed");
        request.signal.throwIfAborted();
        const id = next++;
        const body = request.body ? await request.arrayBuffer() : undefined;
        const signal = request.signal;
        return await new Promise<Response>((resolve, reject) => {
          if (dead) return reject(dead);
          // An abort before the response head cancels the request in the Worker. The listener
          // goes as soon as the head (or a failure) arrives: a request's signal may live on for
          // its whole timeout (30 s), and a listener would keep the request alive with it.
          const onAbort = () => {
            const p = pending.get(id);
            if (!p || p.controller) return;
            pending.delete(id);
            post({ op: "cancel", id });
            reject(signal.reason);
          };
          const settle = () => signal.removeEventListener("abort", onAbort);
          pending.set(id, {
            head: (r) => (settle(), resolve(r)),
            fail: (e) => (settle(), reject(e)),
          });
          signal.addEventListener("abort", onAbort, { once: true });
          post({
            op: "fetch",
            id,
            method: request.method,
            url: request.url,
            headers: [...request.headers],
            body,
          }, body ? [body] : []);
        });
      },
      close(): Promise<void> {
        closing ??= (async () => {
          try {
            if (!dead) await call({ op: "close", id: next++ });
          } finally {
            die(new Error("the API server is closed"));
          }
        })();
        return closing;
      },
    });
  });
}
