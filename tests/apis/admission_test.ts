import assert from "node:assert/strict";
import {
  apiContextFromConfigMaps,
  servingAdmissionHooks,
  servingConverters,
} from "../../apis/mod.ts";
import type { AdmissionHook, AdmissionRequest, KubeObject } from "../../runtime/mod.ts";

function hookFor(hooks: AdmissionHook[], obj: KubeObject): AdmissionHook {
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "";
  return hooks.find((h) => h.group === group && (!h.kinds || h.kinds.includes(obj.kind)))!;
}

async function admit(hooks: AdmissionHook[], req: AdmissionRequest) {
  const h = hookFor(hooks, req.object!);
  const obj = h.mutate ? await h.mutate(req) : req.object!;
  const denial = h.validate ? await h.validate({ ...req, object: obj }) : undefined;
  return { obj, denial };
}

const svc = (image?: string): KubeObject => ({
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  metadata: { name: "hello", namespace: "default" },
  spec: { template: { spec: { containers: [image ? { image } : { name: "c" }] } } },
});

Deno.test("servingAdmissionHooks", async (t) => {
  const hooks = servingAdmissionHooks();
  await t.step("covers the three Knative groups and config maps", () => {
    assert.deepEqual(hooks.map((h) => h.group), [
      "serving.knative.dev",
      "networking.internal.knative.dev",
      "autoscaling.internal.knative.dev",
      "",
    ]);
  });
  await t.step("create: defaults and creator annotations", async () => {
    const { obj, denial } = await admit(hooks, {
      operation: "CREATE",
      object: svc("img"),
      userInfo: { username: "alice" },
    });
    assert.equal(denial, undefined);
    const o = obj as unknown as {
      metadata: { annotations: Record<string, string> };
      spec: { traffic: unknown[] };
    };
    assert.equal(o.metadata.annotations["serving.knative.dev/creator"], "alice");
    assert.deepEqual(o.spec.traffic, [{ latestRevision: true, percent: 100 }]);
  });
  await t.step("invalid Service is refused with a field path", async () => {
    const { denial } = await admit(hooks, {
      operation: "CREATE",
      object: svc(),
      userInfo: { username: "a" },
    });
    assert.equal(denial?.message, "missing field(s): spec.template.spec.containers[0].image");
    assert.deepEqual(denial?.causes, [{
      reason: "FieldValueInvalid",
      message: "missing field(s)",
      field: "spec.template.spec.containers[0].image",
    }]);
  });
  await t.step("status writes are neither defaulted nor spec-validated", async () => {
    const { obj, denial } = await admit(hooks, {
      operation: "UPDATE",
      subResource: "status",
      object: svc(),
      oldObject: svc(),
      userInfo: { username: "a" },
    });
    assert.equal(denial, undefined);
    assert.deepEqual(obj, svc());
  });
  await t.step("config in force is used", async () => {
    const h = servingAdmissionHooks({
      config: apiContextFromConfigMaps({ defaults: { "revision-timeout-seconds": "100" } }),
    });
    const { obj } = await admit(h, {
      operation: "CREATE",
      object: svc("img"),
      userInfo: { username: "a" },
    });
    const o = obj as unknown as { spec: { template: { spec: { timeoutSeconds: number } } } };
    assert.equal(o.spec.template.spec.timeoutSeconds, 100);
  });
  await t.step("manual Service keeps the stored spec", async () => {
    const stored =
      (await admit(hooks, { operation: "CREATE", object: svc("img"), userInfo: { username: "a" } }))
        .obj;
    const manual = structuredClone(stored);
    manual.metadata.annotations = {
      ...stored.metadata.annotations,
      "serving.denative.dev/v1alpha1-mode": "manual",
    };
    manual.spec = { template: { spec: { containers: [] } } };
    const { obj, denial } = await admit(hooks, {
      operation: "UPDATE",
      object: manual,
      oldObject: stored,
      userInfo: { username: "a" },
    });
    assert.equal(denial, undefined);
    assert.deepEqual(obj.spec, stored.spec);
  });
  await t.step("Ingress defaults and validation", async () => {
    const ing: KubeObject = {
      apiVersion: "networking.internal.knative.dev/v1alpha1",
      kind: "Ingress",
      metadata: { name: "i", namespace: "d" },
      spec: {
        rules: [{
          hosts: ["h"],
          http: {
            paths: [{ splits: [{ serviceName: "s", serviceNamespace: "d", servicePort: 80 }] }],
          },
        }],
      },
    };
    const { obj, denial } = await admit(hooks, {
      operation: "CREATE",
      object: ing,
      userInfo: { username: "a" },
    });
    assert.equal(denial, undefined);
    assert.equal(
      (obj.spec as { rules: { visibility: string }[] }).rules[0].visibility,
      "ExternalIP",
    );
  });
  await t.step("bad config map in the system namespace is refused", async () => {
    const cm: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "config-autoscaler", namespace: "knative-serving" },
      data: { "stable-window": "1s" },
    };
    const { denial } = await admit(hooks, {
      operation: "UPDATE",
      object: cm,
      userInfo: { username: "a" },
    });
    assert.match(denial!.message, /config-autoscaler: stable-window/);
    const other = structuredClone(cm);
    other.metadata.namespace = "default";
    assert.equal(
      (await admit(hooks, { operation: "UPDATE", object: other, userInfo: { username: "a" } }))
        .denial,
      undefined,
    );
  });
});

Deno.test("servingConverters", async (t) => {
  const [conv] = servingConverters();
  await t.step("Service v1alpha1 ⇄ v1", () => {
    const v1a: KubeObject = {
      apiVersion: "serving.knative.dev/v1alpha1",
      kind: "Service",
      metadata: { name: "s" },
      spec: {
        runLatest: { configuration: { revisionTemplate: { spec: { container: { image: "i" } } } } },
      },
    };
    const v1 = conv.convert(v1a, "serving.knative.dev/v1");
    assert.equal(v1.apiVersion, "serving.knative.dev/v1");
    assert.deepEqual(conv.convert(v1, "serving.knative.dev/v1alpha1"), v1a);
  });
  await t.step("unknown version throws", () => {
    assert.throws(() => conv.convert(svc("i"), "serving.knative.dev/v2"));
  });
});
