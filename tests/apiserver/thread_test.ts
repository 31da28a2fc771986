/**
 * An API server in a Worker (`serveApiServerInWorker`) reached through
 * `connectApiServerWorker` as the client's transport: requests, errors,
 * streamed watches, and a cancelled watch releasing its slot in the Worker.
 */
import assert from "node:assert/strict";
import { connectApiServerWorker } from "../../apiserver/mod.ts";
import { HttpKubeClient, isNotFound, type WatchEvent } from "../../runtime/mod.ts";

Deno.test("API server in a Worker", async (t) => {
  const worker = new Worker(new URL("./thread_worker_fixture.ts", import.meta.url), {
    type: "module",
  });
  const api = await connectApiServerWorker(worker);
  const dir = await Deno.makeTempDir();
  await api.writeKubeconfig(`${dir}/kubeconfig`);
  const client = await HttpKubeClient.fromConfig({ kubeconfig: `${dir}/kubeconfig` }, {
    transport: api.fetch,
  });
  const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default" };
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
    await t.step(
      "a watch streams, and cancelling it frees the Worker's only watch slot",
      async () => {
        for (let round = 0; round < 3; round++) {
          const abort = new AbortController();
          const stream = await client.watch(ref, { signal: abort.signal, resourceVersion: "0" });
          const seen: WatchEvent[] = [];
          for await (const ev of stream) {
            seen.push(ev);
            break; // the initial ADDED of "a"
          }
          abort.abort();
          assert.equal(seen[0]?.object.metadata.name, "a", `round ${round}`);
          // the next round's watch is refused (429) unless the cancel reached the Worker
          await new Promise((r) => setTimeout(r, 50));
        }
      },
    );
  } finally {
    client.close();
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
  await t.step("after close, requests fail instead of hanging", async () => {
    await assert.rejects(api.fetch(new Request("http://x/api")), /closed/);
  });
});
