import assert from "node:assert/strict";
import type { Configuration, Service } from "../../../apis/mod.ts";
import {
  makeConfiguration,
  makeRoute,
  mergeRoutesAnnotation,
} from "../../../controllers/service/resources.ts";

const svc = (
  over: Partial<Service["metadata"]> = {},
  traffic?: Service["spec"]["traffic"],
): Service => ({
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  metadata: {
    name: "hello",
    namespace: "default",
    uid: "svc-uid",
    labels: { team: "a" },
    annotations: {
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
      "serving.knative.dev/rollout-duration": "60s",
      "serving.knative.dev/rolloutDuration": "60s",
      note: "x",
    },
    ...over,
  },
  spec: {
    template: { spec: { containers: [{ image: "img" }] } },
    traffic: traffic ?? [{ latestRevision: true, percent: 100 }],
  },
});

const ownerRef = {
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  name: "hello",
  uid: "svc-uid",
  controller: true,
  blockOwnerDeletion: true,
};

Deno.test("makeConfiguration (service → configuration)", async (t) => {
  await t.step("name, labels, annotations, owner, spec", () => {
    const c = makeConfiguration(svc());
    assert.deepEqual(c, {
      apiVersion: "serving.knative.dev/v1",
      kind: "Configuration",
      metadata: {
        name: "hello",
        namespace: "default",
        labels: {
          team: "a",
          "serving.knative.dev/service": "hello",
          "serving.knative.dev/serviceUID": "svc-uid",
        },
        annotations: { note: "x", "serving.knative.dev/routes": "hello" },
        ownerReferences: [ownerRef],
      },
      spec: { template: { spec: { containers: [{ image: "img" }] } } },
    });
  });
  await t.step("existing routes annotation is kept and extended, sorted", () => {
    const existing = {
      metadata: { annotations: { "serving.knative.dev/routes": "zed,alpha" } },
    } as unknown as Configuration;
    const c = makeConfiguration(svc(), existing);
    assert.equal(c.metadata.annotations?.["serving.knative.dev/routes"], "alpha,hello,zed");
  });
  await t.step("the template is a copy", () => {
    const s = svc();
    const c = makeConfiguration(s);
    c.spec.template.spec.containers![0].image = "changed";
    assert.equal(s.spec.template.spec.containers![0].image, "img");
  });
});

Deno.test("mergeRoutesAnnotation dedups", () => {
  assert.equal(mergeRoutesAnnotation("b, a,b", "a"), "a,b");
  assert.equal(mergeRoutesAnnotation(undefined, "r"), "r");
});

Deno.test("makeRoute (service → route)", async (t) => {
  await t.step("labels without serviceUID, rollout-duration kept, last-applied dropped", () => {
    const r = makeRoute(svc());
    assert.deepEqual(r.metadata, {
      name: "hello",
      namespace: "default",
      labels: { team: "a", "serving.knative.dev/service": "hello" },
      annotations: {
        "serving.knative.dev/rollout-duration": "60s",
        "serving.knative.dev/rolloutDuration": "60s",
        note: "x",
      },
      ownerReferences: [ownerRef],
    });
  });
  await t.step("targets without revisionName follow the configuration", () => {
    const r = makeRoute(svc({}, [
      { tag: "current", revisionName: "hello-00001", percent: 90 },
      { tag: "latest", latestRevision: true, percent: 10 },
    ]));
    assert.deepEqual(r.spec.traffic, [
      { tag: "current", revisionName: "hello-00001", percent: 90 },
      { tag: "latest", latestRevision: true, percent: 10, configurationName: "hello" },
    ]);
  });
});
