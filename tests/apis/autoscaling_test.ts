import assert from "node:assert/strict";
import {
  defaultApiContext,
  parseAutoscalerConfig,
  type PodAutoscaler,
  setPodAutoscalerDefaults,
  validateAutoscalingAnnotations,
  validatePodAutoscaler,
} from "../../apis/mod.ts";

const A = "autoscaling.knative.dev/";

Deno.test("autoscaling annotation validation (KNATIVE.md §1.3)", async (t) => {
  const cfg = parseAutoscalerConfig({});
  const cases: [string, Record<string, string>, string | undefined, Record<string, string>?][] = [
    ["empty", {}, undefined],
    [
      "valid set",
      { [`${A}min-scale`]: "1", [`${A}max-scale`]: "3", [`${A}target`]: "10" },
      undefined,
    ],
    [
      "legacy alias read",
      { [`${A}minScale`]: "-2" },
      `expected 0 <= -2 <= 2147483647: ${A}minScale`,
    ],
    [
      "max < min",
      { [`${A}min-scale`]: "5", [`${A}max-scale`]: "2" },
      `max-scale=2 is less than min-scale=5: ${A}max-scale, ${A}min-scale`,
    ],
    [
      "unknown knative class",
      { [`${A}class`]: "foo.knative.dev" },
      `invalid value: foo.knative.dev: ${A}class`,
    ],
    ["custom class ok", { [`${A}class`]: "example.com/x" }, undefined],
    ["kpa metric cpu refused", { [`${A}metric`]: "cpu" }, `invalid value: cpu: ${A}metric`],
    [
      "hpa metric cpu ok",
      { [`${A}metric`]: "cpu", [`${A}class`]: "hpa.autoscaling.knative.dev" },
      undefined,
    ],
    ["target below min", { [`${A}target`]: "0.001" }, `invalid value: 0.001: ${A}target`],
    [
      "target utilization",
      { [`${A}target-utilization-percentage`]: "101" },
      `expected 1 <= 101 <= 100: ${A}target-utilization-percentage`,
    ],
    ["tbc -1 ok", { [`${A}target-burst-capacity`]: "-1" }, undefined],
    [
      "tbc -2",
      { [`${A}target-burst-capacity`]: "-2" },
      `invalid value: -2: ${A}target-burst-capacity`,
    ],
    ["window too small", { [`${A}window`]: "5s" }, `expected 6s <= 5s <= 1h0m0s: ${A}window`],
    [
      "window precision",
      { [`${A}window`]: "6500ms" },
      `must be specified with at most second precision: ${A}window`,
    ],
    ["window unparseable", { [`${A}window`]: "abc" }, `invalid value: abc: ${A}window`],
    [
      "panic window pct",
      { [`${A}panic-window-percentage`]: "0.5" },
      `expected 1 <= 0.5 <= 100: ${A}panic-window-percentage`,
    ],
    [
      "panic threshold",
      { [`${A}panic-threshold-percentage`]: "100" },
      `expected 110 <= 100 <= 1000: ${A}panic-threshold-percentage`,
    ],
    [
      "scale down delay",
      { [`${A}scale-down-delay`]: "2h" },
      `expected 0s <= 2h <= 1h0m0s: ${A}scale-down-delay`,
    ],
    [
      "scale down delay precision",
      { [`${A}scale-down-delay`]: "1.5s" },
      `must be specified with at most second precision: ${A}scale-down-delay`,
    ],
    [
      "retention negative",
      { [`${A}scale-to-zero-pod-retention-period`]: "-1s" },
      `expected 0s <= -1s <= 1h0m0s: ${A}scale-to-zero-pod-retention-period`,
    ],
    [
      "algorithm",
      { [`${A}metric-aggregation-algorithm`]: "median" },
      `invalid value: median: ${A}metric-aggregation-algorithm`,
    ],
    ["algorithm ok", { [`${A}metric-aggregation-algorithm`]: "weightedExponential" }, undefined],
    [
      "initial scale 0 refused",
      { [`${A}initial-scale`]: "0" },
      `invalid value: 0: ${A}initial-scale`,
    ],
    ["initial scale 0 allowed", { [`${A}initial-scale`]: "0" }, undefined, {
      "allow-zero-initial-scale": "true",
    }],
    [
      "activation scale < 2",
      { [`${A}activation-scale`]: "1" },
      `expected 2 <= 1 <= 2147483647: ${A}activation-scale`,
    ],
    [
      "max-scale-limit exceeded",
      { [`${A}max-scale`]: "20" },
      `expected 1 <= 20 <= 10: ${A}max-scale`,
      { "max-scale-limit": "10" },
    ],
    [
      "max-scale 0 with limit",
      { [`${A}max-scale`]: "0" },
      `max-scale=0 (unlimited), must be less than 10: ${A}max-scale`,
      { "max-scale-limit": "10" },
    ],
  ];
  for (const [name, anns, want, cm] of cases) {
    await t.step(name, () => {
      const c = cm ? parseAutoscalerConfig(cm) : cfg;
      assert.equal(validateAutoscalingAnnotations(c, anns)?.toString(), want);
    });
  }
});

Deno.test("PodAutoscaler defaults and validation (KNATIVE.md §12.4)", async (t) => {
  const pa: PodAutoscaler = {
    apiVersion: "autoscaling.internal.knative.dev/v1alpha1",
    kind: "PodAutoscaler",
    metadata: { name: "r", namespace: "d" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "r-deployment" },
      protocolType: "http1",
    },
  };
  await t.step("class and metric defaults", () => {
    const out = setPodAutoscalerDefaults(defaultApiContext(), pa);
    assert.deepEqual(out.metadata.annotations, {
      "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
      "autoscaling.knative.dev/metric": "concurrency",
    });
    const hpa = structuredClone(pa);
    hpa.metadata.annotations = { "autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev" };
    assert.equal(
      setPodAutoscalerDefaults(defaultApiContext(), hpa).metadata.annotations![
        "autoscaling.knative.dev/metric"
      ],
      "cpu",
    );
  });
  await t.step("validation", () => {
    assert.equal(validatePodAutoscaler(defaultApiContext(), pa), undefined);
    const bad = structuredClone(pa);
    bad.spec.protocolType = "tcp";
    bad.spec.scaleTargetRef = {};
    assert.equal(
      validatePodAutoscaler(defaultApiContext(), bad)?.toString(),
      "invalid value: tcp: spec.protocolType\nmissing field(s): spec.scaleTargetRef.apiVersion, spec.scaleTargetRef.kind, spec.scaleTargetRef.name",
    );
  });
});
