import assert from "node:assert/strict";
import { startGateway, staticEndpointResolver } from "../../dataplane/mod.ts";
import {
  createProviderRegistry,
  ingressControllerPlugin,
  ingressHash,
  LOCAL_CLASS,
  localGatewayEntry,
  localProvider,
  probeGateway,
} from "../../networking/mod.ts";
import { runTableRow } from "../table.ts";
import { routeIngress } from "./fixtures.ts";

Deno.test("local: the gateway entry of a Route-like Ingress", () => {
  const ing = routeIngress();
  const e = localGatewayEntry(ing);
  assert.equal(e.key, "default/hello");
  assert.equal(e.hash, ingressHash(ing));
  assert.deepStrictEqual(e.rules.map((r) => [r.visibility, r.hosts]), [
    ["ClusterLocal", ["hello.default", "hello.default.svc", "hello.default.svc.cluster.local"]],
    ["ExternalIP", ["hello.default.example.com"]],
    ["ClusterLocal", [
      "candidate-hello.default",
      "candidate-hello.default.svc",
      "candidate-hello.default.svc.cluster.local",
    ]],
  ]);
  assert.deepStrictEqual(e.rules[2].paths, [{
    splits: [{
      namespace: "default",
      service: "hello-00002",
      port: 80,
      percent: 100,
      appendHeaders: {
        "Knative-Serving-Namespace": "default",
        "Knative-Serving-Revision": "hello-00002",
      },
    }],
  }]);
});

Deno.test("local: renders nothing; status programs the gateway and verifies it over HTTP", async (t) => {
  const upstream = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) => new Response(`rev=${req.headers.get("knative-serving-revision")}`),
  );
  const gw = startGateway({
    resolver: staticEndpointResolver({
      "default/hello-00001": [{ ip: "127.0.0.1", port: upstream.addr.port }],
      "default/hello-00002": [{ ip: "127.0.0.1", port: upstream.addr.port }],
    }),
  });
  const p = localProvider(gw);
  try {
    const ing = routeIngress();
    await t.step("render is empty", async () => {
      assert.deepStrictEqual(await p.render(ing, {}), []);
    });
    await t.step("before programming the probe gets nothing", async () => {
      assert.equal(
        await probeGateway(gw.hostname, gw.port, "hello.default.example.com"),
        undefined,
      );
    });
    await t.step("status programs the table, probes, and reports the gateway address", async () => {
      const st = await p.status(ing, [], {});
      assert.deepStrictEqual(st, {
        ready: true,
        publicLoadBalancer: { ingress: [{ ip: "127.0.0.1" }] },
        privateLoadBalancer: { ingress: [{ ip: "127.0.0.1" }] },
      });
      assert.equal(
        await probeGateway(gw.hostname, gw.port, "candidate-hello.default"),
        ingressHash(ing),
      );
    });
    await t.step("a gateway that does not serve the new table is not ready", async () => {
      const stuck = { hostname: gw.hostname, port: gw.port, program() {}, forget() {} };
      const changed = routeIngress();
      changed.spec.rules![1].hosts = ["new.default.example.com"];
      const st = await localProvider(stuck).status(changed, [], {});
      assert.equal(st.ready, false);
      assert.equal(st.reason, "Uninitialized");
    });
    await t.step("finalize drops the Ingress from the table", async () => {
      await p.finalize(ing);
      assert.equal(
        await probeGateway(gw.hostname, gw.port, "hello.default.example.com"),
        undefined,
      );
    });
  } finally {
    await gw.close();
    await upstream.shutdown();
  }
});

Deno.test("local: the ingress reconciler marks LoadBalancerReady after the gateway serves the Ingress", async () => {
  const gw = startGateway({ resolver: staticEndpointResolver({}) });
  try {
    const plugin = ingressControllerPlugin({
      registry: createProviderRegistry([localProvider(gw)]),
    });
    const ing = routeIngress();
    ing.metadata.annotations!["networking.knative.dev/ingress.class"] = LOCAL_CLASS;
    ing.metadata.finalizers = ["ingresses.networking.internal.knative.dev"];
    const { client } = await runTableRow(plugin, {
      name: "local",
      key: "default/hello",
      objects: [ing],
      wantStatusUpdates: [{
        ...structuredClone(ing),
        status: {
          observedGeneration: 1,
          conditions: [
            { type: "LoadBalancerReady", status: "True" },
            { type: "NetworkConfigured", status: "True" },
            { type: "Ready", status: "True" },
          ],
          publicLoadBalancer: { ingress: [{ ip: "127.0.0.1" }] },
          privateLoadBalancer: { ingress: [{ ip: "127.0.0.1" }] },
        },
      }],
    }, {});
    assert.equal(client.creates.length, 0);
    assert.equal(
      await probeGateway(gw.hostname, gw.port, "hello.default.example.com"),
      ingressHash(ing),
    );
  } finally {
    await gw.close();
  }
});
