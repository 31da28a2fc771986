/**
 * `denative controller` against an API server standing in for a cluster:
 * it reconciles a Service to Ready with Knative's defaults (cluster-local
 * domain) and serves health and metrics.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { knativeCrds, servingAdmissionHooks, servingConverters } from "../../apis/mod.ts";
import { startApiServer } from "../../apiserver/mod.ts";
import { HttpKubeClient } from "../../runtime/mod.ts";
import { contourProvider, gatewayApiProvider, istioProvider } from "../../networking/mod.ts";
import { providerCrds, systemConfigMaps } from "../../controllers/cli.ts";
import { isReadyNow, waitFor } from "./helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

Deno.test({
  name: "controller reconciles against a cluster and serves health",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const kinds = [istioProvider(), gatewayApiProvider(), contourProvider()].flatMap((p) =>
      p.kinds
    );
    const api = await startApiServer({
      port: 0,
      crds: [...knativeCrds(), ...providerCrds(kinds)],
      admission: servingAdmissionHooks(),
      converters: servingConverters(),
    });
    const dir = await Deno.makeTempDir({ prefix: "denative-ctl-" });
    const kubeconfig = join(dir, "kubeconfig");
    await api.writeKubeconfig(kubeconfig);
    const client = await HttpKubeClient.fromConfig({ kubeconfig });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "controller",
        "--kubeconfig",
        kubeconfig,
        "--no-webhook",
        "--health-port",
        "0",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let err = "";
    const drain = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        err += value;
      }
    })();
    try {
      await client.create({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "knative-serving" },
      })
        .catch(() => {});
      const cms = systemConfigMaps("istio.ingress.networking.knative.dev", "unused.example")
        .filter((c) => c.metadata.name === "config-deployment");
      for (const cm of cms) await client.create(cm);
      await client.create({
        apiVersion: "serving.knative.dev/v1",
        kind: "Service",
        metadata: { name: "hello", namespace: "default" },
        spec: { template: { spec: { containers: [{ image: "dev.local/hello" }] } } },
      });
      const ksvc = await waitFor(
        client,
        {
          apiVersion: "serving.knative.dev/v1",
          kind: "Service",
          namespace: "default",
          name: "hello",
        },
        isReadyNow,
        60_000,
      );
      // Knative's default domain is cluster-local; dev.local images skip digest resolution.
      assert.equal((ksvc.status as { url: string }).url, "http://hello.default.svc.cluster.local");
      const port = Number(/health on :(\d+)/.exec(err)?.[1]);
      assert.ok(port > 0, err);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(await res.text(), "ok");
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /route/);
    } finally {
      child.kill("SIGTERM");
      const status = await child.status;
      await drain;
      client.close();
      await api.close();
      await Deno.remove(dir, { recursive: true });
      assert.equal(status.code, 0, err);
    }
  },
});
