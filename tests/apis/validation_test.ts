import assert from "node:assert/strict";
import {
  type ApiContext,
  type Configuration,
  defaultApiContext,
  parseDefaultsConfig,
  parseFeaturesConfig,
  type Revision,
  type Route,
  type Service,
  validateConfiguration,
  validateRevision,
  validateRoute,
  validateService,
} from "../../apis/mod.ts";

function svc(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Service {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name: "hello", namespace: "default", ...meta },
    spec: spec as unknown as Service["spec"],
  };
}
const img = { containers: [{ image: "ghcr.io/knative/helloworld-go:latest" }] };
const tpl = (s: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  template: { ...(meta ? { metadata: meta } : {}), spec: { ...img, ...s } },
});

interface Case {
  name: string;
  obj: Service;
  want: string | undefined;
  ctx?: Partial<ApiContext>;
}

Deno.test("Service validation (KNATIVE.md §2.3)", async (t) => {
  const cases: Case[] = [
    { name: "valid minimal", obj: svc(tpl()), want: undefined },
    {
      name: "missing image",
      obj: svc({ template: { spec: { containers: [{}] } } }),
      want: "missing field(s): spec.template.spec.containers[0]",
    },
    {
      name: "missing image with a name",
      obj: svc({ template: { spec: { containers: [{ name: "x" }] } } }),
      want: "missing field(s): spec.template.spec.containers[0].image",
    },
    {
      name: "no containers",
      obj: svc({ template: { spec: {} } }),
      want: "missing field(s): spec.template.spec.containers",
    },
    {
      name: "traffic sum",
      obj: svc({ ...tpl(), traffic: [{ latestRevision: true, percent: 90 }] }),
      want: "Traffic targets sum to 90, want 100: spec.traffic",
    },
    {
      name: "percent out of bounds",
      obj: svc({
        ...tpl(),
        traffic: [{ latestRevision: true, percent: 101 }, { revisionName: "hello-a", percent: -1 }],
      }),
      want:
        "expected 0 <= -1 <= 100: spec.traffic[1].percent\nexpected 0 <= 101 <= 100: spec.traffic[0].percent",
    },
    {
      name: "configurationName forbidden inside a Service",
      obj: svc({ ...tpl(), traffic: [{ configurationName: "foo", percent: 100 }] }),
      want: "must not set the field(s): spec.traffic[0].configurationName",
    },
    {
      name: "latestRevision true with revisionName",
      obj: svc({
        ...tpl(),
        traffic: [{ revisionName: "hello-a", latestRevision: true, percent: 100 }],
      }),
      want:
        'may not set revisionName "hello-a" when latestRevision is true: spec.traffic[0].latestRevision',
    },
    {
      name: "latestRevision false without revisionName",
      obj: svc({ ...tpl(), traffic: [{ latestRevision: false, percent: 100 }] }),
      want:
        'may not set revisionName "" when latestRevision is false: spec.traffic[0].latestRevision',
    },
    {
      name: "url in spec",
      obj: svc({
        ...tpl(),
        traffic: [{ latestRevision: true, percent: 100, tag: "a", url: "http://x" }],
      }),
      want: "must not set the field(s): spec.traffic[0].url",
    },
    {
      name: "duplicate tags",
      obj: svc({
        ...tpl(),
        traffic: [
          { latestRevision: true, percent: 50, tag: "a" },
          { revisionName: "hello-x", percent: 50, tag: "a" },
        ],
      }),
      want: 'Multiple definitions for "a": spec.traffic[0].tag, spec.traffic[1].tag',
    },
    {
      name: "tag must be DNS-1035",
      obj: svc({ ...tpl(), traffic: [{ latestRevision: true, percent: 100, tag: "A_b" }] }),
      want:
        "invalid value: not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]: spec.traffic[0].tag",
    },
    {
      name: "BYO name must have the parent prefix",
      obj: svc(tpl({}, { name: "other-v1" })),
      want: 'invalid value: "other-v1" must have prefix "hello-": spec.template.metadata.name',
    },
    {
      name: "BYO name with prefix ok",
      obj: svc(tpl({}, { name: "hello-v1" })),
      want: undefined,
    },
    {
      name: "timeout above max",
      obj: svc(tpl({ timeoutSeconds: 601 })),
      want: "expected 0 <= 601 <= 600: spec.template.spec.timeoutSeconds",
    },
    {
      name: "timeout negative",
      obj: svc(tpl({ timeoutSeconds: -1 })),
      want: "expected 0 <= -1 <= 600: spec.template.spec.timeoutSeconds",
    },
    {
      name: "containerConcurrency above limit",
      obj: svc(tpl({ containerConcurrency: 1001 })),
      want: "expected 0 <= 1001 <= 1000: spec.template.spec.containerConcurrency",
    },
    {
      name: "containerConcurrency zero disallowed by config",
      obj: svc(tpl({ containerConcurrency: 0 })),
      ctx: { defaults: parseDefaultsConfig({ "allow-container-concurrency-zero": "false" }) },
      want: "expected 1 <= 0 <= 1000: spec.template.spec.containerConcurrency",
    },
    {
      name: "autoscaling annotation on Service metadata refused",
      obj: svc(tpl(), { annotations: { "autoscaling.knative.dev/min-scale": "1" } }),
      want:
        'invalid key name "autoscaling.knative.dev/min-scale": metadata.annotations\nautoscaling annotations must be put under "spec.template.metadata.annotations" to work',
    },
    {
      name: "bad autoscaling annotation on the template",
      obj: svc(tpl({}, { annotations: { "autoscaling.knative.dev/min-scale": "-1" } })),
      want:
        "expected 0 <= -1 <= 2147483647: spec.template.metadata.annotations.autoscaling.knative.dev/min-scale",
    },
    {
      name: "invalid name",
      obj: svc(tpl(), { name: "Hello" }),
      want:
        "not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]: metadata.name",
    },
    {
      name: "name required",
      obj: svc(tpl(), { name: undefined }),
      want: "name or generateName is required: metadata.name",
    },
    {
      name: "visibility label value",
      obj: svc(tpl(), { labels: { "networking.knative.dev/visibility": "public" } }),
      want: "invalid value: public: metadata.labels.networking.knative.dev/visibility",
    },
    {
      name: "reserved port",
      obj: svc(tpl({ containers: [{ image: "x", ports: [{ containerPort: 8012 }] }] })),
      want: "invalid value: 8012: spec.template.spec.containers[0].ports.containerPort",
    },
    {
      name: "two ports",
      obj: svc(
        tpl({ containers: [{ image: "x", ports: [{ containerPort: 1 }, { containerPort: 2 }] }] }),
      ),
      want:
        "More than one container port is set: spec.template.spec.containers[0].ports\nOnly a single port is allowed",
    },
    {
      name: "port name",
      obj: svc(
        tpl({ containers: [{ image: "x", ports: [{ name: "grpc", containerPort: 9000 }] }] }),
      ),
      want:
        "Port name grpc is not allowed: spec.template.spec.containers[0].ports\nName must be empty, or one of: 'h2c', 'http1'",
    },
    {
      name: "reserved env var",
      obj: svc(tpl({ containers: [{ image: "x", env: [{ name: "PORT", value: "1" }] }] })),
      want:
        '"PORT" is a reserved environment variable: spec.template.spec.containers[0].env[0].name',
    },
    {
      name: "disallowed container field",
      obj: svc(tpl({ containers: [{ image: "x", stdin: true }] })),
      want: "must not set the field(s): spec.template.spec.containers[0].stdin",
    },
    {
      name: "feature-gated pod field",
      obj: svc(tpl({ nodeSelector: { a: "b" } })),
      want: "must not set the field(s): spec.template.spec.nodeSelector",
    },
    {
      name: "feature-gated pod field enabled",
      obj: svc(tpl({ nodeSelector: { a: "b" } })),
      ctx: { features: parseFeaturesConfig({ "kubernetes.podspec-nodeselector": "enabled" }) },
      want: undefined,
    },
    {
      name: "multi-container needs one port",
      obj: svc(tpl({ containers: [{ image: "a" }, { image: "b" }] })),
      want: "missing field(s): spec.template.spec.containers.ports",
    },
    {
      name: "multi-container off",
      obj: svc(
        tpl({ containers: [{ image: "a", ports: [{ containerPort: 80 }] }, { image: "b" }] }),
      ),
      ctx: { features: parseFeaturesConfig({ "multi-container": "disabled" }) },
      want: "multi-container is off, but found 2 containers: ",
    },
    {
      name: "readiness probe two handlers",
      obj: svc(tpl({
        containers: [{
          image: "x",
          readinessProbe: { httpGet: {}, tcpSocket: {}, successThreshold: 1 },
        }],
      })),
      want:
        "expected exactly one, got both: spec.template.spec.containers[0].readinessProbe.httpGet, spec.template.spec.containers[0].readinessProbe.tcpSocket",
    },
    {
      name: "readiness probe port mismatch",
      obj: svc(tpl({
        containers: [{
          image: "x",
          ports: [{ containerPort: 8888 }],
          readinessProbe: { httpGet: { port: 9999 }, successThreshold: 1 },
        }],
      })),
      want:
        "invalid value: 9999: spec.template.spec.containers[0].readinessProbe.httpGet.port\nMay only probe containerPort",
    },
    {
      name: "failureThreshold with periodSeconds 0",
      obj: svc(tpl({
        containers: [{
          image: "x",
          readinessProbe: { tcpSocket: {}, successThreshold: 1, failureThreshold: 3 },
        }],
      })),
      want:
        "failureThreshold is disallowed when periodSeconds is zero: spec.template.spec.containers[0].readinessProbe.failureThreshold",
    },
    {
      name: "volume mount without volume",
      obj: svc(
        tpl({
          containers: [{
            image: "x",
            volumeMounts: [{ name: "v", mountPath: "/data", readOnly: true }],
          }],
        }),
      ),
      want:
        "invalid value: v: spec.template.spec.containers[0].volumeMounts[0].name\nvolumeMount has no matching volume",
    },
    {
      name: "reserved mount path",
      obj: svc(tpl({
        containers: [{
          image: "x",
          volumeMounts: [{ name: "v", mountPath: "/tmp", readOnly: true }],
        }],
        volumes: [{ name: "v", secret: { secretName: "s" } }],
      })),
      want:
        'mountPath "/tmp" is a reserved path: spec.template.spec.containers[0].volumeMounts[0].mountPath',
    },
    {
      name: "unmounted volume",
      obj: svc(tpl({ volumes: [{ name: "v", secret: { secretName: "s" } }] })),
      want: 'volume with name "v" not mounted: spec.template.spec.volumes[0].name',
    },
    {
      name: "bad image reference",
      obj: svc(tpl({ containers: [{ image: "UPPER/Case::x" }] })),
      want:
        'Failed to parse image reference: spec.template.spec.containers[0].image\nimage: "UPPER/Case::x", error: could not parse reference: UPPER/Case::x',
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const err = validateService(defaultApiContext(c.ctx), c.obj);
      assert.equal(err?.toString(), c.want);
    });
  }
});

Deno.test("Service update validation", async (t) => {
  const base = svc(tpl({}, { name: "hello-v1" }), {
    annotations: {
      "serving.knative.dev/creator": "alice",
      "serving.knative.dev/lastModifier": "alice",
    },
  });
  await t.step("template change without BYO name change is refused", () => {
    const next = structuredClone(base);
    next.spec.template.spec.containers![0].image = "other";
    const err = validateService(defaultApiContext({ operation: "UPDATE", baseline: base }), next);
    assert.match(
      err!.toString(),
      /^Saw the following changes without a name change \(-old \+new\): spec\.template\.metadata\.name\n/,
    );
  });
  await t.step("creator is immutable", () => {
    const next = structuredClone(base);
    next.metadata.annotations!["serving.knative.dev/creator"] = "mallory";
    const err = validateService(defaultApiContext({ operation: "UPDATE", baseline: base }), next);
    assert.equal(
      err?.toString(),
      "invalid value: mallory: metadata.annotations.serving.knative.dev/creator\nannotation value is immutable",
    );
  });
  await t.step("lastModifier cannot change without a spec change", () => {
    const next = structuredClone(base);
    next.metadata.annotations!["serving.knative.dev/lastModifier"] = "bob";
    const err = validateService(defaultApiContext({ operation: "UPDATE", baseline: base }), next);
    assert.match(err!.toString(), /lastModifier/);
  });
  await t.step("status update skips spec validation", () => {
    const bad = svc({ template: { spec: {} } });
    assert.equal(validateService(defaultApiContext({ statusUpdate: true }), bad), undefined);
  });
});

function route(traffic: unknown[], meta: Record<string, unknown> = {}): Route {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Route",
    metadata: { name: "r", namespace: "default", ...meta },
    spec: { traffic: traffic as Route["spec"]["traffic"] },
  };
}

Deno.test("Route validation", async (t) => {
  const cases: { name: string; obj: Route; want: string | undefined }[] = [
    { name: "valid", obj: route([{ configurationName: "c", percent: 100 }]), want: undefined },
    {
      name: "both names",
      obj: route([{ configurationName: "c", revisionName: "r", percent: 100 }]),
      want:
        "expected exactly one, got both: spec.traffic[0].configurationName, spec.traffic[0].revisionName",
    },
    {
      name: "neither name",
      obj: route([{ percent: 100 }]),
      want:
        "expected exactly one, got neither: spec.traffic[0].configurationName, spec.traffic[0].revisionName",
    },
    {
      name: "empty traffic is valid",
      obj: route([]),
      want: undefined,
    },
    {
      name: "invalid revision name",
      obj: route([{ revisionName: "a/b/c", percent: 100 }]),
      want:
        "invalid key name \"a/b/c\": spec.traffic[0].revisionName\na qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    },
    {
      name: "service label needs an owner",
      obj: route([{ configurationName: "c", percent: 100 }], {
        labels: { "serving.knative.dev/service": "s" },
      }),
      want: "missing field(s): metadata.labels.serving.knative.dev/service",
    },
    {
      name: "service label with owner",
      obj: route([{ configurationName: "c", percent: 100 }], {
        labels: { "serving.knative.dev/service": "s" },
        ownerReferences: [{
          apiVersion: "serving.knative.dev/v1",
          kind: "Service",
          name: "s",
          uid: "u",
        }],
      }),
      want: undefined,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      assert.equal(validateRoute(defaultApiContext(), c.obj)?.toString(), c.want);
    });
  }
  await t.step("status: tagged target needs url, revisionName required", () => {
    const r = route([]);
    r.status = { traffic: [{ tag: "a", percent: 100 }] };
    assert.equal(
      validateRoute(defaultApiContext({ statusUpdate: true }), r)?.toString(),
      "missing field(s): status.traffic[0].revisionName, status.traffic[0].url",
    );
  });
});

Deno.test("Revision and Configuration validation", async (t) => {
  const rev: Revision = {
    apiVersion: "serving.knative.dev/v1",
    kind: "Revision",
    metadata: { name: "c-00001", namespace: "default" },
    spec: { containers: [{ image: "x" }] },
  };
  await t.step("valid revision with autoscaling annotation", () => {
    const r = structuredClone(rev);
    r.metadata.annotations = { "autoscaling.knative.dev/min-scale": "1" };
    assert.equal(validateRevision(defaultApiContext(), r), undefined);
  });
  await t.step("revision spec is immutable", () => {
    const r = structuredClone(rev);
    r.spec.containers![0].image = "y";
    const err = validateRevision(defaultApiContext({ operation: "UPDATE", baseline: rev }), r);
    assert.match(err!.toString(), /^Immutable fields changed \(-old \+new\): spec\n/);
  });
  await t.step("configuration label needs an owner", () => {
    const r = structuredClone(rev);
    r.metadata.labels = { "serving.knative.dev/configuration": "c" };
    assert.equal(
      validateRevision(defaultApiContext(), r)?.toString(),
      "missing field(s): metadata.labels.serving.knative.dev/configuration",
    );
  });
  await t.step("configuration service label needs a Service owner", () => {
    const c: Configuration = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Configuration",
      metadata: { name: "c", namespace: "default", labels: { "serving.knative.dev/service": "s" } },
      spec: { template: { spec: { containers: [{ image: "x" }] } } },
    };
    assert.equal(
      validateConfiguration(defaultApiContext(), c)?.toString(),
      "missing field(s): metadata.labels.serving.knative.dev/service",
    );
  });
  await t.step("init containers are feature-gated", () => {
    const r = structuredClone(rev);
    r.spec.initContainers = [{ image: "i" }];
    assert.equal(
      validateRevision(defaultApiContext(), r)?.toString(),
      "must not set the field(s): spec.initContainers",
    );
  });
  await t.step("configuration template is validated", () => {
    const c: Configuration = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Configuration",
      metadata: { name: "c", namespace: "default" },
      spec: { template: { spec: { containers: [{ name: "a" }] } } },
    };
    assert.equal(
      validateConfiguration(defaultApiContext(), c)?.toString(),
      "missing field(s): spec.template.spec.containers[0].image",
    );
  });
});
