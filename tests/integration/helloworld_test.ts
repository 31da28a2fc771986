/**
 * The seed end to end, as a user drives it: a local plane (API server,
 * controllers, local gateway) on free ports, `kubectl apply` of
 * examples/helloworld-go.yaml, and the resulting graph.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalPlane } from "../../controllers/cli.ts";
import type { KubeObject } from "../../runtime/mod.ts";
import { isReadyNow, kubectl, waitFor } from "./helpers.ts";

const SEED = new URL("../../examples/helloworld-go.yaml", import.meta.url);
const RELEASE = new URL("../../examples/helloworld-go-release.yaml", import.meta.url);
const SV1 = "serving.knative.dev/v1";
const NS = "default";

Deno.test({
  name: "helloworld-go end to end",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "denative-e2e-" });
    const kubeconfig = join(dir, "kubeconfig");
    const plane = await startLocalPlane({ apiPort: 0, gatewayPort: 0, kubeconfigOut: kubeconfig });
    const c = plane.client;
    const get = (apiVersion: string, kind: string, name: string) =>
      c.get({ apiVersion, kind, namespace: NS, name });
    try {
      await t.step("kubectl apply makes the Service Ready with the seed's domain", async () => {
        const out = await kubectl(kubeconfig, ["apply", "-f", SEED.pathname]);
        assert.match(out, /service.serving.knative.dev\/helloworld-go created/);
        const ksvc = await waitFor(
          c,
          { apiVersion: SV1, kind: "Service", namespace: NS, name: "helloworld-go" },
          isReadyNow,
        );
        assert.equal(
          (ksvc.status as { url: string }).url,
          "http://helloworld-go.default.example.com",
        );
      });

      await t.step("the resource graph", async () => {
        const cfg = await get(SV1, "Configuration", "helloworld-go");
        assert.equal(
          (cfg.status as { latestReadyRevisionName: string }).latestReadyRevisionName,
          "helloworld-go-00001",
        );
        const route = await get(SV1, "Route", "helloworld-go");
        assert.deepEqual((route.status as { traffic: unknown }).traffic, [
          { revisionName: "helloworld-go-00001", percent: 100, latestRevision: true },
        ]);
        assert.equal(
          (route.status as { address: { url: string } }).address.url,
          "http://helloworld-go.default.svc.cluster.local",
        );
        const rev = await get(SV1, "Revision", "helloworld-go-00001");
        assert.equal(rev.metadata.labels?.["serving.knative.dev/routingState"], "active");
        assert.equal(rev.metadata.annotations?.["serving.knative.dev/routes"], "helloworld-go");
        await get("apps/v1", "Deployment", "helloworld-go-00001-deployment");
        await get(
          "autoscaling.internal.knative.dev/v1alpha1",
          "PodAutoscaler",
          "helloworld-go-00001",
        );
        await get("v1", "Service", "helloworld-go-00001");
        await get("v1", "Service", "helloworld-go-00001-private");
        const placeholder = await get("v1", "Service", "helloworld-go");
        assert.equal(placeholder.metadata.labels?.["serving.knative.dev/route"], "helloworld-go");
        const ing = await get(
          "networking.internal.knative.dev/v1alpha1",
          "Ingress",
          "helloworld-go",
        );
        assert.equal(
          ing.metadata.annotations?.["networking.knative.dev/ingress.class"],
          "local.ingress.networking.knative.dev",
        );
        const hosts = (ing.spec as { rules: { hosts: string[] }[] }).rules.flatMap((r) => r.hosts);
        assert.ok(hosts.includes("helloworld-go.default.example.com"), hosts.join(","));
        // The local provider programs the gateway instead of rendering objects.
        const hostsServed = [...plane.gateway!.table().hosts.keys()];
        assert.ok(hostsServed.includes("helloworld-go.default.example.com"), hostsServed.join(","));
      });

      await t.step("a template update makes -00002 and moves the traffic", async () => {
        const yaml = (await Deno.readTextFile(SEED)).replace("Go Sample v1", "Go Sample v2");
        await kubectl(kubeconfig, ["apply", "-f", "-"], yaml);
        await waitFor(
          c,
          { apiVersion: SV1, kind: "Route", namespace: NS, name: "helloworld-go" },
          (r) =>
            isReadyNow(r) &&
            JSON.stringify((r.status as { traffic: unknown }).traffic) ===
              JSON.stringify([{
                revisionName: "helloworld-go-00002",
                percent: 100,
                latestRevision: true,
              }]),
        );
        await waitFor(
          c,
          { apiVersion: SV1, kind: "Service", namespace: NS, name: "helloworld-go" },
          isReadyNow,
        );
      });

      await t.step("the labeler moves -00001 to reserve once unreferenced", async () => {
        const rev = await waitFor(
          c,
          { apiVersion: SV1, kind: "Revision", namespace: NS, name: "helloworld-go-00001" },
          (r) => r.metadata.labels?.["serving.knative.dev/routingState"] === "reserve",
        );
        assert.equal(rev.metadata.annotations?.["serving.knative.dev/routes"], undefined);
        assert.match(
          rev.metadata.annotations?.["serving.knative.dev/routingStateModified"] ?? "",
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
        );
      });

      await t.step("a release with two revisions splits the traffic", async () => {
        await kubectl(kubeconfig, ["apply", "-f", RELEASE.pathname]);
        const route = await waitFor(
          c,
          { apiVersion: SV1, kind: "Route", namespace: NS, name: "helloworld-go" },
          (r) => isReadyNow(r) && ((r.status as { traffic?: unknown[] }).traffic?.length ?? 0) >= 2,
        );
        const traffic =
          (route.status as { traffic: { tag?: string; revisionName: string; percent?: number }[] })
            .traffic;
        const byTag = Object.fromEntries(traffic.map((x) => [x.tag, x]));
        assert.equal(byTag.current.revisionName, "helloworld-go-00001");
        assert.equal(byTag.current.percent, 60);
        assert.equal(byTag.candidate.revisionName, "helloworld-go-00002");
        assert.equal(byTag.candidate.percent, 40);
        const ing = await get(
          "networking.internal.knative.dev/v1alpha1",
          "Ingress",
          "helloworld-go",
        );
        const rule = (ing.spec as {
          rules: {
            hosts: string[];
            http: { paths: { splits: { serviceName: string; percent: number }[] }[] };
          }[];
        })
          .rules.find((r) => r.hosts.includes("helloworld-go.default.example.com"))!;
        assert.deepEqual(
          rule.http.paths[0].splits.map((s) => [s.serviceName, s.percent]),
          [["helloworld-go-00001", 60], ["helloworld-go-00002", 40]],
        );
        const tagged = (ing.spec as { rules: { hosts: string[] }[] }).rules.flatMap((r) => r.hosts);
        assert.ok(tagged.includes("candidate-helloworld-go.default.example.com"));
      });
    } finally {
      await plane.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Keeps `KubeObject` in use for readers of the graph checks. */
export type _Graph = KubeObject;
