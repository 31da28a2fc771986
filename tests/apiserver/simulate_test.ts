import assert from "node:assert/strict";
import { Api } from "../../apiserver/api.ts";
import { Simulator } from "../../apiserver/simulate.ts";
import type { KubeObject } from "../../runtime/mod.ts";

function svc(name: string, app: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] },
  };
}

function pod(name: string, app: string, ip: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app } },
    spec: { containers: [{ name: "c", image: "x" }] },
    status: { podIP: ip, conditions: [{ type: "Ready", status: "True" }] },
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), "condition not reached");
}

Deno.test("simulator: a Pod change recomputes only the Endpoints of the Services selecting it", async () => {
  const api = new Api();
  await api.init();
  const svcT = api.registry.get("", "services")!;
  const podT = api.registry.get("", "pods")!;
  const epT = api.registry.get("", "endpoints")!;
  const sim = new Simulator(api, 1);
  sim.start();
  try {
    for (let i = 0; i < 20; i++) await api.systemWrite(svcT, svc(`s${i}`, `a${i}`), "ADDED");
    await until(() => sim.endpointsComputed >= 20);
    await until(() => api.raw(epT, "default", "s19") !== undefined);
    const before = sim.endpointsComputed;
    await api.systemWrite(podT, pod("p7", "a7", "127.2.0.7"), "ADDED");
    await until(() =>
      (api.raw(epT, "default", "s7") as { subsets?: unknown[] } | undefined)?.subsets?.length === 1
    );
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(sim.endpointsComputed - before, 1, "only s7 is recomputed");
    // deno-lint-ignore no-explicit-any
    const ep = api.raw(epT, "default", "s7") as any;
    assert.equal(ep.subsets[0].addresses[0].ip, "127.2.0.7");
    assert.equal(ep.subsets[0].ports[0].port, 8080);
    assert.equal(
      (api.raw(epT, "default", "s6") as { subsets?: unknown[] }).subsets,
      undefined,
      "other Services keep empty Endpoints",
    );
  } finally {
    await sim.stop();
  }
});
