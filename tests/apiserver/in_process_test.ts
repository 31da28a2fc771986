/**
 * The API server's in-process handler (`ApiServer.fetch`) as the transport of
 * the real client: the same routing, auth, admission and watches as over the
 * listener, with no socket.
 */
import assert from "node:assert/strict";
import { startApiServer } from "../../apiserver/mod.ts";
import {
  HttpKubeClient,
  isAlreadyExists,
  isNotFound,
  type KubeObject,
  type WatchEvent,
} from "../../runtime/mod.ts";

Deno.test("HttpKubeClient over the in-process transport", async (t) => {
  const api = await startApiServer({ port: 0, simulateWorkloads: false });
  const dir = await Deno.makeTempDir();
  await api.writeKubeconfig(`${dir}/kubeconfig`);
  let served = 0;
  const client = await HttpKubeClient.fromConfig({ kubeconfig: `${dir}/kubeconfig` }, {
    transport: (req) => (served++, api.fetch(req)),
  });
  const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "default" };
  try {
    await t.step("CRUD with typed errors goes through the handler", async () => {
      const made = await client.create<KubeObject>({
        ...ref,
        metadata: { namespace: "default", name: "a" },
        data: { k: "1" },
      });
      assert.ok(made.metadata.uid);
      assert.ok(served >= 2, "discovery and the create went through the transport");
      await assert.rejects(
        client.create({ ...ref, metadata: { namespace: "default", name: "a" } }),
        isAlreadyExists,
      );
      const p = await client.patch({ ...ref, name: "a" }, "merge", { data: { k: "2" } });
      assert.equal((p.data as Record<string, string>).k, "2");
      await client.delete({ ...ref, name: "a" });
      await assert.rejects(client.get({ ...ref, name: "a" }), isNotFound);
    });

    await t.step("a watch streams events and ends when aborted", async () => {
      const abort = new AbortController();
      const stream = await client.watch(ref, { signal: abort.signal });
      const seen: WatchEvent[] = [];
      const done = (async () => {
        for await (const ev of stream) {
          seen.push(ev);
          if (seen.length === 2) abort.abort();
        }
      })();
      await client.create({ ...ref, metadata: { namespace: "default", name: "w1" } });
      await client.create({ ...ref, metadata: { namespace: "default", name: "w2" } });
      await done;
      assert.deepEqual(seen.map((e) => [e.type, e.object.metadata.name]), [
        ["ADDED", "w1"],
        ["ADDED", "w2"],
      ]);
    });

    await t.step("the bearer token is still checked", async () => {
      const anonymous = await HttpKubeClient.fromConfig({ kubeconfig: `${dir}/kubeconfig` }, {
        transport: (req) => {
          const r = new Request(req, { headers: new Headers(req.headers) });
          r.headers.set("authorization", "Bearer wrong");
          return api.fetch(r);
        },
      });
      await assert.rejects(
        anonymous.get({ ...ref, name: "w1" }),
        (e: Error) => /401|Unauthorized/i.test(String(e)) || (e as { code?: number }).code === 401,
      );
    });

    await t.step("a transport that never answers hits the request timeout", async () => {
      const stuck = await HttpKubeClient.fromConfig({ kubeconfig: `${dir}/kubeconfig` }, {
        requestTimeoutMs: 50,
        transport: () => new Promise<Response>(() => {}),
      });
      await assert.rejects(stuck.get({ ...ref, name: "w1" }), /timed out/);
    });
  } finally {
    client.close();
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
});
