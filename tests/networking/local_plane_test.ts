/**
 * The local provider end to end on the local control plane: the API server,
 * the controller manager with the ingress reconciler, and the built-in
 * gateway. A test HTTP server is registered as the endpoints of two
 * revisions' Services; an Ingress shaped like the Route controller's is
 * applied; curl with a Host header reaches it through the gateway.
 */
import assert from "node:assert/strict";
import { startLocalPlane } from "../../controllers/cli.ts";
import type { KubeObject } from "../../runtime/mod.ts";
import { routeIngress } from "./fixtures.ts";
import { rawGet } from "../integration/helpers.ts";

function revisionService(name: string, port: number): KubeObject[] {
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: "default" },
      spec: { ports: [{ name: "http", port: 80, targetPort: 8012 }] },
    },
    {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name, namespace: "default" },
      subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: "http", port }] }],
    },
  ];
}

Deno.test("local provider on the local control plane: Host routing, 90/10 split, tag host", async (t) => {
  const servers = ["v1", "v2"].map((name) =>
    Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => new Response(name))
  );
  const plane = await startLocalPlane({ gatewayPort: 0, domain: "example.com" });
  const gw = plane.gateway!;
  try {
    for (const [i, s] of servers.entries()) {
      for (const o of revisionService(`hello-0000${i + 1}`, s.addr.port)) {
        await plane.client.create(o);
      }
    }
    const ing = routeIngress();
    delete ing.metadata.uid;
    delete ing.metadata.generation;
    ing.metadata.annotations!["networking.knative.dev/ingress.class"] =
      "local.ingress.networking.knative.dev";
    await plane.client.create(ing);

    await t.step("the Ingress becomes Ready with the gateway address", async () => {
      const ref = {
        apiVersion: "networking.internal.knative.dev/v1alpha1",
        kind: "Ingress",
        namespace: "default",
        name: "hello",
      };
      let got: KubeObject | undefined;
      for (let i = 0; i < 100; i++) {
        got = await plane.client.get(ref);
        const st = got.status as { conditions?: { type: string; status: string }[] } | undefined;
        if (st?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const st = got!.status as Record<string, unknown>;
      assert.deepStrictEqual(st.publicLoadBalancer, { ingress: [{ ip: "127.0.0.1" }] });
      assert.ok(
        (st.conditions as { type: string; status: string }[]).every((c) => c.status === "True"),
        JSON.stringify(st.conditions),
      );
    });

    await t.step("curl -H Host reaches the revision's endpoints", async () => {
      const out = await new Deno.Command("curl", {
        args: ["-s", "-H", "Host: hello.default.example.com", `http://127.0.0.1:${gw.port}/`],
      }).output();
      assert.match(new TextDecoder().decode(out.stdout), /^v[12]$/);
    });

    await t.step("a 90/10 split over 1,000 requests lands within 3 points", async () => {
      const counts: Record<string, number> = { v1: 0, v2: 0 };
      for (let i = 0; i < 1000; i++) {
        const r = await rawGet(gw.port, "hello.default.example.com");
        counts[r.body] = (counts[r.body] ?? 0) + 1;
      }
      assert.ok(Math.abs(counts.v1 / 10 - 90) <= 3, JSON.stringify(counts));
      assert.ok(Math.abs(counts.v2 / 10 - 10) <= 3, JSON.stringify(counts));
    });

    await t.step("the tag host reaches only its revision", async () => {
      for (let i = 0; i < 20; i++) {
        assert.equal(
          (await rawGet(gw.port, "candidate-hello.default.svc.cluster.local")).body,
          "v2",
        );
      }
    });

    await t.step("deleting the Ingress removes its routes", async () => {
      await plane.client.delete({
        apiVersion: "networking.internal.knative.dev/v1alpha1",
        kind: "Ingress",
        namespace: "default",
        name: "hello",
      });
      let status = 0;
      for (let i = 0; i < 100 && status !== 404; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await rawGet(gw.port, "hello.default.example.com")).status;
      }
      assert.equal(status, 404);
    });
  } finally {
    await plane.stop();
    for (const s of servers) await s.shutdown();
  }
});
