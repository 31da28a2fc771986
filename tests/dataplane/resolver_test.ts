import assert from "node:assert/strict";
import { endpointsFor, kubeEndpointResolver, staticEndpointResolver } from "../../dataplane/mod.ts";
import { FakeClient, type KubeObject } from "../../runtime/mod.ts";

const svc: KubeObject = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "hello-00001", namespace: "default" },
  spec: {
    ports: [
      { name: "http", port: 80, targetPort: 8012 },
      { name: "https", port: 443, targetPort: 8112 },
    ],
  },
};
const eps: KubeObject = {
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "hello-00001", namespace: "default" },
  subsets: [{
    addresses: [{ ip: "127.0.0.5" }, { ip: "127.0.0.6" }],
    ports: [{ name: "https", port: 9443 }, { name: "http", port: 18012 }],
  }],
};

Deno.test("endpoints resolution", async (t) => {
  await t.step("the Service port's name picks the Endpoints port", () => {
    assert.deepStrictEqual(endpointsFor(svc, eps, 80), [
      { ip: "127.0.0.5", port: 18012 },
      { ip: "127.0.0.6", port: 18012 },
    ]);
    assert.deepStrictEqual(endpointsFor(svc, eps, 443)[0], { ip: "127.0.0.5", port: 9443 });
  });
  await t.step("resolves through the API and caches", async () => {
    let now = 0;
    const client = new FakeClient([svc, eps]);
    const resolve = kubeEndpointResolver(client, { cacheMs: 1000, now: () => now });
    assert.deepStrictEqual((await resolve("default", "hello-00001", 80)).length, 2);
    const gets = client.actions.filter((a) => a.verb === "get").length;
    await resolve("default", "hello-00001", 80);
    assert.equal(client.actions.filter((a) => a.verb === "get").length, gets);
    now = 2000;
    await resolve("default", "hello-00001", 80);
    assert.ok(client.actions.filter((a) => a.verb === "get").length > gets);
  });
  await t.step("peek answers only from a settled, fresh cache entry", async () => {
    let now = 0;
    const resolve = kubeEndpointResolver(new FakeClient([svc, eps]), {
      cacheMs: 1000,
      now: () => now,
    });
    assert.equal(resolve.peek!("default", "hello-00001", 80), undefined);
    const pending = resolve("default", "hello-00001", 80);
    assert.equal(resolve.peek!("default", "hello-00001", 80), undefined); // not settled yet
    const got = await pending;
    assert.equal(resolve.peek!("default", "hello-00001", 80), got);
    now = 2000;
    assert.equal(resolve.peek!("default", "hello-00001", 80), undefined); // stale
    resolve.invalidate("default", "hello-00001");
    now = 0;
    assert.equal(resolve.peek!("default", "hello-00001", 80), undefined);
  });
  await t.step("a missing Endpoints object rejects", async () => {
    const resolve = kubeEndpointResolver(new FakeClient([]));
    await assert.rejects(() => resolve("default", "nope", 80));
    assert.equal(resolve.peek!("default", "nope", 80), undefined);
  });
  await t.step("the static resolver peeks its map", () => {
    const resolve = staticEndpointResolver({ "default/a": [{ ip: "127.0.0.1", port: 1 }] });
    assert.deepStrictEqual(resolve.peek!("default", "a", 80), [{ ip: "127.0.0.1", port: 1 }]);
    assert.deepStrictEqual(resolve.peek!("default", "b", 80), []);
  });
});
