import assert from "node:assert/strict";
import type { Configuration } from "../../../apis/mod.ts";
import {
  makeRevision,
  revisionNameFor,
  rfc3339Seconds,
} from "../../../controllers/configuration/resources.ts";

const NOW = new Date("2026-11-25T01:02:03.456Z");

function config(over: Partial<Configuration["metadata"]> = {}, name?: string): Configuration {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Configuration",
    metadata: { name: "foo", namespace: "ns", uid: "cfg-uid", generation: 1, ...over },
    spec: {
      template: {
        metadata: { name, labels: { a: "b" }, annotations: { c: "d" } },
        spec: { containers: [{ image: "img" }] },
      },
    },
  };
}

Deno.test("revisionNameFor", async (t) => {
  const cases: [string, Configuration, string][] = [
    ["generation 1", config(), "foo-00001"],
    ["generation 10", config({ name: "build", generation: 10 }), "build-00010"],
    ["generation 100", config({ name: "labels", generation: 100 }), "labels-00100"],
    ["BYO name", config({}, "foo-custom"), "foo-custom"],
  ];
  for (const [n, c, want] of cases) await t.step(n, () => assert.equal(revisionNameFor(c), want));
});

Deno.test("makeRevision", async (t) => {
  await t.step("standalone configuration", () => {
    const r = makeRevision(config(), NOW);
    assert.deepEqual(r, {
      apiVersion: "serving.knative.dev/v1",
      kind: "Revision",
      metadata: {
        name: "foo-00001",
        namespace: "ns",
        labels: {
          a: "b",
          "serving.knative.dev/configuration": "foo",
          "serving.knative.dev/configurationGeneration": "1",
          "serving.knative.dev/configurationUID": "cfg-uid",
          "serving.knative.dev/routingState": "pending",
        },
        annotations: { c: "d", "serving.knative.dev/routingStateModified": "2026-11-25T01:02:03Z" },
        ownerReferences: [{
          apiVersion: "serving.knative.dev/v1",
          kind: "Configuration",
          name: "foo",
          uid: "cfg-uid",
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
      spec: { containers: [{ image: "img" }] },
    });
  });
  await t.step("service labels, creator and routes make it active", () => {
    const r = makeRevision(
      config({
        labels: { "serving.knative.dev/service": "svc", "serving.knative.dev/serviceUID": "su" },
        annotations: {
          "serving.knative.dev/lastModifier": "alice",
          "serving.knative.dev/routes": "svc",
        },
      }),
      NOW,
    );
    assert.equal(r.metadata.labels?.["serving.knative.dev/service"], "svc");
    assert.equal(r.metadata.labels?.["serving.knative.dev/serviceUID"], "su");
    assert.equal(r.metadata.labels?.["serving.knative.dev/routingState"], "active");
    assert.equal(r.metadata.annotations?.["serving.knative.dev/creator"], "alice");
    assert.equal(r.metadata.annotations?.["serving.knative.dev/routes"], "svc");
  });
  await t.step("no service labels when the configuration has none", () => {
    const r = makeRevision(config(), NOW);
    assert.ok(!("serving.knative.dev/service" in (r.metadata.labels ?? {})));
  });
});

Deno.test("rfc3339Seconds drops milliseconds", () => {
  assert.equal(rfc3339Seconds(NOW), "2026-11-25T01:02:03Z");
});
