// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { Container, DeploymentConfig, Revision } from "../../../apis/mod.ts";
import { parseDeploymentConfig } from "../../../apis/mod.ts";
import {
  type DeploymentInputs,
  fnv32aBase36,
  initialReplicas,
  makeDeployment,
  makeLabels,
  makePA,
  makeQueueContainer,
  parseGoDurationSeconds,
  reachability,
  readinessProbeJson,
} from "../../../controllers/revision/resources.ts";

const cfg: DeploymentConfig = parseDeploymentConfig({ "queue-sidecar-image": "queue:latest" });
const inputs = (over: Partial<DeploymentInputs> = {}): DeploymentInputs => ({
  deployment: cfg,
  features: {},
  initialScale: 1,
  ...over,
});

function rev(
  over: Partial<Revision["metadata"]> = {},
  spec: Partial<Revision["spec"]> = {},
): Revision {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Revision",
    metadata: {
      name: "hello-00001",
      namespace: "default",
      uid: "rev-uid",
      labels: {
        "serving.knative.dev/configuration": "hello",
        "serving.knative.dev/service": "hello",
        "serving.knative.dev/routingState": "active",
        "serving.knative.dev/route": "hello",
      },
      annotations: {
        "serving.knative.dev/routes": "hello",
        "serving.knative.dev/routingStateModified": "2026-01-01T00:00:00Z",
        "autoscaling.knative.dev/min-scale": "1",
        keep: "me",
      },
      ownerReferences: [{
        apiVersion: "serving.knative.dev/v1",
        kind: "Configuration",
        name: "hello",
        uid: "cfg-uid",
        controller: true,
      }],
      ...over,
    },
    spec: {
      containers: [{
        name: "user-container",
        image: "registry.example.com/hello:v1",
        env: [{ name: "TARGET", value: "Go Sample v1" }],
        readinessProbe: { tcpSocket: { port: 0 }, successThreshold: 1 },
      }],
      containerConcurrency: 0,
      timeoutSeconds: 300,
      ...spec,
    },
    status: {
      containerStatuses: [{
        name: "user-container",
        imageDigest: "registry.example.com/hello@sha256:abc",
      }],
    },
  };
}

Deno.test("makeLabels (§12.2)", async (t) => {
  await t.step("drops route/routingState, adds revision, revisionUID and app", () => {
    assert.deepEqual(makeLabels(rev()), {
      "serving.knative.dev/configuration": "hello",
      "serving.knative.dev/service": "hello",
      "serving.knative.dev/revision": "hello-00001",
      "serving.knative.dev/revisionUID": "rev-uid",
      app: "hello-00001",
    });
  });
  await t.step("keeps a user app label", () => {
    assert.equal(makeLabels(rev({ labels: { app: "mine" } })).app, "mine");
  });
});

Deno.test("makeDeployment (§12.3)", async (t) => {
  const d = makeDeployment(rev(), inputs());
  const spec = d.spec as Record<string, any>;
  const pod = spec.template.spec;
  await t.step("metadata", () => {
    assert.equal(d.metadata.name, "hello-00001-deployment");
    assert.deepEqual(d.metadata.annotations, { keep: "me" });
    assert.match(d.metadata.labels?.["serving.knative.dev/deployment-hash"] ?? "", /^[0-9a-z]+$/);
    assert.deepEqual(d.metadata.ownerReferences?.[0], {
      apiVersion: "serving.knative.dev/v1",
      kind: "Revision",
      name: "hello-00001",
      uid: "rev-uid",
      controller: true,
      blockOwnerDeletion: true,
    });
  });
  await t.step("spec", () => {
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.selector, {
      matchLabels: { "serving.knative.dev/revisionUID": "rev-uid" },
    });
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.equal(spec.revisionHistoryLimit, 0);
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0 },
    });
    assert.ok(!("serving.knative.dev/deployment-hash" in spec.template.metadata.labels));
    assert.equal(
      spec.template.metadata.annotations["kubectl.kubernetes.io/default-container"],
      "user-container",
    );
  });
  await t.step("pod spec", () => {
    assert.equal(pod.terminationGracePeriodSeconds, 300);
    assert.equal(pod.enableServiceLinks, false);
    assert.ok(!("containerConcurrency" in pod) && !("timeoutSeconds" in pod));
    assert.deepEqual(
      pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0],
      {
        weight: 100,
        podAffinityTerm: {
          topologyKey: "kubernetes.io/hostname",
          labelSelector: { matchLabels: { "serving.knative.dev/revision": "hello-00001" } },
        },
      },
    );
    assert.deepEqual(pod.containers.map((c: Container) => c.name), [
      "user-container",
      "queue-proxy",
    ]);
  });
  await t.step("serving container", () => {
    const c: Container = pod.containers[0];
    assert.equal(c.image, "registry.example.com/hello@sha256:abc");
    assert.deepEqual(c.ports, [{ name: "user-port", containerPort: 8080 }]);
    assert.deepEqual(c.env, [
      { name: "TARGET", value: "Go Sample v1" },
      { name: "PORT", value: "8080" },
      { name: "K_REVISION", value: "hello-00001" },
      { name: "K_CONFIGURATION", value: "hello" },
      { name: "K_SERVICE", value: "hello" },
    ]);
    assert.deepEqual(c.lifecycle, {
      preStop: { httpGet: { port: 8022, path: "/wait-for-drain" } },
    });
    assert.equal(c.readinessProbe, undefined);
    assert.equal(c.terminationMessagePolicy, "FallbackToLogsOnError");
    assert.equal(c.stdin, false);
    assert.equal(c.tty, false);
  });
  await t.step("no digest → the tag is used", () => {
    const r = rev();
    r.status = { containerStatuses: [{ name: "user-container", imageDigest: "" }] };
    const p = (makeDeployment(r, inputs()).spec as any).template.spec;
    assert.equal(p.containers[0].image, "registry.example.com/hello:v1");
  });
  await t.step("initial-scale and progress-deadline annotations", () => {
    const r = rev({
      annotations: {
        "autoscaling.knative.dev/initial-scale": "3",
        "serving.knative.dev/progress-deadline": "2m",
      },
    });
    const s = makeDeployment(r, inputs()).spec as Record<string, unknown>;
    assert.equal(s.replicas, 3);
    assert.equal(s.progressDeadlineSeconds, 120);
  });
  await t.step("hash changes with the spec", () => {
    const other = makeDeployment(rev({}, { timeoutSeconds: 10 }), inputs());
    assert.notEqual(
      other.metadata.labels?.["serving.knative.dev/deployment-hash"],
      d.metadata.labels?.["serving.knative.dev/deployment-hash"],
    );
  });
  await t.step("liveness probe port rewritten to the user port; exec readiness kept", () => {
    const r = rev({}, {
      containers: [{
        name: "user-container",
        image: "x",
        ports: [{ containerPort: 9000 }],
        livenessProbe: { httpGet: { path: "/h", port: 1234 } },
        readinessProbe: { exec: { command: ["true"] } },
      }],
    });
    const c = ((makeDeployment(r, inputs()).spec as any).template.spec.containers[0]) as Container;
    assert.deepEqual(c.livenessProbe, { httpGet: { path: "/h", port: 9000 } });
    assert.deepEqual(c.readinessProbe, { exec: { command: ["true"] } });
    assert.deepEqual(c.ports, [{ name: "user-port", containerPort: 9000 }]);
  });
  await t.step("affinity none", () => {
    const p =
      (makeDeployment(rev(), inputs({ deployment: { ...cfg, defaultAffinityType: "none" } }))
        .spec as any)
        .template.spec;
    assert.equal(p.affinity, undefined);
  });
});

Deno.test("makeQueueContainer (§12.3)", async (t) => {
  const q = makeQueueContainer(rev(), inputs());
  await t.step("name, image, ports, security context", () => {
    assert.equal(q.name, "queue-proxy");
    assert.equal(q.image, "queue:latest");
    assert.deepEqual(q.ports, [
      { name: "http-autometric", containerPort: 9090 },
      { name: "http-usermetric", containerPort: 9091 },
      { name: "queue-port", containerPort: 8012 },
      { name: "https-port", containerPort: 8112 },
    ]);
    assert.deepEqual(q.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });
  await t.step("readiness probe aims at the queue port with the probe header", () => {
    assert.deepEqual(q.readinessProbe, {
      httpGet: { port: 8012, httpHeaders: [{ name: "K-Network-Probe", value: "queue" }] },
      successThreshold: 1,
    });
  });
  await t.step("resources: cpu request 25m from config", () => {
    assert.deepEqual(q.resources, { requests: { cpu: "25m" } });
  });
  await t.step("env in Knative's order", () => {
    assert.deepEqual(q.env?.map((e) => e.name), [
      "SERVING_NAMESPACE",
      "SERVING_SERVICE",
      "SERVING_CONFIGURATION",
      "SERVING_REVISION",
      "QUEUE_SERVING_PORT",
      "QUEUE_SERVING_TLS_PORT",
      "CONTAINER_CONCURRENCY",
      "REVISION_TIMEOUT_SECONDS",
      "REVISION_RESPONSE_START_TIMEOUT_SECONDS",
      "REVISION_IDLE_TIMEOUT_SECONDS",
      "SERVING_POD",
      "SERVING_POD_IP",
      "SERVING_LOGGING_CONFIG",
      "SERVING_LOGGING_LEVEL",
      "USER_PORT",
      "SYSTEM_NAMESPACE",
      "SERVING_READINESS_PROBE",
      "HOST_IP",
      "ENABLE_HTTP2_AUTO_DETECTION",
      "ENABLE_HTTP_FULL_DUPLEX",
      "ROOT_CA",
      "QUEUE_PROXY_TLS_MIN_VERSION",
      "QUEUE_PROXY_TLS_MAX_VERSION",
      "QUEUE_PROXY_TLS_CIPHER_SUITES",
      "QUEUE_PROXY_TLS_CURVE_PREFERENCES",
      "ENABLE_MULTI_CONTAINER_PROBES",
      "OBSERVABILITY_CONFIG",
    ]);
    const env = Object.fromEntries((q.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.SERVING_NAMESPACE, "default");
    assert.equal(env.SERVING_SERVICE, "hello");
    assert.equal(env.SERVING_CONFIGURATION, "hello");
    assert.equal(env.SERVING_REVISION, "hello-00001");
    assert.equal(env.QUEUE_SERVING_PORT, "8012");
    assert.equal(env.REVISION_TIMEOUT_SECONDS, "300");
    assert.equal(env.USER_PORT, "8080");
    assert.equal(env.SYSTEM_NAMESPACE, "knative-serving");
    assert.equal(
      env.SERVING_READINESS_PROBE,
      '{"tcpSocket":{"port":8080,"host":"127.0.0.1"},"successThreshold":1}',
    );
    assert.deepEqual(env.SERVING_POD, { fieldRef: { fieldPath: "metadata.name" } });
  });
  await t.step("profiling adds port 8008 before the queue port", () => {
    const qp = makeQueueContainer(rev(), inputs({ profiling: true }));
    assert.deepEqual(qp.ports?.map((p) => p.containerPort), [9090, 9091, 8008, 8012, 8112]);
    assert.equal(qp.ports?.[2].name, "profiling-port");
  });
  await t.step("h2c uses 8013", () => {
    const r = rev({}, {
      containers: [{ name: "c", image: "x", ports: [{ name: "h2c", containerPort: 8080 }] }],
    });
    const q2 = makeQueueContainer(r, inputs());
    assert.equal(q2.ports?.[2].containerPort, 8013);
    assert.equal(q2.env?.find((e) => e.name === "QUEUE_SERVING_PORT")?.value, "8013");
  });
  await t.step("resource-defaults feature and annotation overrides", () => {
    const r = rev({
      annotations: { "queue.sidecar.serving.knative.dev/memory-resource-limit": "1Gi" },
    });
    const q3 = makeQueueContainer(
      r,
      inputs({ features: { "queueproxy.resource-defaults": "Enabled" } }),
    );
    assert.deepEqual(q3.resources, {
      requests: { cpu: "25m", memory: "400Mi" },
      limits: { cpu: "1000m", memory: "1Gi" },
    });
  });
});

Deno.test("readinessProbeJson", async (t) => {
  const cases: [string, Parameters<typeof readinessProbeJson>[0], string][] = [
    ["none → tcp", undefined, '{"tcpSocket":{"port":8080,"host":"127.0.0.1"}}'],
    [
      "exec → tcp",
      { exec: { command: ["x"] }, periodSeconds: 2 },
      '{"tcpSocket":{"port":8080,"host":"127.0.0.1"},"periodSeconds":2}',
    ],
    [
      "http keeps path",
      { httpGet: { path: "/ready" } },
      '{"httpGet":{"path":"/ready","port":8080,"host":"127.0.0.1"}}',
    ],
  ];
  for (const [n, p, want] of cases) {
    await t.step(n, () => assert.equal(readinessProbeJson(p, 8080), want));
  }
});

Deno.test("makePA (§12.4)", async (t) => {
  await t.step("shape with webhook defaults", () => {
    const pa = makePA(rev(), undefined, "kpa.autoscaling.knative.dev");
    assert.deepEqual(pa.metadata.annotations, {
      "autoscaling.knative.dev/min-scale": "1",
      keep: "me",
      "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
      "autoscaling.knative.dev/metric": "concurrency",
    });
    assert.equal(pa.metadata.name, "hello-00001");
    assert.deepEqual(pa.spec, {
      containerConcurrency: 0,
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "hello-00001-deployment" },
      protocolType: "http1",
      reachability: "Reachable",
    });
  });
  await t.step("reachability", () => {
    assert.equal(
      reachability(rev({ labels: { "serving.knative.dev/routingState": "reserve" } }), undefined),
      "Unreachable",
    );
    assert.equal(reachability(rev({ labels: {} }), undefined), "");
    const failed = rev();
    failed.status = { conditions: [{ type: "ContainerHealthy", status: "False" }] };
    const d = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {},
      spec: { replicas: 1 },
      status: {},
    };
    assert.equal(reachability(failed, d), "Unreachable");
  });
});

Deno.test("small helpers", async (t) => {
  await t.step("parseGoDurationSeconds", () => {
    assert.equal(parseGoDurationSeconds("1m30s"), 90);
    assert.equal(parseGoDurationSeconds("500ms"), 0.5);
    assert.equal(parseGoDurationSeconds("bogus"), undefined);
  });
  await t.step("initialReplicas", () => {
    assert.equal(
      initialReplicas(rev({ annotations: { "autoscaling.knative.dev/initialScale": "0" } }), 1),
      0,
    );
    assert.equal(initialReplicas(rev({ annotations: {} }), 2), 2);
  });
  await t.step("fnv32aBase36 is fnv-1a", () => {
    assert.equal(fnv32aBase36(""), (0x811c9dc5).toString(36));
    assert.equal(fnv32aBase36("a"), (0xe40c292c).toString(36));
  });
});
