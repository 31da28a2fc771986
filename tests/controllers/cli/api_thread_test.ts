/**
 * The local plane with its API server in a Worker (`apiThread: "worker"`):
 * the controllers reach it through the thread transport, kubectl through its
 * HTTPS listener, and a Knative Service becomes Ready.
 */
import assert from "node:assert/strict";
import { startLocalPlane } from "../../../controllers/cli.ts";
import { HttpKubeClient, type KubeObject } from "../../../runtime/mod.ts";
import { isReadyNow } from "../../integration/helpers.ts";

Deno.test("local plane with the API server in a Worker", async (t) => {
  const plane = await startLocalPlane({ apiThread: "worker" });
  const user = await HttpKubeClient.fromConfig({ kubeconfig: plane.kubeconfig });
  const port = Number(new URL(plane.api.url).port);
  try {
    await t.step("a Service applied over HTTPS becomes Ready", async () => {
      const abort = new AbortController();
      const events = await user.watch(
        { apiVersion: "serving.knative.dev/v1", kind: "Service", namespace: "default" },
        { signal: abort.signal },
      );
      await user.create({
        apiVersion: "serving.knative.dev/v1",
        kind: "Service",
        metadata: { name: "hello", namespace: "default" },
        spec: { template: { spec: { containers: [{ image: "example.com/hello" }] } } },
      });
      const timer = setTimeout(() => abort.abort(), 20_000);
      let got: KubeObject | undefined;
      for await (const ev of events) {
        if (ev.type !== "DELETED" && isReadyNow(ev.object)) {
          got = ev.object;
          break;
        }
      }
      clearTimeout(timer);
      abort.abort();
      assert.ok(got, "the Service became Ready within 20 s");
      assert.equal((got!.status as { url?: string }).url, "http://hello.default.example.com");
    });
    await t.step("the controllers' client goes through the Worker", async () => {
      const rev = await plane.client.get({
        apiVersion: "serving.knative.dev/v1",
        kind: "Revision",
        namespace: "default",
        name: "hello-00001",
      });
      assert.equal(rev.metadata.name, "hello-00001");
    });
  } finally {
    user.close();
    await plane.stop();
  }
  await t.step("after stop the Worker's listener is gone", async () => {
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port }),
      Deno.errors.ConnectionRefused,
    );
  });
});

Deno.test("a Worker API server that cannot start fails startLocalPlane with its reason", async () => {
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      startLocalPlane({ apiThread: "worker", apiPort: (held.addr as Deno.NetAddr).port }),
      /in use|AddrInUse/i,
    );
  } finally {
    held.close();
  }
});
