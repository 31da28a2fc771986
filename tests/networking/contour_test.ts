import assert from "node:assert/strict";
import { Ajv } from "ajv";
import {
  childName,
  contourProvider,
  ingressHash,
  makeHTTPProxies,
  parseContourConfig,
} from "../../networking/mod.ts";
import type { KubeObject } from "../../runtime/mod.ts";
import { routeIngress } from "./fixtures.ts";

// HTTPProxy fields as the Contour API reference (projectcontour.io/docs/main/config/api)
// defines them; additionalProperties: false so an unknown or misspelt field fails.
const headerValue = {
  type: "object",
  required: ["name", "value"],
  additionalProperties: false,
  properties: { name: { type: "string", minLength: 1 }, value: { type: "string", minLength: 1 } },
};
const headersPolicy = {
  type: "object",
  additionalProperties: false,
  properties: {
    set: { type: "array", items: headerValue },
    remove: { type: "array", items: { type: "string" } },
  },
};
const HTTPPROXY_SCHEMA = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "projectcontour.io/v1" },
    kind: { const: "HTTPProxy" },
    metadata: {
      type: "object",
      required: ["name", "namespace"],
      properties: {
        name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 },
      },
    },
    spec: {
      type: "object",
      additionalProperties: false,
      properties: {
        virtualhost: {
          type: "object",
          required: ["fqdn"],
          additionalProperties: false,
          properties: {
            fqdn: { type: "string", minLength: 1 },
            tls: {
              type: "object",
              additionalProperties: false,
              properties: {
                secretName: { type: "string" },
                minimumProtocolVersion: { type: "string" },
                passthrough: { type: "boolean" },
              },
            },
            corsPolicy: { type: "object" },
            authorization: { type: "object" },
          },
        },
        routes: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            properties: {
              conditions: {
                type: "array",
                items: {
                  type: "object",
                  additionalProperties: false,
                  properties: {
                    prefix: { type: "string" },
                    header: {
                      type: "object",
                      required: ["name"],
                      additionalProperties: false,
                      properties: {
                        name: { type: "string" },
                        present: { type: "boolean" },
                        contains: { type: "string" },
                        notcontains: { type: "string" },
                        exact: { type: "string" },
                        notexact: { type: "string" },
                      },
                    },
                  },
                },
              },
              services: {
                type: "array",
                items: {
                  type: "object",
                  required: ["name", "port"],
                  additionalProperties: false,
                  properties: {
                    name: { type: "string" },
                    port: { type: "integer", minimum: 1, maximum: 65535 },
                    protocol: { enum: ["h2", "h2c", "tls"] },
                    weight: { type: "integer", minimum: 0 },
                    requestHeadersPolicy: headersPolicy,
                    responseHeadersPolicy: headersPolicy,
                  },
                },
              },
              enableWebsockets: { type: "boolean" },
              permitInsecure: { type: "boolean" },
              timeoutPolicy: {
                type: "object",
                additionalProperties: false,
                properties: { response: { type: "string" }, idle: { type: "string" } },
              },
              retryPolicy: {
                type: "object",
                additionalProperties: false,
                properties: {
                  count: { type: "integer", minimum: 0 },
                  perTryTimeout: { type: "string" },
                  retryOn: {
                    type: "array",
                    items: {
                      enum: [
                        "5xx",
                        "gateway-error",
                        "reset",
                        "connect-failure",
                        "retriable-4xx",
                        "refused-stream",
                        "retriable-status-codes",
                        "retriable-headers",
                        "cancelled",
                        "deadline-exceeded",
                        "internal",
                        "resource-exhausted",
                        "unavailable",
                      ],
                    },
                  },
                },
              },
              requestHeadersPolicy: headersPolicy,
              responseHeadersPolicy: headersPolicy,
            },
          },
        },
      },
    },
  },
};
const validate = new Ajv({ strict: false }).compile(HTTPPROXY_SCHEMA);

function svc(rev: string, weight: number) {
  return {
    name: rev,
    port: 80,
    weight,
    requestHeadersPolicy: {
      set: [
        { name: "Knative-Serving-Namespace", value: "default" },
        { name: "Knative-Serving-Revision", value: rev },
      ],
    },
  };
}

const RETRY = {
  count: 2,
  retryOn: [
    "cancelled",
    "connect-failure",
    "refused-stream",
    "resource-exhausted",
    "retriable-status-codes",
    "reset",
  ],
};

function routes(services: unknown[], hash: string) {
  const common = {
    services,
    enableWebsockets: true,
    permitInsecure: true,
    timeoutPolicy: { response: "infinity", idle: "infinity" },
    retryPolicy: RETRY,
  };
  return [
    {
      conditions: [{ header: { name: "K-Network-Hash", exact: "override" } }],
      ...common,
      requestHeadersPolicy: { set: [{ name: "K-Network-Hash", value: hash }] },
    },
    { ...common, requestHeadersPolicy: {} },
  ];
}

Deno.test("contour: HTTPProxies for a Route with two revisions, a tag and cluster-local visibility", async (t) => {
  const ing = routeIngress();
  const h = ingressHash(ing);
  const got = makeHTTPProxies(ing, parseContourConfig({}));
  await t.step("one proxy per rule and expanded host, class by visibility", () => {
    assert.deepStrictEqual(
      got.map((
        p,
      ) => [p.metadata.name, (p.spec as { virtualhost: { fqdn: string } }).virtualhost.fqdn]),
      [
        ["hello-contour-internal-hello.default", "hello.default"],
        ["hello-contour-internal-hello.default.svc", "hello.default.svc"],
        ["hello-contour-internal-hello.default", "hello.default"],
        ["hello-contour-internal-hello.default.svc", "hello.default.svc"],
        [
          "hello-contour-internal-hello.default.svc.cluster.local",
          "hello.default.svc.cluster.local",
        ],
        ["hello-contour-external-hello.default.example.com", "hello.default.example.com"],
        ["hello-contour-internal-candidate-hello.default", "candidate-hello.default"],
        ["hello-contour-internal-candidate-hello.default.svc", "candidate-hello.default.svc"],
        ["hello-contour-internal-candidate-hello.default", "candidate-hello.default"],
        ["hello-contour-internal-candidate-hello.default.svc", "candidate-hello.default.svc"],
        [
          "hello-contour-internal-29fa0352a6a33a35a634fdaf9f4e93b4candidat",
          "candidate-hello.default.svc.cluster.local",
        ],
      ],
    );
  });
  await t.step("the external proxy in full", () => {
    assert.deepStrictEqual(got[5], {
      apiVersion: "projectcontour.io/v1",
      kind: "HTTPProxy",
      metadata: {
        name: "hello-contour-external-hello.default.example.com",
        namespace: "default",
        labels: {
          "contour.networking.knative.dev/generation": "1",
          "contour.networking.knative.dev/parent": "hello",
          "projectcontour.io/ingress.class": "contour-external",
          "contour.networking.knative.dev/domainHash": "0ba38a20670e6d91881310085ec1c9b1b9c22d34",
        },
        annotations: {
          ...ing.metadata.annotations,
          "projectcontour.io/ingress.class": "contour-external",
        },
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
        virtualhost: { fqdn: "hello.default.example.com" },
        routes: routes([svc("hello-00001", 90), svc("hello-00002", 10)], h),
      },
    });
  });
  await t.step("the tag proxy routes 100% to its revision", () => {
    assert.deepStrictEqual(
      (got[10].spec as { routes: unknown }).routes,
      routes([svc("hello-00002", 100)], h),
    );
  });
  await t.step("every proxy satisfies the documented HTTPProxy fields", () => {
    for (const p of got) assert.ok(validate(p), JSON.stringify(validate.errors));
  });
});

Deno.test("contour: redirected external routes are not insecure, TLS, h2c, prefix and header conditions", () => {
  const ing = routeIngress();
  ing.spec.httpOption = "Redirected";
  ing.spec.tls = [{
    hosts: ["hello.default.example.com"],
    secretName: "cert",
    secretNamespace: "default",
  }];
  ing.spec.rules = [{
    hosts: ["hello.default.example.com"],
    visibility: "ExternalIP",
    http: {
      paths: [{
        path: "/v1",
        headers: { "A": { exact: "a" }, "Knative-Serving-Tag": { exact: "t" } },
        rewriteHost: "other.example.com",
        splits: [{ serviceNamespace: "default", serviceName: "h2", servicePort: 81, percent: 100 }],
      }],
    },
  }];
  const [p] = makeHTTPProxies(ing, parseContourConfig({ "timeout-policy-response": "60s" }));
  const spec = p.spec as { virtualhost: unknown; routes: Record<string, unknown>[] };
  assert.deepStrictEqual(spec.virtualhost, {
    fqdn: "hello.default.example.com",
    tls: { secretName: "default/cert" },
  });
  assert.deepStrictEqual(spec.routes[1], {
    conditions: [
      { prefix: "/v1" },
      { header: { name: "Knative-Serving-Tag", exact: "t" } },
      { header: { name: "A", exact: "a" } },
    ],
    services: [{ name: "h2", port: 81, weight: 100, protocol: "h2c" }],
    enableWebsockets: true,
    permitInsecure: false,
    timeoutPolicy: { response: "60s", idle: "infinity" },
    retryPolicy: RETRY,
    requestHeadersPolicy: { set: [{ name: "Host", value: "other.example.com" }] },
  });
  assert.ok(validate(p), JSON.stringify(validate.errors));
});

Deno.test("contour: the schema rejects what Contour does not define", () => {
  const [p] = makeHTTPProxies(routeIngress(), parseContourConfig({}));
  const bad = structuredClone(p) as KubeObject & { spec: { routes: Record<string, unknown>[] } };
  bad.spec.routes[0].retries = {};
  assert.equal(validate(bad), false);
});

Deno.test("contour: config-contour visibility classes and services", async (t) => {
  const cfg = parseContourConfig({
    visibility: `
ExternalIP: {class: ext, service: e-ns/envoy-e}
ClusterLocal: {class: int, service: i-ns/envoy-i}
`,
  });
  await t.step("classes name the proxies", () => {
    const names = makeHTTPProxies(routeIngress(), cfg).map((p) => p.metadata.name);
    assert.ok(names.includes("hello-ext-hello.default.example.com"));
    assert.ok(names.includes("hello-int-hello.default"));
  });
  await t.step(
    "status: ready once proxies exist; load balancers are the envoy services",
    async () => {
      const prov = contourProvider();
      const config = {
        configMaps: {
          "config-contour": {
            visibility:
              "ExternalIP: {class: ext, service: e-ns/envoy-e}\nClusterLocal: {class: int, service: i-ns/envoy-i}",
          },
        },
      };
      const ing = routeIngress();
      assert.equal((await prov.status(ing, [], config)).ready, false);
      assert.deepStrictEqual(await prov.status(ing, await prov.render(ing, config), config), {
        ready: true,
        publicLoadBalancer: { ingress: [{ domainInternal: "envoy-e.e-ns.svc.cluster.local" }] },
        privateLoadBalancer: { ingress: [{ domainInternal: "envoy-i.i-ns.svc.cluster.local" }] },
      });
    },
  );
  await t.step("a bad service is rejected", () => {
    assert.throws(
      () =>
        parseContourConfig({
          visibility: "ExternalIP: {class: a, service: x}\nClusterLocal: {class: b, service: y/z}",
        }),
      /namespace\/name/,
    );
  });
});

Deno.test("kmeta.ChildName", () => {
  assert.equal(childName("short", "-mesh"), "short-mesh");
  assert.equal(
    childName("a".repeat(60), "-mesh"),
    "aaaaaaaaaaaaaaaaaaaaaaaaaacc7ed669cf88f201c3297c6a91e1d18d-mesh",
  );
  assert.equal(
    childName("a".repeat(40), "-ingress-with-a-very-long-suffix-abcdefghij"),
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaacff0d94e6f0d473284edbd6a8c1beca7",
  );
});
