import assert from "node:assert/strict";
import type { Ingress } from "../../../apis/mod.ts";
import {
  DomainNameError,
  domainNameFromTemplate,
  makeIngress,
  makeK8sService,
  makePlaceholderService,
  resolveVisibility,
  routeAddressURL,
  routeStatusURL,
  statusTraffic,
} from "../../../controllers/route/resources.ts";
import { buildTrafficConfiguration } from "../../../controllers/route/traffic.ts";
import { buildRollout } from "../../../controllers/route/rollout.ts";
import { configuration, lookup, revision, route, routeConfig } from "./fixtures.ts";

const world = lookup([
  configuration("cfg", "cfg-00002"),
  revision("cfg-00001"),
  revision("cfg-00002"),
  revision("h2-00001", "cfg", { h2c: true }),
]);

Deno.test("domains", async (t) => {
  const cases: [string, Parameters<typeof routeConfig>[0], Record<string, string>, string][] = [
    [
      "default domain is svc.cluster.local when config-domain is empty",
      { domain: {} },
      {},
      "r.default.svc.cluster.local",
    ],
    ["config-domain default entry", { domain: { "example.com": "" } }, {}, "r.default.example.com"],
    [
      "most specific selector wins",
      { domain: { "example.com": "", "prod.com": "selector:\n  app: prod\n" } },
      { app: "prod" },
      "r.default.prod.com",
    ],
    [
      "domain-template",
      { network: { "domain-template": "{{.Name}}-{{.Namespace}}.{{.Domain}}" } },
      {},
      "r-default.example.com",
    ],
    [
      "cluster-local label ignores domain-template",
      { network: { "domain-template": "{{.Name}}-{{.Namespace}}.{{.Domain}}" } },
      { "networking.knative.dev/visibility": "cluster-local" },
      "r.default.svc.cluster.local",
    ],
    [
      "annotations are template values",
      { network: { "domain-template": '{{.Name}}.{{index .Annotations "sub"}}.{{.Domain}}' } },
      {},
      "r.x.example.com",
    ],
  ];
  for (const [name, cfg, labels, want] of cases) {
    await t.step(name, () => {
      const r = route("r", [], { labels, annotations: { sub: "x" } });
      assert.equal(domainNameFromTemplate(routeConfig(cfg), r.metadata, "r"), want);
    });
  }
  await t.step("a template producing a single label is an ErrDomainName", () => {
    const cfg = routeConfig({ network: { "domain-template": "{{.Name}}" } });
    assert.throws(() => domainNameFromTemplate(cfg, route("r", []).metadata, "r"), DomainNameError);
  });
});

Deno.test("visibility, url and address", async (t) => {
  await t.step("external by default with a configured domain", () => {
    const cfg = routeConfig();
    const r = route("r", [{ tag: "t", revisionName: "cfg-00001", percent: 100 }]);
    const vis = resolveVisibility(cfg, r, []);
    assert.deepEqual([...vis], [["", "ExternalIP"], ["t", "ExternalIP"]]);
    assert.equal(routeStatusURL(cfg, r, vis), "http://r.default.example.com");
    assert.equal(routeAddressURL(cfg, r), "http://r.default.svc.cluster.local");
  });
  await t.step("cluster-local route label", () => {
    const cfg = routeConfig();
    const r = route("r", [], { labels: { "networking.knative.dev/visibility": "cluster-local" } });
    const vis = resolveVisibility(cfg, r, []);
    assert.equal(vis.get(""), "ClusterLocal");
    assert.equal(routeStatusURL(cfg, r, vis), "http://r.default.svc.cluster.local");
  });
  await t.step("a labelled placeholder service makes only its tag cluster-local", () => {
    const cfg = routeConfig({ network: { "default-external-scheme": "https" } });
    const r = route("r", [{ tag: "t", revisionName: "cfg-00001", percent: 100 }]);
    const svc = makePlaceholderService(cfg, r, "t");
    svc.metadata.labels!["networking.knative.dev/visibility"] = "cluster-local";
    const vis = resolveVisibility(cfg, r, [svc]);
    assert.deepEqual([...vis], [["", "ExternalIP"], ["t", "ClusterLocal"]]);
    assert.equal(routeStatusURL(cfg, r, vis), "https://r.default.example.com");
  });
});

Deno.test("status traffic", async (t) => {
  await t.step("tagged entries get a url; percent and latestRevision copied", () => {
    const cfg = routeConfig();
    const r = route("r", [
      { configurationName: "cfg", latestRevision: true, percent: 80 },
      { tag: "old", revisionName: "cfg-00001", latestRevision: false, percent: 20 },
    ]);
    const { config } = buildTrafficConfiguration(r, world);
    const vis = resolveVisibility(cfg, r, []);
    assert.deepEqual(statusTraffic(cfg, r, config, vis), [
      { revisionName: "cfg-00002", percent: 80, latestRevision: true },
      {
        tag: "old",
        revisionName: "cfg-00001",
        percent: 20,
        latestRevision: false,
        url: "http://old-r.default.example.com",
      },
    ]);
  });
  await t.step("tag-template is used for tag hosts", () => {
    const cfg = routeConfig({ network: { "tag-template": "{{.Name}}-{{.Tag}}" } });
    const r = route("r", [{ tag: "v1", revisionName: "cfg-00001", percent: 100 }]);
    const { config } = buildTrafficConfiguration(r, world);
    assert.equal(
      statusTraffic(cfg, r, config, resolveVisibility(cfg, r, []))[0].url,
      "http://r-v1.default.example.com",
    );
  });
});

Deno.test("placeholder services", async (t) => {
  const cfg = routeConfig();
  const r = route("r", [], {
    labels: { app: "a", "networking.knative.dev/visibility": "" },
    annotations: { note: "n" },
  });
  await t.step("ExternalName to the FQDN, route label, visibility label dropped", () => {
    assert.deepEqual(makePlaceholderService(cfg, r, "t"), {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "t-r",
        namespace: "default",
        labels: { app: "a", "serving.knative.dev/route": "r" },
        annotations: { note: "n" },
        ownerReferences: [{
          apiVersion: "serving.knative.dev/v1",
          kind: "Route",
          name: "r",
          uid: "uid-r",
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
      spec: {
        type: "ExternalName",
        externalName: "t-r.default.example.com",
        sessionAffinity: "None",
        ports: [{ name: "http2", appProtocol: "kubernetes.io/h2c", port: 80, targetPort: 80 }],
      },
    });
  });
  const ing = (pub: Record<string, unknown>[], priv: Record<string, unknown>[] = []) =>
    ({
      apiVersion: "networking.internal.knative.dev/v1alpha1",
      kind: "Ingress",
      metadata: { name: "r" },
      spec: {},
      status: { publicLoadBalancer: { ingress: pub }, privateLoadBalancer: { ingress: priv } },
    }) as Ingress;
  const cases: [string, Ingress, boolean, Record<string, unknown> | undefined, boolean][] = [
    [
      "private domainInternal preferred",
      ing([{ domain: "pub.x" }], [{ domainInternal: "gw.svc" }]),
      false,
      { type: "ExternalName", externalName: "gw.svc", sessionAffinity: "None" },
      false,
    ],
    ["public domain", ing([{ domain: "pub.x" }]), false, {
      type: "ExternalName",
      externalName: "pub.x",
    }, false],
    ["IP makes a headless service and endpoints", ing([{ ip: "10.0.0.1" }]), false, {
      type: "ClusterIP",
      clusterIP: "None",
    }, true],
    ["mesh only", ing([{ meshOnly: true }]), false, { type: "ClusterIP" }, false],
    ["cluster-local reads only the private LB", ing([{ domain: "pub.x" }]), true, undefined, false],
    ["two entries is an error", ing([{ domain: "a" }, { domain: "b" }]), false, undefined, false],
  ];
  for (const [name, ingress, priv, want, eps] of cases) {
    await t.step(name, () => {
      const got = makeK8sService(cfg, r, "", ingress, priv);
      if (!want) return assert.equal(got, undefined);
      const { ports: _p, ...spec } = got!.service.spec as Record<string, unknown>;
      assert.deepEqual(spec, want);
      assert.equal(got!.endpoints !== undefined, eps);
      if (eps) {
        assert.deepEqual(got!.endpoints!.subsets, [{
          addresses: [{ ip: "10.0.0.1" }],
          ports: [{ name: "http2", appProtocol: "kubernetes.io/h2c", port: 80 }],
        }]);
      }
    });
  }
});

function ingressFor(
  r: ReturnType<typeof route>,
  cfg = routeConfig(),
  cls = "istio.ingress.networking.knative.dev",
): Ingress {
  const { config } = buildTrafficConfiguration(r, world);
  return makeIngress(cfg, r, config, resolveVisibility(cfg, r, []), buildRollout(config), cls);
}

const split = (rev: string, percent: number, port = 80) => ({
  serviceNamespace: "default",
  serviceName: rev,
  servicePort: port,
  percent,
  appendHeaders: { "Knative-Serving-Revision": rev, "Knative-Serving-Namespace": "default" },
});
const LOCAL = ["r.default", "r.default.svc", "r.default.svc.cluster.local"];

Deno.test("ingress", async (t) => {
  await t.step("metadata: labels, class, rollout, owner; excluded annotations dropped", () => {
    const r = route("r", [{ configurationName: "cfg", latestRevision: true, percent: 100 }], {
      labels: { "serving.knative.dev/service": "r" },
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "networking.knative.dev/ingress-class": "x",
        "networking.knative.dev/certificate-class": "y",
        keep: "me",
      },
    });
    const ing = ingressFor(r);
    assert.deepEqual(ing.metadata, {
      name: "r",
      namespace: "default",
      labels: {
        "serving.knative.dev/service": "r",
        "serving.knative.dev/route": "r",
        "serving.knative.dev/routeNamespace": "default",
      },
      annotations: {
        "networking.knative.dev/ingress.class": "istio.ingress.networking.knative.dev",
        "networking.internal.knative.dev/rollout":
          '{"configurations":[{"configurationName":"cfg","percent":100,"revisions":[{"revisionName":"cfg-00002","percent":100}],"stepParams":{}}]}',
        keep: "me",
      },
      ownerReferences: [{
        apiVersion: "serving.knative.dev/v1",
        kind: "Route",
        name: "r",
        uid: "uid-r",
        controller: true,
        blockOwnerDeletion: true,
      }],
    });
    assert.deepEqual(ing.spec, {
      rules: [
        {
          hosts: LOCAL,
          visibility: "ClusterLocal",
          http: { paths: [{ splits: [split("cfg-00002", 100)] }] },
        },
        {
          hosts: ["r.default.example.com"],
          visibility: "ExternalIP",
          http: { paths: [{ splits: [split("cfg-00002", 100)] }] },
        },
      ],
      httpOption: "Enabled",
    });
  });

  await t.step("tags: own rules at 100%, 0% targets have no split, tag-to-host", () => {
    const r = route("r", [
      { revisionName: "cfg-00001", percent: 100 },
      { tag: "next", revisionName: "h2-00001", percent: 0 },
    ]);
    const ing = ingressFor(r);
    assert.deepEqual(
      ing.spec.rules!.map((x) => [x.hosts, x.visibility, x.http!.paths[0].splits]),
      [
        [LOCAL, "ClusterLocal", [split("cfg-00001", 100)]],
        [["r.default.example.com"], "ExternalIP", [split("cfg-00001", 100)]],
        [
          ["next-r.default", "next-r.default.svc", "next-r.default.svc.cluster.local"],
          "ClusterLocal",
          [split("h2-00001", 100, 81)],
        ],
        [["next-r.default.example.com"], "ExternalIP", [split("h2-00001", 100, 81)]],
      ],
    );
    assert.equal(
      ing.metadata.annotations!["networking.internal.knative.dev/tag-to-host"],
      '{"next":["next-r.default.svc.cluster.local","next-r.default.example.com"]}',
    );
    assert.equal(ing.metadata.annotations!["networking.internal.knative.dev/rollout"], "{}");
  });

  await t.step("cluster-local route has only ClusterLocal rules", () => {
    const r = route("r", [{ revisionName: "cfg-00001", percent: 100 }], {
      labels: { "networking.knative.dev/visibility": "cluster-local" },
    });
    assert.deepEqual(ingressFor(r).spec.rules!.map((x) => x.visibility), ["ClusterLocal"]);
  });

  await t.step("tag header based routing", () => {
    const r = route("r", [
      { revisionName: "cfg-00001", percent: 100 },
      { tag: "t", revisionName: "cfg-00002", percent: 0 },
    ]);
    const cfg = routeConfig({ features: { "tag-header-based-routing": "Enabled" } });
    const rules = ingressFor(r, cfg).spec.rules!;
    assert.deepEqual(rules[0].http!.paths, [
      { headers: { "Knative-Serving-Tag": { exact: "t" } }, splits: [split("cfg-00002", 100)] },
      {
        splits: [split("cfg-00001", 100)],
        appendHeaders: { "Knative-Serving-Default-Route": "true" },
      },
    ]);
    assert.deepEqual(rules[2].http!.paths, [
      { splits: [split("cfg-00002", 100)], appendHeaders: { "Knative-Serving-Tag": "t" } },
    ]);
  });

  await t.step("http option from annotation, disabled in config, system-internal-tls port", () => {
    const r = route("r", [{ revisionName: "cfg-00001", percent: 100 }], {
      annotations: { "networking.knative.dev/http-protocol": "redirected" },
    });
    assert.equal(ingressFor(r).spec.httpOption, "Redirected");
    const r2 = route("r", [{ revisionName: "cfg-00001", percent: 100 }]);
    const cfg = routeConfig({
      network: { "http-protocol": "Disabled", "system-internal-tls": "Enabled" },
    });
    const ing = ingressFor(r2, cfg);
    assert.equal(ing.spec.httpOption, undefined);
    assert.equal(ing.spec.rules![0].http!.paths[0].splits[0].servicePort, 443);
  });

  await t.step("class comes from the route annotation", () => {
    const r = route("r", [{ revisionName: "cfg-00001", percent: 100 }], {
      annotations: {
        "networking.knative.dev/ingress.class": "contour.ingress.networking.knative.dev",
      },
    });
    assert.equal(
      ingressFor(r, routeConfig(), "contour.ingress.networking.knative.dev").metadata.annotations![
        "networking.knative.dev/ingress.class"
      ],
      "contour.ingress.networking.knative.dev",
    );
  });
});
