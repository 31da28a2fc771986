/**
 * End to end against a real kube-apiserver (built from Go modules, see tests/cluster/README.md),
 * with kube-controller-manager, kube-scheduler and kwok fake nodes. Needs `deno task cluster:up`
 * first; `deno task test:cluster` runs this file.
 *
 * The tests run in order and share one controller process. The first two prove the cluster itself
 * (kubectl, scheduling, kwok); the rest drive denative as a user would: `main.ts manifests` applied
 * with kubectl, `main.ts controller --kubeconfig …` as a subprocess, then Knative Services.
 * @module
 */
import assert from "node:assert/strict";
import {
  condition,
  type ControllerProcess,
  FatalError,
  freePort,
  getObj,
  kubectl,
  kubectlOk,
  listObjs,
  type Obj,
  parseObjects,
  ROOT,
  run,
  startController,
  waitFor,
} from "./harness.ts";

const K8S_VERSION = "v" +
  Deno.readTextFileSync(`${ROOT}/tests/cluster/versions.env`).match(/^K8S_VERSION=(\S+)$/m)![1];
const SYSTEM_NS = "knative-serving";
const NS = "default";
const DOMAIN = "example.com";
const opts = { sanitizeOps: false, sanitizeResources: false, sanitizeExit: false };

/** Registries named in this file: digest resolution must skip them (no traffic off loopback). */
const SKIP_REGISTRIES = [
  "kind.local",
  "ko.local",
  "dev.local",
  "example.local",
  "fail.local",
  "registry.cn-shanghai.aliyuncs.com",
];

let controller: ControllerProcess | undefined;
/** The webhook configurations from `main.ts manifests`, rewritten for loopback. */
let webhookConfigs: Obj[] = [];
/** Where the controller serves its webhooks. */
const WEBHOOK_PORT = freePort();

async function describeKsvc(name: string): Promise<string> {
  const r = await kubectl([
    "get",
    "ksvc,configuration,revision,route,ingress.networking.internal.knative.dev,deployment,pods",
    "-n",
    NS,
    "-l",
    `serving.knative.dev/service=${name}`,
    "-o",
    "wide",
  ]);
  const k = await getObj("services.serving.knative.dev", name, NS).catch(() => undefined);
  return `${r.stdout}${r.stderr}\nksvc status: ${JSON.stringify(k?.status ?? null)}\n` +
    `controller log (tail):\n${(controller?.log() ?? "").split("\n").slice(-40).join("\n")}`;
}

async function waitReady(
  resource: string,
  name: string,
  ns = NS,
  timeoutMs = 120_000,
): Promise<Obj> {
  return await waitFor(
    `${resource}/${name} Ready=True`,
    async () => {
      await assertControllerAlive();
      const o = await getObj(resource, name, ns);
      const gen = o?.metadata?.generation;
      const ok = condition(o, "Ready")?.status === "True" &&
        (gen === undefined || o?.status?.observedGeneration === gen);
      return ok ? o : undefined;
    },
    timeoutMs,
    () => describeKsvc(name),
  );
}

async function assertControllerAlive(): Promise<void> {
  if (!controller) throw new FatalError("the controller is not running (an earlier test failed)");
  const done = await Promise.race([
    controller.exited.then((s) => s),
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 0)),
  ]);
  if (done) {
    throw new FatalError(
      `main.ts controller exited with code ${done.code}:\n${controller.log().slice(-4000)}`,
    );
  }
}

function ownerKinds(o: Obj | undefined): string[] {
  return (o?.metadata?.ownerReferences ?? []).filter((r: Obj) => r.controller).map((r: Obj) =>
    `${r.kind}/${r.name}`
  );
}

// ---------------------------------------------------------------------------------------------
// The cluster itself.

Deno.test({
  name: "cluster: kubectl talks to the real kube-apiserver over client-cert TLS",
  ...opts,
  fn: async () => {
    const v = JSON.parse(await kubectlOk(["version", "-o", "json"]));
    assert.equal(v.serverVersion?.gitVersion, K8S_VERSION);
    assert.equal(v.clientVersion?.gitVersion, K8S_VERSION);
    assert.equal((await kubectlOk(["get", "--raw", "/readyz"])).trim(), "ok");
    const who = JSON.parse(await kubectlOk(["auth", "whoami", "-o", "json"]));
    assert.ok(who.status.userInfo.groups.includes("system:masters"), JSON.stringify(who));
    const server = JSON.parse(await kubectlOk(["config", "view", "--raw", "-o", "json"]))
      .clusters[0].cluster.server as string;
    assert.match(server, /^https:\/\/127\.0\.0\.1:\d+$/);
    const node = await getObj("node", "kwok-node-0");
    assert.equal(condition(node, "Ready")?.status, "True");
  },
});

Deno.test({
  name: "cluster: kwok runs Deployment pods to Ready; fail.local images never start",
  ...opts,
  fn: async () => {
    const ns = "e2e-kwok";
    await kubectlOk(["create", "namespace", ns]);
    try {
      await kubectlOk([
        "create",
        "deployment",
        "ok",
        "-n",
        ns,
        "--image=example.local/ok:1",
        "--replicas=2",
      ]);
      await kubectlOk(["create", "deployment", "bad", "-n", ns, "--image=fail.local/missing:1"]);
      await kubectlOk([
        "patch",
        "deployment",
        "bad",
        "-n",
        ns,
        "--type=merge",
        "-p",
        '{"spec":{"progressDeadlineSeconds":5}}',
      ]);
      await kubectlOk([
        "wait",
        "-n",
        ns,
        "--for=condition=Available",
        "deployment/ok",
        "--timeout=90s",
      ]);
      const pods = await listObjs("pods", ["-n", ns, "-l", "app=ok"]);
      assert.equal(pods.length, 2);
      for (const p of pods) {
        assert.equal(p.status.phase, "Running");
        assert.equal(p.spec.nodeName, "kwok-node-0");
        assert.match(p.status.podIP, /^10\.244\./);
      }
      const bad = await waitFor("deployment/bad ProgressDeadlineExceeded", async () => {
        const d = await getObj("deployment", "bad", ns);
        return condition(d, "Progressing")?.reason === "ProgressDeadlineExceeded" ? d : undefined;
      }, 90_000);
      assert.equal(bad.status.availableReplicas ?? 0, 0);
      const [bp] = await listObjs("pods", ["-n", ns, "-l", "app=bad"]);
      assert.equal(bp.status.phase, "Pending");
      assert.equal(bp.status.containerStatuses[0].state.waiting.reason, "ErrImagePull");
    } finally {
      await kubectl(["delete", "namespace", ns, "--wait=false"]);
    }
  },
});

// ---------------------------------------------------------------------------------------------
// denative against it.

/** The tier's config maps: a fixed domain; digest resolution skipped for every registry used. */
function tierConfig(): string {
  const cm = (name: string, data: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace: SYSTEM_NS,
      labels: { "app.kubernetes.io/part-of": "knative-serving" },
    },
    data,
  });
  return JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      cm("config-domain", { [DOMAIN]: "" }),
      cm("config-deployment", { "registries-skipping-tag-resolving": SKIP_REGISTRIES.join(",") }),
      cm("config-network", { "ingress-class": "istio.ingress.networking.knative.dev" }),
    ],
  });
}
const applyTierConfig = () =>
  kubectlOk(
    ["apply", "--server-side", "--force-conflicts", "--field-manager=denative-e2e", "-f", "-"],
    tierConfig(),
  );

/**
 * The controller runs outside the cluster, so the API server cannot reach its webhooks through
 * the `webhook` Service: as envtest does, point every webhook and CRD conversion clientConfig at
 * the controller's loopback port instead (the controller then injects its CA bundle).
 */
function pointWebhooksAtLoopback(objs: Obj[], port: number): void {
  const rewrite = (cc: Obj | undefined) => {
    if (!cc?.service) return;
    cc.url = `https://127.0.0.1:${port}${cc.service.path ?? "/"}`;
    delete cc.service;
  };
  for (const o of objs) {
    for (const w of o.webhooks ?? []) rewrite(w.clientConfig);
    rewrite(o.spec?.conversion?.webhook?.clientConfig);
  }
}

const isWebhookConfig = (o: Obj) =>
  o.kind === "ValidatingWebhookConfiguration" || o.kind === "MutatingWebhookConfiguration";

Deno.test({
  name: "manifests: `main.ts manifests` installs CRDs, RBAC and config into the real API server",
  ...opts,
  fn: async () => {
    const m = await run(Deno.execPath(), ["run", "-A", "main.ts", "manifests"]);
    assert.equal(m.code, 0, `main.ts manifests failed:\n${m.stderr}`);
    const objs = parseObjects(m.stdout);
    assert.ok(objs.length > 0, "main.ts manifests printed nothing");
    pointWebhooksAtLoopback(objs, WEBHOOK_PORT);
    webhookConfigs = objs.filter(isWebhookConfig);
    assert.ok(webhookConfigs.length > 0, "the manifests have no webhook configurations");
    // Our config first (the manifests' maps only add keys), then everything but the webhook
    // configurations: those are registered once the controller serves them (next test).
    await kubectl(["create", "namespace", SYSTEM_NS]);
    await applyTierConfig();
    const rest = { apiVersion: "v1", kind: "List", items: objs.filter((o) => !isWebhookConfig(o)) };
    // Server-side apply: CRDs with full schemas are too large for the last-applied annotation.
    await kubectlOk(
      ["apply", "--server-side", "--force-conflicts", "-f", "-"],
      JSON.stringify(rest),
    );
    const crds = [
      "services.serving.knative.dev",
      "configurations.serving.knative.dev",
      "revisions.serving.knative.dev",
      "routes.serving.knative.dev",
      "ingresses.networking.internal.knative.dev",
      "serverlessservices.networking.internal.knative.dev",
      "podautoscalers.autoscaling.internal.knative.dev",
      "metrics.autoscaling.internal.knative.dev",
    ];
    for (const c of crds) {
      await kubectlOk(["wait", "--for=condition=Established", `crd/${c}`, "--timeout=60s"]);
    }
    const res = await kubectlOk([
      "api-resources",
      "--api-group=serving.knative.dev",
      "--no-headers",
    ]);
    assert.match(res, /^services\s+kservice,ksvc\s/m);
    const cfgDeploy = await getObj("configmap", "config-deployment", SYSTEM_NS);
    assert.equal(cfgDeploy?.data?.["registries-skipping-tag-resolving"], SKIP_REGISTRIES.join(","));
    // The Istio provider writes VirtualServices: stand-in CRDs (no Istio runs here).
    await kubectlOk(["apply", "-f", `${ROOT}/tests/cluster/istio-crds.yaml`]);
    await kubectlOk([
      "wait",
      "--for=condition=Established",
      "crd/virtualservices.networking.istio.io",
      "--timeout=60s",
    ]);
  },
});

Deno.test({
  name: "controller: starts against the cluster, serves the webhooks and injects their CA",
  ...opts,
  fn: async () => {
    if (webhookConfigs.length === 0) {
      throw new Error("the manifests were not applied (an earlier test failed)");
    }
    await kubectlOk(
      ["apply", "--server-side", "--force-conflicts", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "List", items: webhookConfigs }),
    );
    controller = await startController(WEBHOOK_PORT);
    // A controller that cannot run exits quickly; one that runs keeps running.
    await new Promise((r) => setTimeout(r, 5_000));
    await assertControllerAlive();
    const names = webhookConfigs.map((w) => `${w.kind.toLowerCase()}/${w.metadata.name}`);
    await waitFor(
      "the webhook configurations and CRD conversions to carry the controller's CA",
      async () => {
        await assertControllerAlive();
        for (const n of names) {
          const [kind, name] = n.split("/");
          const o = await getObj(kind, name);
          if (!(o?.webhooks ?? []).every((w: Obj) => w.clientConfig?.caBundle)) return false;
        }
        const ksvc = await getObj("crd", "services.serving.knative.dev");
        const conv = ksvc?.spec?.conversion;
        return conv?.strategy !== "Webhook" || !!conv.webhook?.clientConfig?.caBundle;
      },
      60_000,
      () => Promise.resolve(`controller log:\n${controller?.log().slice(-3000)}`),
    );
    // The config webhook is called over TLS on loopback and accepts valid config.
    await applyTierConfig();
  },
});

Deno.test({
  name: "helloworld-go (the seed's v1alpha1 YAML) becomes Ready with the full resource graph",
  ...opts,
  fn: async () => {
    const file = `${ROOT}/examples/helloworld-go.yaml`;
    await kubectlOk(["apply", "-f", file]);
    const ksvc = await waitReady("services.serving.knative.dev", "helloworld-go", NS, 180_000);
    assert.equal(ksvc.status.url, `http://helloworld-go.${NS}.${DOMAIN}`);
    assert.equal(ksvc.status.latestReadyRevisionName, "helloworld-go-00001");
    assert.equal(ksvc.status.latestCreatedRevisionName, "helloworld-go-00001");

    const cfg = await getObj("configurations.serving.knative.dev", "helloworld-go", NS);
    assert.deepEqual(ownerKinds(cfg), ["Service/helloworld-go"]);
    const route = await getObj("routes.serving.knative.dev", "helloworld-go", NS);
    assert.deepEqual(ownerKinds(route), ["Service/helloworld-go"]);
    const rev = await getObj("revisions.serving.knative.dev", "helloworld-go-00001", NS);
    assert.deepEqual(ownerKinds(rev), ["Configuration/helloworld-go"]);
    assert.equal(condition(rev, "Ready")?.status, "True");

    // The Deployment became available through kwok pods scheduled by the real scheduler.
    const dep = await getObj("deployment", "helloworld-go-00001-deployment", NS);
    assert.deepEqual(ownerKinds(dep), ["Revision/helloworld-go-00001"]);
    assert.equal(condition(dep, "Available")?.status, "True");
    assert.ok((dep?.status?.readyReplicas ?? 0) >= 1, "no ready replica");
    const pods = await listObjs("pods", [
      "-n",
      NS,
      "-l",
      "serving.knative.dev/revision=helloworld-go-00001",
    ]);
    assert.ok(pods.some((p) => p.spec.nodeName === "kwok-node-0" && p.status.phase === "Running"));
    assert.ok(
      pods[0].spec.containers.some((c: Obj) =>
        c.image.startsWith("registry.cn-shanghai.aliyuncs.com/larus/helloworld-go")
      ),
    );

    const ing = await getObj("ingresses.networking.internal.knative.dev", "helloworld-go", NS);
    assert.deepEqual(ownerKinds(ing), ["Route/helloworld-go"]);
    assert.equal(condition(ing, "Ready")?.status, "True");
    const vss = await listObjs("virtualservices.networking.istio.io", ["-n", NS]);
    assert.ok(
      vss.some((v) => ownerKinds(v).includes("Ingress/helloworld-go")),
      "no VirtualService",
    );

    // The same graph `main.ts render` produces on the in-memory control plane exists here too.
    const r = await run(Deno.execPath(), [
      "run",
      "-A",
      "main.ts",
      "render",
      "-f",
      file,
      "-o",
      "json",
      "--domain",
      DOMAIN,
    ]);
    assert.equal(r.code, 0, `main.ts render failed:\n${r.stderr}`);
    const rendered = parseObjects(r.stdout);
    const missing: string[] = [];
    // Objects with generated names exist only where a real kubelet/controller made them.
    const generated = new Set(["Pod", "ReplicaSet", "EndpointSlice", "Event", "Lease"]);
    for (const o of rendered.filter((x) => !generated.has(x.kind))) {
      const [group] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : [""];
      const resource = group ? `${o.kind.toLowerCase()}.${group}` : o.kind.toLowerCase();
      const got = await getObj(resource, o.metadata.name, o.metadata.namespace).catch(() =>
        undefined
      );
      if (!got) {
        missing.push(`${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
      }
    }
    assert.deepEqual(missing, [], "objects rendered locally but absent from the real cluster");
  },
});

Deno.test({
  name: "a v1 Service with a tagged traffic split becomes Ready with per-tag URLs",
  ...opts,
  fn: async () => {
    const svc = (gen: number) => ({
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "split", namespace: NS },
      spec: {
        template: {
          metadata: { name: `split-v${gen}` },
          spec: { containers: [{ image: `example.local/hello:${gen}` }] },
        },
        traffic: gen === 1 ? [{ latestRevision: true, percent: 100 }] : [
          { revisionName: "split-v1", percent: 40, tag: "blue" },
          { latestRevision: true, percent: 60, tag: "green" },
        ],
      },
    });
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(svc(1)));
    await waitReady("services.serving.knative.dev", "split");
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(svc(2)));
    const ready = await waitFor(
      "split generation 2 ready with 2 traffic targets",
      async () => {
        const k = await waitReady("services.serving.knative.dev", "split");
        return k.status.latestReadyRevisionName === "split-v2" && k.status.traffic?.length === 2
          ? k
          : undefined;
      },
      120_000,
      () => describeKsvc("split"),
    );
    const byTag = Object.fromEntries(ready.status.traffic.map((t: Obj) => [t.tag, t]));
    assert.equal(byTag.blue.revisionName, "split-v1");
    assert.equal(byTag.blue.percent, 40);
    assert.equal(byTag.blue.url, `http://blue-split.${NS}.${DOMAIN}`);
    assert.equal(byTag.green.revisionName, "split-v2");
    assert.equal(byTag.green.percent, 60);
    assert.equal(byTag.green.latestRevision, true);
    assert.equal(byTag.green.url, `http://green-split.${NS}.${DOMAIN}`);
    const ing = await getObj("ingresses.networking.internal.knative.dev", "split", NS);
    const hosts = (ing?.spec?.rules ?? []).flatMap((r: Obj) => r.hosts ?? []);
    for (
      const h of [
        `split.${NS}.${DOMAIN}`,
        `blue-split.${NS}.${DOMAIN}`,
        `green-split.${NS}.${DOMAIN}`,
      ]
    ) {
      assert.ok(hosts.includes(h), `ingress hosts ${JSON.stringify(hosts)} lack ${h}`);
    }
    for (const rev of ["split-v1", "split-v2"]) {
      await kubectlOk([
        "wait",
        "-n",
        NS,
        "--for=condition=Available",
        `deployment/${rev}-deployment`,
        "--timeout=60s",
      ]);
    }
  },
});

Deno.test({
  name: "a Service with an image that cannot be pulled reports Ready=False",
  ...opts,
  fn: async () => {
    const svc = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "bad-image", namespace: NS },
      spec: {
        template: {
          metadata: { annotations: { "serving.knative.dev/progress-deadline": "20s" } },
          spec: { containers: [{ image: "fail.local/does-not-exist:1" }] },
        },
      },
    };
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(svc));
    const k = await waitFor(
      "bad-image Ready=False",
      async () => {
        await assertControllerAlive();
        const o = await getObj("services.serving.knative.dev", "bad-image", NS);
        return condition(o, "Ready")?.status === "False" ? o : undefined;
      },
      120_000,
      () => describeKsvc("bad-image"),
    );
    const rev = await getObj("revisions.serving.knative.dev", "bad-image-00001", NS);
    const ready = condition(rev, "Ready");
    assert.equal(ready?.status, "False", JSON.stringify(rev?.status));
    assert.ok(
      ["ErrImagePull", "ImagePullBackOff", "ProgressDeadlineExceeded", "ContainerMissing"]
        .includes(ready?.reason),
      `unexpected revision reason ${ready?.reason}: ${ready?.message}`,
    );
    // Actionable: the message names the image that could not be pulled, and the Service says
    // which Revision failed and why.
    assert.match(ready?.message ?? "", /fail\.local\/does-not-exist:1/);
    const cfgReady = condition(k, "ConfigurationsReady");
    assert.equal(cfgReady?.status, "False");
    assert.match(cfgReady?.message ?? "", /bad-image-00001.*fail\.local\/does-not-exist:1/);
  },
});

Deno.test({
  name: "deleting a Service garbage-collects everything it owned",
  ...opts,
  fn: async () => {
    // Only meaningful when there is something to collect.
    for (
      const [res, name] of [
        ["configurations.serving.knative.dev", "helloworld-go"],
        ["routes.serving.knative.dev", "helloworld-go"],
        ["deployments.apps", "helloworld-go-00001-deployment"],
      ]
    ) {
      assert.ok(await getObj(res, name, NS), `${res}/${name} does not exist: nothing to collect`);
    }
    await kubectlOk([
      "delete",
      "services.serving.knative.dev",
      "helloworld-go",
      "-n",
      NS,
      "--wait=true",
      "--timeout=60s",
    ]);
    const kinds =
      "configurations.serving.knative.dev,routes.serving.knative.dev,revisions.serving.knative.dev," +
      "ingresses.networking.internal.knative.dev,podautoscalers.autoscaling.internal.knative.dev," +
      "deployments.apps,services,virtualservices.networking.istio.io";
    await waitFor(
      "the children of helloworld-go to be garbage-collected",
      async () => {
        const left = await listObjs(kinds, ["-n", NS]);
        const ours = left.filter((o) =>
          o.metadata.name.startsWith("helloworld-go") ||
          o.metadata.labels?.["serving.knative.dev/service"] === "helloworld-go"
        );
        return ours.length === 0;
      },
      120_000,
      async () => (await kubectl(["get", kinds, "-n", NS])).stdout,
    );
    // The other Services are untouched.
    assert.ok(await getObj("services.serving.knative.dev", "split", NS));
  },
});

Deno.test({
  name:
    "the admission webhook (called by kube-apiserver over TLS on loopback) refuses an invalid Service",
  ...opts,
  fn: async () => {
    await assertControllerAlive();
    const bad = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "invalid", namespace: NS },
      spec: { template: { spec: { containers: [{ env: [{ name: "A", value: "b" }] }] } } },
    };
    const r = await kubectl(["apply", "-f", "-"], JSON.stringify(bad));
    assert.notEqual(r.code, 0, "an invalid Service was accepted");
    assert.match(r.stderr, /admission webhook .* denied the request/);
    assert.match(r.stderr, /missing field\(s\): spec\.template\.spec\.containers\[0\]\.image/);
    assert.equal(await getObj("services.serving.knative.dev", "invalid", NS), undefined);
  },
});

Deno.test({
  name: "controller: shuts down cleanly on SIGTERM (exit code 0)",
  ...opts,
  fn: async () => {
    await kubectl(["delete", "services.serving.knative.dev", "--all", "-n", NS, "--wait=false"]);
    const c = controller;
    controller = undefined;
    if (!c) throw new Error("the controller is not running (an earlier test failed)");
    const before = await Promise.race([
      c.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 0)),
    ]);
    await c.stop();
    assert.equal(before, undefined, "the controller had already exited");
    const status = await c.exited;
    assert.equal(status.code, 0, `controller exit code ${status.code}:\n${c.log().slice(-2000)}`);
  },
});
