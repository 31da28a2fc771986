/**
 * An API server in a Worker (`serveApiServerInWorker`) reached through
 * `connectApiServerWorker` as the client's transport: requests, errors,
 * streamed watches (several of one type at once), cancellation before and
 * after the response head, and a Worker that dies.
 */
import assert from "node:assert/strict";
import {
  type ApiServer,
  connectApiServerWorker,
  serveApiServerInWorker,
  THREAD_BODY_HIGH_WATER,
} from "../../apiserver/mod.ts";
import { HttpKubeClient, isNotFound, type KubeObject, type WatchEvent } from "../../runtime/mod.ts";

const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default" };

async function start(maxWatches: number, onFailed?: (e: Error) => void) {
  const worker = new Worker(new URL("./thread_worker_fixture.ts", import.meta.url), {
    type: "module",
  });
  const ready = connectApiServerWorker(worker, { onFailed });
  worker.postMessage({ maxWatches });
  const api = await ready;
  const client = HttpKubeClient.forServer(
    { server: api.url, token: api.token, caCert: api.caCert },
    { transport: api.fetch, requestTimeoutMs: 5000 },
  );
  return { worker, api, client };
}

async function firstEvents(
  client: HttpKubeClient,
  n: number,
  opts: { resourceVersion?: string } = {},
): Promise<{ events: Promise<WatchEvent[]>; abort: AbortController }> {
  const abort = new AbortController();
  const stream = await client.watch(ref, { signal: abort.signal, ...opts });
  const events = (async () => {
    const seen: WatchEvent[] = [];
    for await (const ev of stream) {
      seen.push(ev);
      if (seen.length === n) break;
    }
    return seen;
  })();
  return { events, abort };
}

async function stop(api: ApiServer, client: HttpKubeClient) {
  client.close();
  await api.close();
}

Deno.test("API server in a Worker", async (t) => {
  const { api, client } = await start(2);
  try {
    await t.step("requests and typed errors cross the thread", async () => {
      await client.create({
        ...ref,
        metadata: { namespace: "default", name: "a" },
        data: { k: "1" },
      });
      const got = await client.get({ ...ref, name: "a" });
      assert.deepEqual(got.data, { k: "1" });
      await assert.rejects(client.get({ ...ref, name: "missing" }), isNotFound);
    });

    await t.step("two watches of one type both receive each event", async () => {
      const rv = (await client.list(ref)).metadata.resourceVersion;
      const w1 = await firstEvents(client, 1, { resourceVersion: rv });
      const w2 = await firstEvents(client, 1, { resourceVersion: rv });
      await client.create({ ...ref, metadata: { namespace: "default", name: "both" } });
      const [e1, e2] = await Promise.all([w1.events, w2.events]);
      w1.abort.abort();
      w2.abort.abort();
      assert.equal(e1[0].object.metadata.name, "both");
      assert.equal(e2[0].object.metadata.name, "both", "the second watch got the same event");
    });

    await t.step("cancelled watches free their slots in the Worker", async () => {
      for (let round = 0; round < 4; round++) {
        const w = await firstEvents(client, 1, { resourceVersion: "0" });
        const seen = await w.events;
        w.abort.abort();
        assert.ok(seen[0]?.object.metadata.name, `round ${round}`);
        await new Promise((r) => setTimeout(r, 30));
      }
    });

    await t.step(
      "a watch aborted before its response head is cancelled in the Worker",
      async () => {
        for (let round = 0; round < 4; round++) {
          const abort = new AbortController();
          const pending = client.watch(ref, { signal: abort.signal });
          abort.abort();
          await pending.catch(() => {});
        }
        await new Promise((r) => setTimeout(r, 50));
        const w = await firstEvents(client, 1, { resourceVersion: "0" });
        assert.ok((await w.events).length, "a slot was free after four aborted watches");
        w.abort.abort();
      },
    );
  } finally {
    await stop(api, client);
  }
  await t.step("after close, requests fail instead of hanging", async () => {
    await assert.rejects(api.fetch(new Request("http://x/api")), /closed/);
  });
});

Deno.test("a Worker that dies fails what is in flight and what comes after", async () => {
  let failed: Error | undefined;
  const { worker, api, client } = await start(5, (e) => (failed = e));
  try {
    const w = await firstEvents(client, 5);
    worker.postMessage({ op: "crash" });
    await assert.rejects(w.events, /boom|worker failed/i);
    await assert.rejects(client.list(ref), /boom|worker failed/i);
    assert.match(String(failed), /boom/);
  } finally {
    await stop(api, client); // resolves although the Worker is gone
  }
});

Deno.test("in process: a watch aborted before its response frees its slot", async () => {
  const { startApiServer } = await import("../../apiserver/mod.ts");
  const api = await startApiServer({ port: 0, simulateWorkloads: false, maxWatches: 1 });
  const client = HttpKubeClient.forServer(
    { server: api.url, token: api.token, caCert: api.caCert },
    { transport: api.fetch },
  );
  try {
    for (let round = 0; round < 3; round++) {
      const abort = new AbortController();
      const pending = client.watch(ref, { signal: abort.signal });
      abort.abort();
      await pending.catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 50));
    await client.create({ ...ref, metadata: { namespace: "default", name: "x" } });
    const w = await firstEvents(client, 1, { resourceVersion: "0" });
    const seen = await w.events;
    w.abort.abort();
    assert.equal((seen[0].object as KubeObject).metadata.name, "x");
  } finally {
    client.close();
    await api.close();
  }
});

Deno.test("a body the caller does not read pauses the Worker's reads (flow control)", async () => {
  const CHUNK = 64 * 1024, CHUNKS = 200;
  let produced = 0;
  const fakeApi: ApiServer = {
    url: "http://fake",
    token: "",
    writeKubeconfig: () => Promise.resolve(),
    close: () => Promise.resolve(),
    fetch: () =>
      Promise.resolve(
        new Response(
          new ReadableStream<Uint8Array>({
            pull(c) {
              if (produced++ < CHUNKS) c.enqueue(new Uint8Array(CHUNK));
              else c.close();
            },
          }, { highWaterMark: 0 }),
        ),
      ),
  };
  const ch = new MessageChannel();
  ch.port1.start();
  ch.port2.start();
  serveApiServerInWorker({
    postMessage: (m, t) => ch.port2.postMessage(m, t ?? []),
    addEventListener: (type, fn) => ch.port2.addEventListener(type, fn),
  }, fakeApi);
  const worker = {
    postMessage: (m: unknown, t?: Transferable[]) => ch.port1.postMessage(m, t ?? []),
    addEventListener: (type: string, fn: (e: MessageEvent) => void) => {
      if (type === "message") ch.port1.addEventListener("message", fn);
    },
    terminate: () => {
      ch.port1.close();
      ch.port2.close();
    },
  } as unknown as Worker;
  const api = await connectApiServerWorker(worker);
  try {
    const res = await api.fetch(new Request("http://fake/big"));
    await new Promise((r) => setTimeout(r, 300)); // nobody reads meanwhile
    // the caller's queue plus at most one high-water mark in flight, and a little slack
    const bound = (2 * THREAD_BODY_HIGH_WATER) / CHUNK + 8;
    assert.ok(produced <= bound, `produced ${produced} chunks unread (bound ${bound})`);
    const got = (await res.arrayBuffer()).byteLength;
    assert.equal(got, CHUNK * CHUNKS, "everything arrives once read");
  } finally {
    await api.close();
  }
});
