/**
 * The serving controllers together on a fake API with real watches: Service →
 * Configuration → Revision → Deployment/PodAutoscaler → ServerlessService →
 * k8s Services/Endpoints, with a tiny workload simulation in place of the
 * kubelet. Checks the resource graph and that readiness comes from the
 * workload (and never without it).
 */
import assert from "node:assert/strict";
import type { Condition, KubeObject } from "../../runtime/mod.ts";
import { FakeClient, Manager, nullLogger } from "../../runtime/mod.ts";
import { servingConfigMapSpecs } from "../../apis/mod.ts";
import { servicePlugin } from "../../controllers/service/mod.ts";
import { configurationPlugin } from "../../controllers/configuration/mod.ts";
import { createRevisionPlugin } from "../../controllers/revision/mod.ts";
import { podAutoscalerPlugin } from "../../controllers/autoscaling/mod.ts";
import { serverlessServicePlugin } from "../../controllers/serverlessservice/mod.ts";

const SERVICE: KubeObject = {
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  metadata: { name: "helloworld-go", namespace: "default" },
  spec: {
    template: {
      spec: {
        containers: [{
          name: "user-container",
          image: "registry.cn-shanghai.aliyuncs.com/larus/helloworld-go",
          env: [{ name: "TARGET", value: "Go Sample v1" }],
        }],
        containerConcurrency: 0,
        timeoutSeconds: 300,
      },
    },
    traffic: [{ latestRevision: true, percent: 100 }],
  },
};

const CONFIG_DEPLOYMENT: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "config-deployment", namespace: "knative-serving" },
  data: { "queue-sidecar-image": "queue:test" },
};

/** Makes every Deployment available (or stuck) and publishes Endpoints for selector Services. */
async function simulate(client: FakeClient, stuck: boolean): Promise<void> {
  for (const d of client.all("apps/v1", "Deployment")) {
    const replicas = (d.spec as { replicas?: number }).replicas ?? 0;
    const status = stuck
      ? {
        replicas,
        readyReplicas: 0,
        availableReplicas: 0,
        conditions: [{
          type: "Progressing",
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: `ReplicaSet "${d.metadata.name}-abc" has timed out progressing.`,
        }],
      }
      : {
        replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }],
      };
    if (JSON.stringify(d.status) !== JSON.stringify(status)) {
      await client.updateStatus({ ...d, status });
    }
  }
  if (stuck) return;
  for (const s of client.all("v1", "Service")) {
    const spec = s.spec as {
      selector?: Record<string, string>;
      ports: { name: string; targetPort: number | string }[];
    };
    if (!spec.selector) continue;
    const ref = {
      apiVersion: "v1",
      kind: "Endpoints",
      namespace: s.metadata.namespace,
      name: s.metadata.name,
    };
    if (client.peek(ref)) continue;
    await client.create({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        name: s.metadata.name,
        namespace: s.metadata.namespace,
        labels: s.metadata.labels,
      },
      subsets: [{
        addresses: [{ ip: "127.0.0.10" }],
        ports: spec.ports.map((p) => ({
          name: p.name,
          port: typeof p.targetPort === "number" ? p.targetPort : 9090,
          protocol: "TCP",
        })),
      }],
    });
  }
}

async function run(stuck: boolean) {
  const client = new FakeClient([CONFIG_DEPLOYMENT, SERVICE]);
  const mgr = new Manager({
    client,
    plugins: [
      servicePlugin,
      configurationPlugin,
      createRevisionPlugin({ resolveDigests: false }),
      podAutoscalerPlugin,
      serverlessServicePlugin,
    ] as never,
    configMaps: servingConfigMapSpecs(),
    logger: nullLogger,
    idleSettleMs: 10,
  });
  await mgr.start();
  try {
    for (let i = 0; i < 6; i++) {
      await mgr.idle();
      await simulate(client, stuck);
    }
    await mgr.idle();
  } finally {
    await mgr.stop();
  }
  const get = (apiVersion: string, kind: string, name: string, namespace = "default") =>
    client.peek({ apiVersion, kind, namespace, name });
  return { client, get };
}

const conds = (o: KubeObject | undefined): Record<string, Condition> =>
  Object.fromEntries(
    ((o?.status as { conditions?: Condition[] })?.conditions ?? []).map((c) => [c.type, c]),
  );

Deno.test("serving chain: the seed's graph and real readiness", async (t) => {
  const { get } = await run(false);
  await t.step("the resource graph with Knative's names", () => {
    for (
      const [apiVersion, kind, name] of [
        ["serving.knative.dev/v1", "Configuration", "helloworld-go"],
        ["serving.knative.dev/v1", "Route", "helloworld-go"],
        ["serving.knative.dev/v1", "Revision", "helloworld-go-00001"],
        ["apps/v1", "Deployment", "helloworld-go-00001-deployment"],
        ["autoscaling.internal.knative.dev/v1alpha1", "PodAutoscaler", "helloworld-go-00001"],
        ["autoscaling.internal.knative.dev/v1alpha1", "Metric", "helloworld-go-00001"],
        ["networking.internal.knative.dev/v1alpha1", "ServerlessService", "helloworld-go-00001"],
        ["v1", "Service", "helloworld-go-00001"],
        ["v1", "Service", "helloworld-go-00001-private"],
        ["v1", "Endpoints", "helloworld-go-00001"],
      ]
    ) assert.ok(get(apiVersion, kind, name), `${kind} ${name} exists`);
  });
  await t.step("the Revision is Ready with one replica", () => {
    const rev = get("serving.knative.dev/v1", "Revision", "helloworld-go-00001");
    const c = conds(rev);
    assert.equal(c.Ready?.status, "True", JSON.stringify(rev?.status));
    assert.equal(c.ResourcesAvailable?.status, "True");
    assert.equal(c.ContainerHealthy?.status, "True");
    assert.equal(c.Active?.status, "True");
    assert.equal((rev?.status as { actualReplicas?: number }).actualReplicas, 1);
  });
  await t.step("the Configuration and the Service see the latest ready revision", () => {
    const cfg = get("serving.knative.dev/v1", "Configuration", "helloworld-go");
    assert.equal(conds(cfg).Ready?.status, "True");
    const svc = get("serving.knative.dev/v1", "Service", "helloworld-go");
    const st = svc?.status as { latestReadyRevisionName?: string };
    assert.equal(st.latestReadyRevisionName, "helloworld-go-00001");
    assert.equal(conds(svc).ConfigurationsReady?.status, "True");
  });
});

Deno.test("serving chain: a Deployment that never becomes available", async () => {
  const { get } = await run(true);
  const msg = 'ReplicaSet "helloworld-go-00001-deployment-abc" has timed out progressing.';
  const rev = conds(get("serving.knative.dev/v1", "Revision", "helloworld-go-00001"));
  assert.equal(rev.Ready?.status, "False");
  assert.equal(rev.Ready?.reason, "ProgressDeadlineExceeded");
  assert.equal(rev.Ready?.message, msg);
  const cfg = conds(get("serving.knative.dev/v1", "Configuration", "helloworld-go"));
  assert.equal(cfg.Ready?.reason, "RevisionFailed");
  assert.equal(cfg.Ready?.message, `Revision "helloworld-go-00001" failed with message: ${msg}.`);
  const svc = conds(get("serving.knative.dev/v1", "Service", "helloworld-go"));
  assert.equal(svc.ConfigurationsReady?.status, "False");
});
