/**
 * Real traffic to a Knative Service through `denative dev` (what
 * `deno task start` runs): two local HTTP servers stand in for two revisions'
 * containers through the pod template annotation
 * `serving.denative.dev/local-upstream`; `kubectl apply` of the Service and
 * `curl -H Host:` through the local gateway reach them, a 90/10 split over
 * 1,000 requests lands within 3 points, and the tag host reaches only its
 * revision. Nothing in the path is hand-written: the Endpoints come from the
 * simulated Pods and the ServerlessService controller, the routes from the
 * Route controller's Ingress.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { HttpKubeClient, type KubeObject } from "../../runtime/mod.ts";
import { isReadyNow, kubectl, rawGet, spawnDev, waitFor } from "./helpers.ts";

const KSVC = { apiVersion: "serving.knative.dev/v1", kind: "Service", namespace: "default" };

/** The Service `hello` whose template relays to `port`, with an optional traffic block. */
function helloService(port: number, traffic = ""): string {
  return `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
  namespace: default
spec:
  template:
    metadata:
      annotations:
        serving.denative.dev/local-upstream: "127.0.0.1:${port}"
    spec:
      containers:
        - image: example.com/hello:latest
${traffic}`;
}

async function curl(port: number, host: string): Promise<string> {
  const out = await new Deno.Command("curl", {
    args: ["-s", "-S", "-H", `Host: ${host}`, `http://127.0.0.1:${port}/`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const td = new TextDecoder();
  assert.ok(out.success, td.decode(out.stderr));
  return td.decode(out.stdout);
}

Deno.test("dev: a Knative Service with local-upstream serves curl, a 90/10 split and a tag host", async (t) => {
  const servers = ["v1", "v2"].map((name) =>
    Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response(name))
  );
  const dir = await Deno.makeTempDir({ prefix: "denative-traffic-" });
  const kubeconfig = join(dir, "kubeconfig");
  const child = spawnDev(kubeconfig);
  let out = "";
  let announced = () => {};
  const ready = new Promise<void>((r) => announced = r);
  const drained = (async () => {
    for await (const s of child.stdout.pipeThrough(new TextDecoderStream())) {
      out += s;
      if (out.includes("kubeconfig")) announced();
    }
    announced();
  })();
  let client: HttpKubeClient | undefined;
  try {
    await ready;
    const gw = /gateway\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    assert.ok(gw, out);
    const gatewayPort = Number(gw[1]);
    client = await HttpKubeClient.fromConfig({ kubeconfig });
    const c = client;

    await t.step("kubectl apply; the Service becomes Ready; curl reaches the server", async () => {
      const applied = await kubectl(
        kubeconfig,
        ["apply", "-f", "-"],
        helloService(servers[0].addr.port),
      );
      assert.match(applied, /service.serving.knative.dev\/hello created/);
      const ksvc = await waitFor(c, { ...KSVC, name: "hello" }, isReadyNow, 20_000);
      assert.equal((ksvc.status as { url?: string }).url, "http://hello.default.example.com");
      assert.equal(await curl(gatewayPort, "hello.default.example.com"), "v1");
    });

    await t.step(
      "a second revision, 90/10 with a tag: the split lands within 3 points",
      async () => {
        await kubectl(
          kubeconfig,
          ["apply", "-f", "-"],
          helloService(
            servers[1].addr.port,
            `  traffic:
    - revisionName: hello-00001
      percent: 90
    - latestRevision: true
      percent: 10
      tag: canary
`,
          ),
        );
        const ksvc = await waitFor(
          c,
          { ...KSVC, name: "hello" },
          (o: KubeObject) =>
            isReadyNow(o) &&
            (o.status as { latestReadyRevisionName?: string }).latestReadyRevisionName ===
              "hello-00002",
          20_000,
        );
        const traffic = (ksvc.status as { traffic: Record<string, unknown>[] }).traffic;
        assert.deepStrictEqual(traffic.map((e) => [e.revisionName, e.percent, e.tag, e.url]), [
          ["hello-00001", 90, undefined, undefined],
          ["hello-00002", 10, "canary", "http://canary-hello.default.example.com"],
        ]);
        const counts: Record<string, number> = {};
        for (let i = 0; i < 1000; i++) {
          const r = await rawGet(gatewayPort, "hello.default.example.com");
          const key = r.status === 200 ? r.body : `status ${r.status}`;
          counts[key] = (counts[key] ?? 0) + 1;
        }
        assert.equal((counts.v1 ?? 0) + (counts.v2 ?? 0), 1000, JSON.stringify(counts));
        assert.ok(Math.abs(counts.v1 / 10 - 90) <= 3, JSON.stringify(counts));
        assert.ok(Math.abs(counts.v2 / 10 - 10) <= 3, JSON.stringify(counts));
      },
    );

    await t.step("the tag URL reaches only its revision", async () => {
      assert.equal(await curl(gatewayPort, "canary-hello.default.example.com"), "v2");
      for (let i = 0; i < 50; i++) {
        const r = await rawGet(gatewayPort, "canary-hello.default.example.com");
        assert.deepStrictEqual(r, { status: 200, body: "v2" });
      }
    });

    await t.step(
      "a non-loopback upstream fails the Service with a message saying why",
      async () => {
        await kubectl(
          kubeconfig,
          ["apply", "-f", "-"],
          helloService(80).replace("name: hello", "name: remote").replace(
            "127.0.0.1:80",
            "192.0.2.1:80",
          ),
        );
        const configured = (o: KubeObject) =>
          (o.status as { conditions?: { type: string; status: string; message?: string }[] })
            ?.conditions?.find((x) => x.type === "ConfigurationsReady");
        const ksvc = await waitFor(
          c,
          { ...KSVC, name: "remote" },
          (o) => configured(o)?.status === "False",
          20_000,
        );
        assert.match(
          configured(ksvc)?.message ?? "",
          /^Revision "remote-00001" failed with message: Container failed with: annotation serving\.denative\.dev\/local-upstream="192\.0\.2\.1:80" is refused: the local control plane relays only to loopback addresses/,
        );
      },
    );
  } finally {
    client?.close();
    child.kill("SIGTERM");
    const status = await child.status;
    await drained;
    for (const s of servers) await s.shutdown();
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0, out);
  }
});
