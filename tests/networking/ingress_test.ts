import assert from "node:assert/strict";
import {
  createProviderRegistry,
  expandedHosts,
  goSpecJson,
  ingressHash,
  insertProbe,
  istioProvider,
  ProviderFailedError,
} from "../../networking/mod.ts";
import { routeIngress } from "./fixtures.ts";

Deno.test("ingress helpers", async (t) => {
  await t.step("ExpandedHosts trims the cluster domain suffixes and drops numeric TLDs", () => {
    assert.deepStrictEqual(expandedHosts(["a.b.svc.cluster.local", "x.example.com"]), [
      "a.b",
      "a.b.svc",
      "a.b.svc.cluster.local",
      "x.example.com",
    ]);
    assert.deepStrictEqual(expandedHosts(["foo.1.svc.cluster.local"]), [
      "foo.1.svc",
      "foo.1.svc.cluster.local",
    ]);
    assert.deepStrictEqual(expandedHosts(["a.b.svc.corp.internal"], "corp.internal"), [
      "a.b",
      "a.b.svc",
      "a.b.svc.corp.internal",
    ]);
  });

  await t.step(
    "spec JSON follows Go encoding/json: field order, omitempty, sorted maps, escapes",
    () => {
      assert.equal(
        goSpecJson({
          httpOption: "Enabled",
          rules: [{
            visibility: "ExternalIP",
            hosts: ["a<b>&c"],
            http: {
              paths: [{
                appendHeaders: { Z: "1", A: "2" },
                splits: [{ percent: 0, servicePort: 80, serviceName: "s", serviceNamespace: "n" }],
                headers: { H: { exact: "v" } },
                path: "/p",
              }],
            },
          }],
        }),
        '{"rules":[{"hosts":["a\\u003cb\\u003e\\u0026c"],"visibility":"ExternalIP","http":{"paths":[' +
          '{"path":"/p","headers":{"H":{"exact":"v"}},"splits":[{"serviceNamespace":"n",' +
          '"serviceName":"s","servicePort":80}],"appendHeaders":{"A":"2","Z":"1"}}]}}],' +
          '"httpOption":"Enabled"}',
      );
    },
  );

  await t.step("the hash is sha256 over spec JSON + namespace + name", () => {
    // Independently computed with Python's json.dumps(separators=(',', ':')).
    assert.equal(
      ingressHash(routeIngress()),
      "d60d343a88cee9ccb27770c4c722129146943b5e5f43f8823489f8d0d38f5973",
    );
    const other = routeIngress();
    other.metadata.name = "hello2";
    assert.notEqual(ingressHash(other), ingressHash(routeIngress()));
  });

  await t.step("InsertProbe prepends a probe copy of every path", () => {
    const ing = routeIngress();
    const { ingress, hash } = insertProbe(ing);
    assert.equal(hash, ingressHash(ing));
    const paths = ingress.spec.rules![1].http!.paths;
    assert.equal(paths.length, 2);
    assert.deepStrictEqual(paths[0].headers, { "K-Network-Hash": { exact: "override" } });
    assert.equal(paths[0].appendHeaders?.["K-Network-Hash"], hash);
    assert.deepStrictEqual(paths[1], ing.spec.rules![1].http!.paths[0]);
    // The input is not mutated.
    assert.equal(ing.spec.rules![1].http!.paths.length, 1);
  });
});

Deno.test("provider registry", async (t) => {
  await t.step("register, look up, list classes and kinds", () => {
    const r = createProviderRegistry([istioProvider()]);
    assert.ok(r.has("istio.ingress.networking.knative.dev"));
    assert.deepStrictEqual(r.classes(), ["istio.ingress.networking.knative.dev"]);
    assert.deepStrictEqual(r.kinds(), [{
      apiVersion: "networking.istio.io/v1beta1",
      kind: "VirtualService",
    }]);
  });
  await t.step("a class can only be registered once unless replaced", () => {
    const r = createProviderRegistry([istioProvider()]);
    assert.throws(() => r.register(istioProvider()), /already registered/);
    const seen: string[] = [];
    r.onChange((c) => seen.push(c));
    r.register(istioProvider(), { replace: true });
    assert.ok(r.unregister("istio.ingress.networking.knative.dev"));
    assert.equal(r.get("istio.ingress.networking.knative.dev"), undefined);
    assert.deepStrictEqual(seen, [
      "istio.ingress.networking.knative.dev",
      "istio.ingress.networking.knative.dev",
    ]);
  });
  await t.step("async providers that throw ProviderFailedError are registrable", async () => {
    const r = createProviderRegistry();
    r.register({
      className: "wasm.example",
      kinds: [],
      render: () => Promise.reject(new ProviderFailedError("w", "trap")),
      status: () => Promise.resolve({ ready: true }),
    });
    await assert.rejects(
      async () => await r.get("wasm.example")!.render(routeIngress(), {}),
      /plugin w failed: trap/,
    );
  });
});
