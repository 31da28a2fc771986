import assert from "node:assert/strict";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import {
  gatewayApiProvider,
  ingressHash,
  longestHost,
  makeHTTPRoutes,
  parseGatewayConfig,
} from "../../networking/mod.ts";
import { routeIngress } from "./fixtures.ts";

function backend(rev: string, weight: number) {
  return {
    group: "",
    kind: "Service",
    name: rev,
    port: 80,
    weight,
    filters: [{
      type: "RequestHeaderModifier",
      requestHeaderModifier: {
        set: [
          { name: "Knative-Serving-Namespace", value: "default" },
          { name: "Knative-Serving-Revision", value: rev },
        ],
      },
    }],
  };
}

function rules(backendRefs: unknown[], hash: string) {
  return [
    {
      matches: [{
        path: { type: "PathPrefix", value: "/" },
        headers: [{ type: "Exact", name: "K-Network-Hash", value: "override" }],
      }],
      filters: [{
        type: "RequestHeaderModifier",
        requestHeaderModifier: { set: [{ name: "K-Network-Hash", value: hash }] },
      }],
      backendRefs,
      timeouts: { request: "0s" },
    },
    {
      matches: [{ path: { type: "PathPrefix", value: "/" } }],
      backendRefs,
      timeouts: { request: "0s" },
    },
  ];
}

function route(
  name: string,
  hosts: string[],
  labels: Record<string, string>,
  gw: string,
  r: unknown,
) {
  const ing = routeIngress();
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name,
      namespace: "default",
      labels: {
        ...ing.metadata.labels,
        "networking.internal.knative.dev/ingress": "hello",
        ...labels,
      },
      annotations: ing.metadata.annotations,
      ownerReferences: [{
        apiVersion: "networking.internal.knative.dev/v1alpha1",
        kind: "Ingress",
        name: "hello",
        uid: "ing-uid",
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      hostnames: hosts,
      parentRefs: [{
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        namespace: "istio-system",
        name: gw,
      }],
      rules: r,
    },
  };
}

Deno.test("gateway-api: one HTTPRoute per rule for a Route with two revisions, a tag and cluster-local visibility", async (t) => {
  const ing = routeIngress();
  const h = ingressHash(ing);
  const split = [backend("hello-00001", 90), backend("hello-00002", 10)];
  const got = makeHTTPRoutes(ing, parseGatewayConfig({}));
  await t.step("routes", () => {
    assert.deepStrictEqual(got, [
      route(
        "hello.default.svc.cluster.local",
        ["hello.default", "hello.default.svc", "hello.default.svc.cluster.local"],
        { "networking.knative.dev/visibility": "cluster-local" },
        "knative-local-gateway",
        rules(split, h),
      ),
      route(
        "hello.default.example.com",
        ["hello.default.example.com"],
        { "networking.knative.dev/visibility": "" },
        "knative-gateway",
        rules(split, h),
      ),
      route(
        "candidate-hello.default.svc.cluster.local",
        [
          "candidate-hello.default",
          "candidate-hello.default.svc",
          "candidate-hello.default.svc.cluster.local",
        ],
        {
          "networking.knative.dev/visibility": "cluster-local",
          "networking.knative.dev/tag": "candidate",
        },
        "knative-local-gateway",
        rules([backend("hello-00002", 100)], h),
      ),
    ]);
  });
  await t.step("validate against the Gateway API schema", () => {
    for (const r of got) new HTTPRoute(r as never).validate();
  });
});

Deno.test("gateway-api: LongestHost is the last host after sorting", () => {
  assert.equal(
    longestHost(["b.ns.svc.cluster.local", "b.ns", "b.ns.svc"]),
    "b.ns.svc.cluster.local",
  );
  assert.equal(longestHost(["zz.example.com", "a-very-long-host.example.com"]), "zz.example.com");
});

Deno.test("gateway-api: headers matched in name-descending order, rewrite, no timeout without the feature", () => {
  const ing = routeIngress();
  ing.spec.rules = [{
    hosts: ["x.default.example.com"],
    visibility: "ExternalIP",
    http: {
      paths: [{
        path: "/p",
        rewriteHost: "y.default.example.com",
        headers: { "A-Header": { exact: "1" }, "Knative-Serving-Tag": { exact: "t" } },
        appendHeaders: { "Z": "z", "Knative-Serving-Tag": "t" },
        splits: [{ serviceNamespace: "default", serviceName: "s", servicePort: 80, percent: 100 }],
      }],
    },
  }];
  const cfg = parseGatewayConfig({
    "external-gateways":
      "- {class: contour, gateway: gw-ns/ext, service: gw-ns/envoy, supported-features: []}",
  });
  const [r] = makeHTTPRoutes(ing, cfg);
  const spec = r.spec as { parentRefs: unknown[]; rules: Record<string, unknown>[] };
  assert.deepStrictEqual(spec.parentRefs, [{
    group: "gateway.networking.k8s.io",
    kind: "Gateway",
    namespace: "gw-ns",
    name: "ext",
  }]);
  assert.deepStrictEqual(spec.rules[1], {
    matches: [{
      path: { type: "PathPrefix", value: "/p" },
      headers: [
        { type: "Exact", name: "Knative-Serving-Tag", value: "t" },
        { type: "Exact", name: "A-Header", value: "1" },
      ],
    }],
    filters: [
      {
        type: "RequestHeaderModifier",
        requestHeaderModifier: {
          set: [{ name: "Knative-Serving-Tag", value: "t" }, { name: "Z", value: "z" }],
        },
      },
      { type: "URLRewrite", urlRewrite: { hostname: "y.default.example.com" } },
    ],
    backendRefs: [{
      group: "",
      kind: "Service",
      name: "s",
      port: 80,
      weight: 100,
      filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: {} }],
    }],
  });
  new HTTPRoute(r as never).validate();
});

Deno.test("gateway-api: config-gateway", async (t) => {
  await t.step("defaults", () => {
    const c = parseGatewayConfig({});
    assert.deepStrictEqual([c.external.namespace, c.external.name], [
      "istio-system",
      "knative-gateway",
    ]);
    assert.deepStrictEqual([c.local.namespace, c.local.name], [
      "istio-system",
      "knative-local-gateway",
    ]);
  });
  await t.step("exactly one gateway per list", () => {
    assert.throws(() => parseGatewayConfig({ "local-gateways": "[]" }), /exactly one gateway/);
  });
  await t.step("gateway must be namespace/name", () => {
    assert.throws(
      () => parseGatewayConfig({ "local-gateways": "- {class: x, gateway: nope}" }),
      /namespace\/name/,
    );
  });
});

Deno.test("gateway-api: status needs every parent to accept every route", async (t) => {
  const p = gatewayApiProvider();
  const ing = routeIngress();
  const rendered = await p.render(ing, {});
  const accepted = (o: (typeof rendered)[number], status: string) => ({
    ...o,
    status: {
      parents: [{
        parentRef: { name: "x" },
        controllerName: "c",
        conditions: [{ type: "Accepted", status }],
      }],
    },
  });
  await t.step("routes without parent status → HTTPRouteNotReady", async () => {
    const st = await p.status(ing, rendered, {});
    assert.equal(st.ready, false);
    assert.equal(st.reason, "HTTPRouteNotReady");
  });
  await t.step("one parent not accepted → not ready", async () => {
    const obs = rendered.map((o, i) => accepted(o, i === 2 ? "False" : "True"));
    assert.equal((await p.status(ing, obs, {})).ready, false);
  });
  await t.step("all accepted → ready with the gateway services", async () => {
    const obs = rendered.map((o) => accepted(o, "True"));
    assert.deepStrictEqual(await p.status(ing, obs, {}), {
      ready: true,
      publicLoadBalancer: {
        ingress: [{ domainInternal: "istio-ingressgateway.istio-system.svc.cluster.local" }],
      },
      privateLoadBalancer: {
        ingress: [{ domainInternal: "knative-local-gateway.istio-system.svc.cluster.local" }],
      },
    });
  });
});
