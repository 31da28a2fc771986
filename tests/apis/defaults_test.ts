import assert from "node:assert/strict";
import {
  defaultApiContext,
  parseDefaultsConfig,
  parseFeaturesConfig,
  type Revision,
  type Route,
  type Service,
  setRevisionDefaults,
  setRouteDefaults,
  setServiceDefaults,
  validateService,
} from "../../apis/mod.ts";

const base = (): Service => ({
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  metadata: { name: "hello", namespace: "default" },
  spec: { template: { spec: { containers: [{ image: "x" }] } } },
});

Deno.test("Service defaulting (KNATIVE.md §2.2)", async (t) => {
  await t.step("single container: name, timeout, cc, probe, resources, links, traffic", () => {
    const s = setServiceDefaults(defaultApiContext(), base());
    assert.deepEqual(s.spec, {
      template: {
        spec: {
          containers: [{
            image: "x",
            name: "user-container",
            readinessProbe: { tcpSocket: {}, successThreshold: 1 },
            resources: {},
          }],
          containerConcurrency: 0,
          enableServiceLinks: false,
          timeoutSeconds: 300,
        },
      },
      traffic: [{ latestRevision: true, percent: 100 }],
    });
  });
  await t.step("defaulted Service validates", () => {
    const s = setServiceDefaults(defaultApiContext(), base());
    assert.equal(validateService(defaultApiContext(), s), undefined);
  });
  await t.step("multi-container names get suffixes skipping user names", () => {
    const s = base();
    s.spec.template.spec.containers = [
      { image: "a", ports: [{ containerPort: 8080 }] },
      { image: "b", name: "user-container-1" },
      { image: "c" },
    ];
    const out = setServiceDefaults(defaultApiContext(), s);
    assert.deepEqual(
      out.spec.template.spec.containers!.map((c) => c.name),
      ["user-container-0", "user-container-1", "user-container-2"],
    );
    // Only the serving container (the one with ports) gets the default probe.
    assert.deepEqual(out.spec.template.spec.containers![0].readinessProbe, {
      tcpSocket: {},
      successThreshold: 1,
    });
    assert.equal(out.spec.template.spec.containers![2].readinessProbe, undefined);
  });
  await t.step("init containers are named from init-container-name-template", () => {
    const s = base();
    s.spec.template.spec.initContainers = [{ image: "i1" }, {
      image: "i2",
      name: "init-container-0",
    }];
    const out = setServiceDefaults(defaultApiContext(), s).spec.template.spec;
    assert.deepEqual(out.initContainers!.map((c) => c.name), [
      "init-container-1",
      "init-container-0",
    ]);
    assert.equal(out.containers![0].name, "user-container");
  });
  await t.step("a single container whose default name is taken gets a suffix", () => {
    const s = base();
    s.spec.template.spec.initContainers = [{ image: "i", name: "user-container" }];
    const out = setServiceDefaults(defaultApiContext(), s).spec.template.spec;
    assert.equal(out.containers![0].name, "user-container-0");
  });
  await t.step("container-name-template renders the parent name", () => {
    const ctx = defaultApiContext({
      defaults: parseDefaultsConfig({ "container-name-template": "{{.Name}}-app" }),
    });
    const out = setServiceDefaults(ctx, base());
    assert.equal(out.spec.template.spec.containers![0].name, "hello-app");
  });
  await t.step("probe thresholds with periodSeconds", () => {
    const s = base();
    s.spec.template.spec.containers![0].readinessProbe = {
      httpGet: { path: "/" },
      periodSeconds: 5,
    };
    const p = setServiceDefaults(defaultApiContext(), s).spec.template.spec.containers![0]
      .readinessProbe;
    assert.deepEqual(p, {
      httpGet: { path: "/" },
      periodSeconds: 5,
      successThreshold: 1,
      failureThreshold: 3,
      timeoutSeconds: 1,
    });
  });
  await t.step("grpc probe service defaults to empty string", () => {
    const s = base();
    s.spec.template.spec.containers![0].livenessProbe = { grpc: { port: 8080 } };
    const c = setServiceDefaults(defaultApiContext(), s).spec.template.spec.containers![0];
    assert.deepEqual(c.livenessProbe, { grpc: { port: 8080, service: "" } });
  });
  await t.step("configured resources fill only what is unset", () => {
    const ctx = defaultApiContext({
      defaults: parseDefaultsConfig({
        "revision-cpu-request": "400m",
        "revision-memory-limit": "1G",
      }),
    });
    const s = base();
    s.spec.template.spec.containers![0].resources = { requests: { cpu: "1" } };
    const c = setServiceDefaults(ctx, s).spec.template.spec.containers![0];
    assert.deepEqual(c.resources, { requests: { cpu: "1" }, limits: { memory: "1G" } });
  });
  await t.step("idle and response-start timeouts only below the timeout", () => {
    const ctx = defaultApiContext({
      defaults: parseDefaultsConfig({
        "revision-idle-timeout-seconds": "100",
        "revision-response-start-timeout-seconds": "200",
      }),
    });
    const spec = setServiceDefaults(ctx, base()).spec.template.spec;
    assert.equal(spec.idleTimeoutSeconds, 100);
    assert.equal(spec.responseStartTimeoutSeconds, 200);
    const spec2 = setServiceDefaults(defaultApiContext(), base()).spec.template.spec;
    assert.equal(spec2.responseStartTimeoutSeconds, undefined);
    assert.equal(spec2.idleTimeoutSeconds, undefined);
  });
  await t.step("timeoutSeconds 0 is replaced", () => {
    const s = base();
    s.spec.template.spec.timeoutSeconds = 0;
    assert.equal(setServiceDefaults(defaultApiContext(), s).spec.template.spec.timeoutSeconds, 300);
  });
  await t.step("enableServiceLinks only on create", () => {
    const s = base();
    const out = setServiceDefaults(defaultApiContext({ operation: "UPDATE", baseline: base() }), s);
    assert.equal(out.spec.template.spec.enableServiceLinks, undefined);
  });
  await t.step("non-emptyDir volume mounts become readOnly", () => {
    const s = base();
    s.spec.template.spec.volumes = [{ name: "s", secret: { secretName: "x" } }, {
      name: "e",
      emptyDir: {},
    }];
    s.spec.template.spec.containers![0].volumeMounts = [
      { name: "s", mountPath: "/s" },
      { name: "e", mountPath: "/e" },
    ];
    const vm = setServiceDefaults(defaultApiContext(), s).spec.template.spec.containers![0]
      .volumeMounts!;
    assert.equal(vm[0].readOnly, true);
    assert.equal(vm[1].readOnly, undefined);
  });
  await t.step("unchanged BYO name on update skips template defaults", () => {
    const old = base();
    old.spec.template.metadata = { name: "hello-v1" };
    const next = structuredClone(old);
    const out = setServiceDefaults(defaultApiContext({ operation: "UPDATE", baseline: old }), next);
    assert.equal(out.spec.template.spec.timeoutSeconds, undefined);
  });
  await t.step("secure-pod-defaults Enabled", () => {
    const ctx = defaultApiContext({
      features: parseFeaturesConfig({ "secure-pod-defaults": "Enabled" }),
    });
    const s = base();
    s.spec.template.spec.containers![0].ports = [{ containerPort: 80 }];
    const sc = setServiceDefaults(ctx, s).spec.template.spec.containers![0].securityContext;
    assert.deepEqual(sc, {
      allowPrivilegeEscalation: false,
      seccompProfile: { type: "RuntimeDefault" },
      capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
      runAsNonRoot: true,
    });
  });
  await t.step("traffic target defaults", () => {
    const s = base();
    s.spec.traffic = [{ revisionName: "hello-a", percent: 50 }, { percent: 50 }, {
      tag: "t",
      revisionName: "hello-b",
    }];
    assert.deepEqual(setServiceDefaults(defaultApiContext(), s).spec.traffic, [
      { revisionName: "hello-a", percent: 50, latestRevision: false },
      { percent: 50, latestRevision: true },
      { tag: "t", revisionName: "hello-b", latestRevision: false, percent: 0 },
    ]);
  });
  await t.step("creator and lastModifier on create; lastModifier on spec change", () => {
    const created = setServiceDefaults(
      defaultApiContext({ userInfo: { username: "alice" } }),
      base(),
    );
    assert.equal(created.metadata.annotations!["serving.knative.dev/creator"], "alice");
    assert.equal(created.metadata.annotations!["serving.knative.dev/lastModifier"], "alice");
    const same = setServiceDefaults(
      defaultApiContext({ operation: "UPDATE", baseline: created, userInfo: { username: "bob" } }),
      structuredClone(created),
    );
    assert.equal(same.metadata.annotations!["serving.knative.dev/lastModifier"], "alice");
    const changed = structuredClone(created);
    changed.spec.template.spec.containers![0].image = "y";
    const upd = setServiceDefaults(
      defaultApiContext({ operation: "UPDATE", baseline: created, userInfo: { username: "bob" } }),
      changed,
    );
    assert.equal(upd.metadata.annotations!["serving.knative.dev/lastModifier"], "bob");
    assert.equal(upd.metadata.annotations!["serving.knative.dev/creator"], "alice");
  });
});

Deno.test("Route and Revision defaulting", async (t) => {
  await t.step("a Route gets no default traffic; owned Routes get no user info", () => {
    const r: Route = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Route",
      metadata: {
        name: "r",
        ownerReferences: [{
          apiVersion: "serving.knative.dev/v1",
          kind: "Service",
          name: "s",
          uid: "u",
        }],
      },
      spec: {},
    };
    const out = setRouteDefaults(defaultApiContext({ userInfo: { username: "a" } }), r);
    assert.equal(out.spec.traffic, undefined);
    assert.equal(out.metadata.annotations, undefined);
  });
  await t.step("Revision defaults are skipped on update", () => {
    const rev: Revision = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Revision",
      metadata: { name: "r-00001" },
      spec: { containers: [{ image: "x" }] },
    };
    assert.equal(setRevisionDefaults(defaultApiContext(), rev).spec.timeoutSeconds, 300);
    assert.equal(
      setRevisionDefaults(defaultApiContext({ operation: "UPDATE", baseline: rev }), rev).spec
        .timeoutSeconds,
      undefined,
    );
  });
});
