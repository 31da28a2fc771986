import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import {
  defaultApiContext,
  isManualService,
  type Service,
  serviceConverter,
  serviceToV1,
  serviceToV1alpha1,
  setServiceDefaults,
  type V1alpha1Service,
  validateService,
  validateV1alpha1ServiceSpec,
} from "../../apis/mod.ts";

const SEED = new URL("../../examples/helloworld-go.yaml", import.meta.url);

function v1a(spec: unknown): V1alpha1Service {
  return {
    apiVersion: "serving.knative.dev/v1alpha1",
    kind: "Service",
    metadata: { name: "s", namespace: "default" },
    spec: spec as V1alpha1Service["spec"],
  };
}
const configuration = { revisionTemplate: { spec: { container: { image: "img" } } } };

Deno.test("the seed helloworld-go applies unchanged", async (t) => {
  let seedText: string;
  try {
    seedText = await Deno.readTextFile(SEED);
  } catch {
    seedText = `apiVersion: serving.knative.dev/v1alpha1
kind: Service
metadata: {name: helloworld-go, namespace: default}
spec:
  runLatest:
    configuration:
      revisionTemplate:
        spec:
          container:
            image: registry.cn-shanghai.aliyuncs.com/larus/helloworld-go
            env: [{name: TARGET, value: "Go Sample v1"}]
`;
  }
  const seed = parseYaml(seedText) as V1alpha1Service;
  const v1 = serviceConverter.convert(seed, "serving.knative.dev/v1") as Service;
  await t.step("converts to the v1 inline form", () => {
    assert.deepEqual(v1.spec, {
      template: {
        spec: {
          containers: [{
            image: "registry.cn-shanghai.aliyuncs.com/larus/helloworld-go",
            env: [{ name: "TARGET", value: "Go Sample v1" }],
          }],
        },
      },
      traffic: [{ percent: 100, latestRevision: true }],
    });
    assert.equal(v1.metadata.annotations?.["serving.denative.dev/v1alpha1-mode"], "runLatest");
  });
  await t.step("defaults and validates", () => {
    const d = setServiceDefaults(defaultApiContext(), v1);
    assert.equal(validateService(defaultApiContext(), d), undefined);
  });
  await t.step("reads back as the shape it wrote", () => {
    const back = serviceConverter.convert(v1, "serving.knative.dev/v1alpha1");
    assert.deepEqual(back, seed);
  });
});

Deno.test("v1alpha1 → v1 conversion (KNATIVE.md §15)", async (t) => {
  const cases: [string, unknown, unknown][] = [
    ["runLatest", { runLatest: { configuration } }, [{ percent: 100, latestRevision: true }]],
    ["pinned", { pinned: { revisionName: "s-1", configuration } }, [{
      revisionName: "s-1",
      percent: 100,
    }]],
    [
      "release with one revision",
      { release: { revisions: ["s-1"], configuration } },
      [{ tag: "current", revisionName: "s-1", percent: 100 }, {
        tag: "latest",
        latestRevision: true,
      }],
    ],
    [
      "release with two revisions",
      { release: { revisions: ["s-1", "s-2"], rolloutPercent: 10, configuration } },
      [
        { tag: "current", revisionName: "s-1", percent: 90 },
        { tag: "candidate", revisionName: "s-2", percent: 10 },
        { tag: "latest", latestRevision: true },
      ],
    ],
    [
      "release with @latest",
      { release: { revisions: ["s-1", "@latest"], rolloutPercent: 30, configuration } },
      [
        { tag: "current", revisionName: "s-1", percent: 70 },
        { tag: "candidate", revisionName: "", latestRevision: true, percent: 30 },
        { tag: "latest", latestRevision: true },
      ],
    ],
  ];
  for (const [name, spec, traffic] of cases) {
    await t.step(name, () => {
      const v1 = serviceToV1(v1a(spec));
      assert.deepEqual(v1.spec.traffic, traffic);
      assert.deepEqual(v1.spec.template, { spec: { containers: [{ image: "img" }] } });
      // The converted, defaulted Service is valid v1.
      const d = setServiceDefaults(defaultApiContext(), v1);
      assert.equal(validateService(defaultApiContext(), d), undefined);
      // And reads back as written, even after defaulting.
      const back = serviceToV1alpha1(v1);
      assert.deepEqual(back.spec, spec);
      const backDefaulted = serviceToV1alpha1(d);
      assert.deepEqual(Object.keys(backDefaulted.spec), Object.keys(spec as object));
    });
  }
  await t.step("manual is kept and marks the Service manual", () => {
    const v1 = serviceToV1(v1a({ manual: {} }));
    assert.equal(isManualService(v1), true);
    assert.equal(validateService(defaultApiContext(), v1), undefined);
    assert.deepEqual(serviceToV1alpha1(v1).spec, { manual: {} });
  });
  await t.step("a plain v1 Service reads back as runLatest when it is one", () => {
    const v1: Service = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { template: { spec: { containers: [{ image: "img" }] } } },
    };
    const d = setServiceDefaults(defaultApiContext(), v1);
    assert.ok(serviceToV1alpha1(d).spec.runLatest);
  });
  await t.step("a v1 Service with tags reads back in the inline form", () => {
    const v1: Service = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: {
        template: { spec: { containers: [{ image: "img" }] } },
        traffic: [{ tag: "a", latestRevision: true, percent: 100 }],
      },
    };
    const back = serviceToV1alpha1(v1);
    assert.deepEqual(back.spec.traffic, v1.spec.traffic);
    assert.ok(back.spec.template);
  });
});

Deno.test("v1alpha1 validation", async (t) => {
  const cases: [string, unknown, string | undefined][] = [
    ["neither", {}, "expected exactly one, got neither: manual, pinned, release, runLatest"],
    [
      "both",
      { runLatest: { configuration }, manual: {} },
      "expected exactly one, got both: manual, runLatest",
    ],
    [
      "release no revisions",
      { release: { revisions: [], configuration } },
      "missing field(s): release.revisions",
    ],
    [
      "release three revisions",
      { release: { revisions: ["a", "b", "c"], configuration } },
      "expected 1 <= 3 <= 2: release.revisions",
    ],
    [
      "rolloutPercent with one revision",
      { release: { revisions: ["a"], rolloutPercent: 10, configuration } },
      "invalid value: 10: release.rolloutPercent",
    ],
    [
      "rolloutPercent 100",
      { release: { revisions: ["a", "b"], rolloutPercent: 100, configuration } },
      "expected 0 <= 100 <= 99: release.rolloutPercent",
    ],
    [
      "bad revision name",
      { release: { revisions: ["A"], configuration } },
      "invalid value: not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]: release.revisions[0]",
    ],
    [
      "pinned needs a revision",
      { pinned: { configuration } },
      "missing field(s): pinned.revisionName",
    ],
  ];
  for (const [name, spec, want] of cases) {
    await t.step(name, () => {
      assert.equal(validateV1alpha1ServiceSpec(spec as V1alpha1Service["spec"])?.toString(), want);
    });
  }
  await t.step("conversion refuses an invalid spec with spec-rooted paths", () => {
    assert.throws(
      () =>
        serviceToV1(
          v1a({ runLatest: { configuration }, pinned: { revisionName: "x", configuration } }),
        ),
      /^expected exactly one, got both: spec.pinned, spec.runLatest$/,
    );
  });
});
