/**
 * Aborting a real watch over fetch: the open response body must be cancelled at
 * once (not at the server's next event), so a stopping Watcher, and with it
 * `Manager.stop()`, returns promptly even when the server sends nothing.
 */
import { KubeConfig } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { HttpKubeClient, Manager, nullLogger } from "../../runtime/mod.ts";
import { startApiServer } from "../../apiserver/mod.ts";

const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "ns" };

/** A server whose watches stay open and send nothing; `cancelled` counts bodies the client released. */
function silentServer() {
  const state = { opened: 0, cancelled: 0 };
  let onCancel = () => {};
  const app = new Hono();
  app.get("/api/v1", (c) =>
    c.json({
      kind: "APIResourceList",
      groupVersion: "v1",
      resources: [{ name: "configmaps", kind: "ConfigMap", namespaced: true }],
    }));
  app.get("/api/v1/namespaces/ns/configmaps", (c) => {
    if (!c.req.query("watch")) return c.json({ items: [], metadata: { resourceVersion: "1" } });
    state.opened++;
    const body = new ReadableStream<Uint8Array>({
      cancel() {
        state.cancelled++;
        onCancel();
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  /** Resolves once the server saw `n` watch bodies cancelled (false after `ms`). */
  const cancelledAtLeast = async (n: number, ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gone = new Promise<boolean>((r) => {
      const check = () => state.cancelled >= n && r(true);
      onCancel = check;
      check();
      timer = setTimeout(() => r(false), ms);
    });
    try {
      return await gone;
    } finally {
      clearTimeout(timer);
      onCancel = () => {};
    }
  };
  return { server, state, cancelledAtLeast };
}

function client(port: number) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return new HttpKubeClient(kc);
}

/** Races `p` against `ms`; "late" when it did not settle in time. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<"late">((r) => timer = setTimeout(r, ms, "late"))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Shuts the server down; a watch body the client never released would hold it open forever. */
async function stopServer(server: Deno.HttpServer) {
  if (await within(server.shutdown(), 1000) === "late") {
    server.unref();
    throw new Error("the server still has an open watch after its client let go");
  }
}

Deno.test("aborting a silent watch ends its iteration at once and releases the stream", async () => {
  const { server, state, cancelledAtLeast } = silentServer();
  const c = client(server.addr.port);
  try {
    const ac = new AbortController();
    const s = await c.watch(ref, { signal: ac.signal, allowWatchBookmarks: true });
    let n = 0;
    const done = (async () => {
      for await (const _ of s) n++;
      return "ended";
    })();
    await new Promise((r) => setTimeout(r, 50)); // the read is pending on a silent body
    const t0 = performance.now();
    ac.abort();
    assert.equal(await within(done, 500), "ended", "iteration ended after the abort");
    assert.ok(performance.now() - t0 < 500);
    assert.equal(n, 0);
    assert.ok(await cancelledAtLeast(1, 1000), "the server saw the body cancelled");
    assert.equal(state.opened, 1);
  } finally {
    c.close();
    await stopServer(server);
  }
});

Deno.test("a watch aborted before it is iterated ends at once", async () => {
  const { server, cancelledAtLeast } = silentServer();
  const c = client(server.addr.port);
  try {
    const ac = new AbortController();
    const s = await c.watch(ref, { signal: ac.signal });
    ac.abort();
    assert.ok(await cancelledAtLeast(1, 1000), "released without being iterated");
    const done = (async () => {
      for await (const _ of s) { /* nothing */ }
      return "ended";
    })();
    assert.equal(await within(done, 500), "ended");
  } finally {
    c.close();
    await stopServer(server);
  }
});

Deno.test("return() on a watch's iterator releases the stream, started or not", async () => {
  const { server, state, cancelledAtLeast } = silentServer();
  const c = client(server.addr.port);
  try {
    // never started: return() alone must release the response body
    const s1 = await c.watch(ref);
    const it1 = s1[Symbol.asyncIterator]();
    assert.equal(await within(it1.return!(), 500).then((r) => r === "late" ? r : r.done), true);
    assert.ok(await cancelledAtLeast(1, 1000), "unstarted iterator released");
    assert.equal((await it1.next()).done, true, "a returned iterator stays done");
    // a pending read ends when the stream is returned from a break in for-await
    const ac = new AbortController();
    const s2 = await c.watch(ref, { signal: ac.signal });
    const done = (async () => {
      for await (const _ of s2) break;
      return "ended";
    })();
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    assert.equal(await within(done, 500), "ended");
    assert.ok(await cancelledAtLeast(2, 1000), "second body released");
    assert.equal(state.opened, 2);
  } finally {
    c.close();
    await stopServer(server);
  }
});

Deno.test("Manager.stop() returns promptly against the local API server with rare bookmarks", async () => {
  // One bookmark a minute: before the fix a stopping watch waited for the server's next event.
  const server = await startApiServer({
    port: 0,
    simulateWorkloads: false,
    bookmarkIntervalMs: 60_000,
  });
  const dir = await Deno.makeTempDir();
  await server.writeKubeconfig(`${dir}/kubeconfig`);
  const client = await HttpKubeClient.fromConfig({ kubeconfig: `${dir}/kubeconfig` });
  const m = new Manager({
    client,
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 20,
    plugins: [{
      name: "noop",
      resource: { apiVersion: "v1", kind: "ConfigMap" },
      owns: [{ apiVersion: "v1", kind: "Secret" }],
      create: () => ({ reconcile: () => Promise.resolve() }),
    }],
  });
  let stopped = false;
  try {
    await m.start();
    await m.idle();
    await new Promise((r) => setTimeout(r, 100)); // watches open and silent
    const t0 = performance.now();
    assert.notEqual(await within(m.stop(), 1000), "late", "Manager.stop() within 1 s");
    stopped = true;
    const took = performance.now() - t0;
    assert.ok(took < 1000, `stop took ${took} ms`);
  } finally {
    if (!stopped) await m.stop();
    client.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
