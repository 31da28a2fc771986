import assert from "node:assert/strict";
import type { PodAutoscaler } from "../../../apis/mod.ts";
import { parseAutoscalerConfig } from "../../../apis/mod.ts";
import {
  makeMetric,
  makeSKS,
  scaleBounds,
  wantedScale,
} from "../../../controllers/autoscaling/resources.ts";

const AS = parseAutoscalerConfig({});

function pa(
  annotations: Record<string, string> = {},
  reachability: PodAutoscaler["spec"]["reachability"] = "",
): PodAutoscaler {
  return {
    apiVersion: "autoscaling.internal.knative.dev/v1alpha1",
    kind: "PodAutoscaler",
    metadata: {
      name: "r",
      namespace: "ns",
      uid: "pa-uid",
      labels: { l: "1" },
      annotations: { "autoscaling.knative.dev/metric": "concurrency", a: "b", ...annotations },
    },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "r-deployment" },
      protocolType: "h2c",
      reachability,
    },
  };
}

Deno.test("makeSKS (§13.6)", () => {
  assert.deepEqual(makeSKS(pa(), "Serve", 2), {
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "ServerlessService",
    metadata: {
      name: "r",
      namespace: "ns",
      labels: { l: "1" },
      annotations: { a: "b" },
      ownerReferences: [{
        apiVersion: "autoscaling.internal.knative.dev/v1alpha1",
        kind: "PodAutoscaler",
        name: "r",
        uid: "pa-uid",
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      mode: "Serve",
      objectRef: { apiVersion: "apps/v1", kind: "Deployment", name: "r-deployment" },
      protocolType: "h2c",
      numActivators: 2,
    },
  });
});

Deno.test("makeMetric windows (§13.3)", async (t) => {
  const cases: [string, Record<string, string>, number, number][] = [
    ["defaults 60s / 10%", {}, 60_000, 6_000],
    ["window annotation", { "autoscaling.knative.dev/window": "20s" }, 20_000, 2_000],
    [
      "panic window at least 1s",
      {
        "autoscaling.knative.dev/window": "6s",
        "autoscaling.knative.dev/panic-window-percentage": "1",
      },
      6_000,
      1_000,
    ],
    [
      "rounded to the second",
      {
        "autoscaling.knative.dev/window": "15s",
        "autoscaling.knative.dev/panicWindowPercentage": "13",
      },
      15_000,
      2_000,
    ],
  ];
  for (const [name, ann, stable, panic] of cases) {
    await t.step(name, () => {
      const m = makeMetric(pa(ann), AS, "r-private");
      assert.deepEqual(m.spec, {
        stableWindow: stable * 1e6,
        panicWindow: panic * 1e6,
        scrapeTarget: "r-private",
      });
      assert.equal(m.metadata.name, "r");
      assert.equal(m.metadata.ownerReferences?.[0].kind, "PodAutoscaler");
    });
  }
});

Deno.test("scaleBounds and wantedScale", async (t) => {
  const cases: {
    name: string;
    ann: Record<string, string>;
    reach?: "" | "Reachable" | "Unreachable";
    cfg?: Partial<typeof AS>;
    init: boolean;
    bounds: { min: number; max: number; initial: number };
    want: number;
  }[] = [
    { name: "defaults", ann: {}, init: false, bounds: { min: 0, max: 0, initial: 1 }, want: 1 },
    {
      name: "initialised keeps one pod",
      ann: {},
      init: true,
      bounds: { min: 0, max: 0, initial: 1 },
      want: 1,
    },
    {
      name: "min-scale",
      ann: { "autoscaling.knative.dev/min-scale": "3" },
      init: true,
      bounds: { min: 3, max: 0, initial: 1 },
      want: 3,
    },
    {
      name: "legacy minScale",
      ann: { "autoscaling.knative.dev/minScale": "2" },
      init: false,
      bounds: { min: 2, max: 0, initial: 1 },
      want: 2,
    },
    {
      name: "initial-scale above min",
      ann: { "autoscaling.knative.dev/initial-scale": "4" },
      init: false,
      bounds: { min: 0, max: 0, initial: 4 },
      want: 4,
    },
    {
      name: "max-scale caps",
      ann: {
        "autoscaling.knative.dev/initial-scale": "4",
        "autoscaling.knative.dev/max-scale": "2",
      },
      init: false,
      bounds: { min: 0, max: 2, initial: 4 },
      want: 2,
    },
    {
      name: "zero initial scale not allowed → config",
      ann: { "autoscaling.knative.dev/initial-scale": "0" },
      init: false,
      bounds: { min: 0, max: 0, initial: 1 },
      want: 1,
    },
    {
      name: "zero initial scale allowed",
      ann: { "autoscaling.knative.dev/initial-scale": "0" },
      cfg: { allowZeroInitialScale: true },
      init: false,
      bounds: { min: 0, max: 0, initial: 0 },
      want: 0,
    },
    {
      name: "unreachable forces min 0",
      ann: { "autoscaling.knative.dev/min-scale": "3" },
      reach: "Unreachable",
      init: true,
      bounds: { min: 0, max: 0, initial: 1 },
      want: 1,
    },
    {
      name: "config min/max",
      ann: {},
      cfg: { minScale: 2, maxScale: 5 },
      init: true,
      bounds: { min: 2, max: 5, initial: 1 },
      want: 2,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const b = scaleBounds(pa(c.ann, c.reach ?? ""), { ...AS, ...c.cfg });
      assert.deepEqual(b, c.bounds);
      assert.equal(wantedScale(b, c.init), c.want);
    });
  }
});
