import assert from "node:assert/strict";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService";
import {
  distinctHostPrefixes,
  type Ingress,
  ingressHash,
  istioProvider,
  makeVirtualServices,
  parseIstioConfig,
} from "../../networking/mod.ts";
import { routeIngress, split } from "./fixtures.ts";

const LOCAL = "knative-serving/knative-local-gateway";
const EXTERNAL = "knative-serving/knative-ingress-gateway";

function dest(rev: string, weight: number) {
  return {
    destination: { host: `${rev}.default.svc.cluster.local`, port: { number: 80 } },
    weight,
    headers: {
      request: {
        set: { "Knative-Serving-Namespace": "default", "Knative-Serving-Revision": rev },
      },
    },
  };
}

/** The probe entry and the plain entry of one Ingress path, as net-istio writes them. */
function entries(host: string, gateways: string[], route: unknown[], hash: string) {
  return [
    {
      match: [{
        gateways,
        authority: { prefix: host },
        headers: { "K-Network-Hash": { exact: "override" } },
      }],
      route,
      headers: { request: { set: { "K-Network-Hash": hash } } },
      retries: {},
    },
    { match: [{ gateways, authority: { prefix: host } }], route, retries: {} },
  ];
}

const meta = (name: string) => ({
  name,
  namespace: "default",
  labels: {
    "serving.knative.dev/route": "hello",
    "serving.knative.dev/routeNamespace": "default",
    "networking.internal.knative.dev/ingress": "hello",
  },
  annotations: routeIngress().metadata.annotations,
  ownerReferences: [{
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "Ingress",
    name: "hello",
    uid: "ing-uid",
    controller: true,
    blockOwnerDeletion: true,
  }],
});

Deno.test("istio: VirtualServices for a Route with two revisions, a tag and cluster-local visibility", async (t) => {
  const ing = routeIngress();
  const h = ingressHash(ing);
  const split9010 = [dest("hello-00001", 90), dest("hello-00002", 10)];
  const tagRoute = [dest("hello-00002", 100)];
  const got = makeVirtualServices(ing, parseIstioConfig({}));

  await t.step("mesh VirtualService: .svc hosts expanded, gateway mesh, labels filtered", () => {
    assert.deepStrictEqual(got[0], {
      apiVersion: "networking.istio.io/v1beta1",
      kind: "VirtualService",
      metadata: meta("hello-mesh"),
      spec: {
        hosts: [
          "candidate-hello.default",
          "candidate-hello.default.svc",
          "candidate-hello.default.svc.cluster.local",
          "hello.default",
          "hello.default.svc",
          "hello.default.svc.cluster.local",
        ],
        gateways: ["mesh"],
        http: [
          ...entries("hello.default", ["mesh"], split9010, h),
          ...entries("candidate-hello.default", ["mesh"], tagRoute, h),
        ],
      },
    });
  });

  await t.step("ingress VirtualService: all hosts, local and external gateways per rule", () => {
    assert.deepStrictEqual(got[1], {
      apiVersion: "networking.istio.io/v1beta1",
      kind: "VirtualService",
      metadata: meta("hello-ingress"),
      spec: {
        hosts: [
          "candidate-hello.default",
          "candidate-hello.default.svc",
          "candidate-hello.default.svc.cluster.local",
          "hello.default",
          "hello.default.example.com",
          "hello.default.svc",
          "hello.default.svc.cluster.local",
        ],
        gateways: [EXTERNAL, LOCAL],
        http: [
          ...entries("hello.default", [LOCAL], split9010, h),
          ...entries("hello.default.example.com", [EXTERNAL], split9010, h),
          ...entries("candidate-hello.default", [LOCAL], tagRoute, h),
        ],
      },
    });
    assert.equal(got.length, 2);
  });

  await t.step("rendered objects validate against the Istio schema", () => {
    for (const o of got) new VirtualService(o as never).validate();
  });
});

Deno.test("istio: paths with uri prefix, header matches, rewrite and tag headers", () => {
  const ing: Ingress = {
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "Ingress",
    metadata: { name: "r", namespace: "ns", uid: "u" },
    spec: {
      rules: [{
        hosts: ["r.ns.example.com"],
        visibility: "ExternalIP",
        http: {
          paths: [{
            path: "/api",
            rewriteHost: "other.ns.svc.cluster.local",
            headers: { "Knative-Serving-Tag": { exact: "blue" } },
            appendHeaders: { "Knative-Serving-Tag": "blue" },
            splits: [{ serviceNamespace: "ns", serviceName: "r-2", servicePort: 81, percent: 100 }],
          }],
        },
      }],
    },
  };
  const [vs] = makeVirtualServices(ing, parseIstioConfig({}));
  const http = (vs.spec as { http: unknown[] }).http;
  assert.equal(vs.metadata.name, "r-ingress");
  assert.deepStrictEqual(http[1], {
    match: [{
      gateways: [EXTERNAL],
      authority: { prefix: "r.ns.example.com" },
      uri: { prefix: "/api" },
      headers: { "Knative-Serving-Tag": { exact: "blue" } },
    }],
    route: [{
      destination: { host: "r-2.ns.svc.cluster.local", port: { number: 81 } },
      weight: 100,
    }],
    headers: { request: { set: { "Knative-Serving-Tag": "blue" } } },
    rewrite: { authority: "other.ns.svc.cluster.local" },
    retries: {},
  });
  assert.deepStrictEqual(vs.metadata.labels, { "networking.internal.knative.dev/ingress": "r" });
  assert.equal(vs.metadata.annotations, undefined);
  new VirtualService(vs as never).validate();
});

Deno.test("istio: distinct host prefixes drop hosts an earlier prefix covers", () => {
  assert.deepStrictEqual(
    distinctHostPrefixes([
      "a.b.svc.cluster.local",
      "a.b.svc",
      "a.b",
      "a.bc.example.com",
      "x.y.example.com",
    ]),
    ["a.b", "x.y.example.com"],
  );
});

Deno.test("istio: config-istio", async (t) => {
  await t.step("defaults", () => {
    assert.deepStrictEqual(parseIstioConfig({}), {
      ingressGateways: [{
        namespace: "knative-serving",
        name: "knative-ingress-gateway",
        service: "istio-ingressgateway.istio-system.svc.cluster.local",
      }],
      localGateways: [{
        namespace: "knative-serving",
        name: "knative-local-gateway",
        service: "knative-local-gateway.istio-system.svc.cluster.local",
      }],
    });
  });
  await t.step("old format keys", () => {
    const c = parseIstioConfig({
      "gateway.ns1.gw1": "gw1.ns1.svc.cluster.local",
      "local-gateway.ns2.lgw": "lgw.ns2.svc.cluster.local",
      "local-gateway.mesh": "mesh",
    });
    assert.deepStrictEqual(c.ingressGateways, [
      { namespace: "ns1", name: "gw1", service: "gw1.ns1.svc.cluster.local" },
    ]);
    assert.deepStrictEqual(c.localGateways, [
      { namespace: "ns2", name: "lgw", service: "lgw.ns2.svc.cluster.local" },
    ]);
  });
  await t.step("new format with a label-selected gateway", () => {
    const c = parseIstioConfig({
      "external-gateways": `
- name: public
  namespace: gw
  service: public.gw.svc.cluster.local
- name: special
  namespace: gw
  service: special.gw.svc.cluster.local
  labelSelector:
    matchLabels: {tier: gold}
`,
    });
    const ing = routeIngress();
    ing.metadata.labels = { ...ing.metadata.labels, tier: "gold" };
    const [, vs] = makeVirtualServices(ing, c);
    assert.deepStrictEqual((vs.spec as { gateways: string[] }).gateways, [
      "gw/special",
      "knative-serving/knative-local-gateway",
    ]);
  });
  await t.step("two gateways without selector are rejected", () => {
    assert.throws(
      () =>
        parseIstioConfig({
          "local-gateways":
            "- {name: a, namespace: n, service: s}\n- {name: b, namespace: n, service: t}",
        }),
      /exactly one gateway without labelSelector/,
    );
  });
  await t.step("mesh-only: only the mesh VirtualService is rendered", () => {
    const c = parseIstioConfig({ "external-gateways": "[]", "local-gateways": "[]" });
    const vss = makeVirtualServices(routeIngress(), c);
    assert.deepStrictEqual(vss.map((v) => v.metadata.name), ["hello-mesh"]);
    // Without a local gateway the mesh hosts are not expanded.
    assert.deepStrictEqual((vss[0].spec as { hosts: string[] }).hosts, [
      "candidate-hello.default.svc.cluster.local",
      "hello.default.svc.cluster.local",
    ]);
  });
});

Deno.test("istio: status is ready when the VirtualServices exist as rendered", async (t) => {
  const p = istioProvider();
  const ing = routeIngress();
  const config = {};
  const rendered = await p.render(ing, config);
  await t.step("nothing observed → not ready", async () => {
    const st = await p.status(ing, [], config);
    assert.equal(st.ready, false);
    assert.match(st.message ?? "", /VirtualService "hello-mesh" does not exist yet/);
  });
  await t.step("stale spec → not ready", async () => {
    const stale = structuredClone(rendered);
    (stale[1].spec as { hosts: string[] }).hosts = [];
    assert.equal((await p.status(ing, stale, config)).ready, false);
  });
  await t.step("all present → ready with the gateway services as load balancers", async () => {
    assert.deepStrictEqual(await p.status(ing, rendered, config), {
      ready: true,
      publicLoadBalancer: {
        ingress: [{ domainInternal: "istio-ingressgateway.istio-system.svc.cluster.local" }],
      },
      privateLoadBalancer: {
        ingress: [{ domainInternal: "knative-local-gateway.istio-system.svc.cluster.local" }],
      },
    });
  });
  await t.step("mesh-only → meshOnly load balancers", async () => {
    const cfg = {
      configMaps: { "config-istio": { "external-gateways": "[]", "local-gateways": "[]" } },
    };
    const objs = await p.render(ing, cfg);
    const st = await p.status(ing, objs, cfg);
    assert.deepStrictEqual(st.publicLoadBalancer, { ingress: [{ meshOnly: true }] });
    assert.deepStrictEqual(st.privateLoadBalancer, { ingress: [{ meshOnly: true }] });
  });
});

Deno.test("istio: a single cluster-local rule gets no external gateway", () => {
  const ing = routeIngress();
  ing.spec.rules = [ing.spec.rules![0]];
  ing.spec.rules[0].http!.paths[0].splits = [split("hello-00001", 100)];
  const [, vs] = makeVirtualServices(ing, parseIstioConfig({}));
  assert.deepStrictEqual((vs.spec as { gateways: string[] }).gateways, [LOCAL]);
});
