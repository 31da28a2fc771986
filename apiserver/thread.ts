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
    body?: string;
  }
  | { op: "cancel"; id: number }
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
  const post = (m: ThreadReply, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const serve = async (m: Extract<ThreadRequest, { op: "fetch" }>) => {
    let res: Response;
    try {
      res = await api.fetch(
        new Request(m.url, { method: m.method, headers: m.headers, body: m.body }),
      );
    } catch (e) {
      post({ op: "head", id: m.id, status: 500, headers: [] });
      post({ op: "end", id: m.id, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    post({ op: "head", id: m.id, status: res.status, headers: [...res.headers] });
    if (!res.body) return post({ op: "end", id: m.id });
    const reader = res.body.getReader();
    bodies.set(m.id, reader);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // a copy that owns its buffer, so it can be transferred rather than cloned
        const data = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength
          ? value
          : value.slice();
        post({ op: "chunk", id: m.id, data }, [data.buffer]);
      }
      post({ op: "end", id: m.id });
    } catch (e) {
      post({ op: "end", id: m.id, error: e instanceof Error ? e.message : String(e) });
    } finally {
      bodies.delete(m.id);
    }
  };
  port.addEventListener("message", (e: MessageEvent) => {
    const m = e.data as ThreadRequest;
    if (m.op === "fetch") void serve(m);
    else if (m.op === "cancel") void bodies.get(m.id)?.cancel().catch(() => {});
    else if (m.op === "kubeconfig") {
      api.writeKubeconfig(m.path).then(
        () => post({ op: "done", id: m.id }),
        (err) => post({ op: "done", id: m.id, error: String(err?.message ?? err) }),
      );
    } else if (m.op === "close") {
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
}

/**
 * Caller side: waits for the Worker's `ready` and returns an `ApiServer`
 * backed by it. `close()` stops the server and terminates the Worker.
 */
export function connectApiServerWorker(worker: Worker): Promise<ApiServer> {
  return new Promise<ApiServer>((resolve, reject) => {
    let next = 1;
    let closed = false;
    const pending = new Map<number, Pending>();
    const calls = new Map<number, { ok: () => void; fail: (e: Error) => void }>();
    const post = (m: ThreadRequest) => worker.postMessage(m);
    const call = (m: ThreadRequest & { id: number }) =>
      new Promise<void>((ok, fail) => {
        calls.set(m.id, { ok, fail });
        post(m);
      });
    worker.addEventListener("error", (e) => {
      e.preventDefault();
      const err = new Error(`API server worker failed: ${e.message}`);
      reject(err);
      for (const p of pending.values()) p.fail(err);
      for (const c of calls.values()) c.fail(err);
    });
    worker.addEventListener("message", (e: MessageEvent) => {
      const m = e.data as ThreadReply;
      switch (m.op) {
        case "ready":
          resolve(handle(m));
          return;
        case "failed":
          reject(new Error(m.message));
          worker.terminate();
          return;
        case "head": {
          const p = pending.get(m.id);
          if (!p) return;
          const body = new ReadableStream<Uint8Array>({
            start: (c) => void (p.controller = c),
            cancel: () => {
              pending.delete(m.id);
              if (!closed) post({ op: "cancel", id: m.id });
            },
          });
          const nullBody = m.status === 204 || m.status === 304;
          p.head(new Response(nullBody ? null : body, { status: m.status, headers: m.headers }));
          return;
        }
        case "chunk":
          try {
            pending.get(m.id)?.controller?.enqueue(m.data);
          } catch { /* cancelled meanwhile */ }
          return;
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
        if (closed) throw new Error("the API server is closed");
        const id = next++;
        const body = request.body ? await request.text() : undefined;
        return await new Promise<Response>((head, fail) => {
          pending.set(id, { head, fail });
          post({
            op: "fetch",
            id,
            method: request.method,
            url: request.url,
            headers: [...request.headers],
            body,
          });
        });
      },
      async close(): Promise<void> {
        if (closed) return;
        try {
          await call({ op: "close", id: next++ });
        } finally {
          closed = true;
          for (const p of pending.values()) {
            try {
              p.controller?.close();
            } catch { /* already closed */ }
          }
          pending.clear();
          worker.terminate();
        }
      },
    });
  });
}
