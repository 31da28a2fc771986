import assert from "node:assert/strict";
import {
  applyJsonPatch,
  certHosts,
  createJsonPatch,
  knativeCrds,
  startWebhook,
  webhookConfigurations,
} from "../../apis/mod.ts";
import { FakeClient, type KubeObject } from "../../runtime/mod.ts";

Deno.test("JSON patch", async (t) => {
  const cases: [string, unknown, unknown][] = [
    ["add nested", { a: { b: 1 } }, { a: { b: 1, c: [1] } }],
    ["remove", { a: 1, b: 2 }, { a: 1 }],
    ["replace array of other length", { a: [1, 2] }, { a: [1] }],
    ["escape keys", { m: { "a/b~c": "x" } }, { m: { "a/b~c": "y", "d/e": "z" } }],
    ["element-wise", { c: [{ n: 1 }, { n: 2 }] }, { c: [{ n: 1, x: 1 }, { n: 3 }] }],
  ];
  for (const [name, from, to] of cases) {
    await t.step(name, () => assert.deepEqual(applyJsonPatch(from, createJsonPatch(from, to)), to));
  }
  await t.step(
    "no change, no ops",
    () => assert.deepEqual(createJsonPatch({ a: [1] }, { a: [1] }), []),
  );
});

function seed(): KubeObject[] {
  return [...webhookConfigurations(), ...knativeCrds()];
}

async function post(client: Deno.HttpClient, port: number, path: string, body: unknown) {
  const res = await fetch(`https://127.0.0.1:${port}${path}`, {
    method: "POST",
    client,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return await res.json();
}

Deno.test("admission webhook over TLS", async (t) => {
  const fake = new FakeClient(seed());
  const wh = await startWebhook({
    client: fake,
    port: 0,
    hostname: "127.0.0.1",
    hosts: ["127.0.0.1"],
  });
  const client = Deno.createHttpClient({ caCerts: [wh.caCert] });
  try {
    await t.step("keeps its certs in a Secret and covers the service names", async () => {
      const secret = await fake.get({
        apiVersion: "v1",
        kind: "Secret",
        namespace: "knative-serving",
        name: "webhook-certs",
      });
      const data = secret.data as Record<string, string>;
      assert.equal(atob(data["ca-cert.pem"]), wh.caCert);
      const hosts = certHosts(wh.serverCert);
      assert.ok(hosts.includes("webhook.knative-serving.svc"));
      assert.ok(hosts.includes("127.0.0.1"));
    });
    await t.step("writes the CA bundle into webhook configs and the CRD conversion", async () => {
      const ca = btoa(wh.caCert);
      const m = await fake.get({
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "MutatingWebhookConfiguration",
        name: "webhook.serving.knative.dev",
      });
      assert.equal(
        (m.webhooks as { clientConfig: { caBundle: string } }[])[0].clientConfig.caBundle,
        ca,
      );
      const v = await fake.get({
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingWebhookConfiguration",
        name: "config.webhook.serving.knative.dev",
      });
      assert.equal(
        (v.webhooks as { clientConfig: { caBundle: string } }[])[0].clientConfig.caBundle,
        ca,
      );
      const crd = await fake.get({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: "services.serving.knative.dev",
      });
      assert.equal(
        (crd.spec as { conversion: { webhook: { clientConfig: { caBundle: string } } } }).conversion
          .webhook.clientConfig.caBundle,
        ca,
      );
    });
    const svc = {
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "hello", namespace: "default" },
      spec: { template: { spec: { containers: [{ image: "img" }] } } },
    };
    await t.step("defaulting returns a JSONPatch", async () => {
      const out = await post(client, wh.port, "/defaulting", {
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        request: { uid: "u1", operation: "CREATE", object: svc, userInfo: { username: "alice" } },
      });
      assert.equal(out.response.uid, "u1");
      assert.equal(out.response.allowed, true);
      assert.equal(out.response.patchType, "JSONPatch");
      const patched = applyJsonPatch(svc, JSON.parse(atob(out.response.patch))) as unknown as {
        metadata: { annotations: Record<string, string> };
        spec: { template: { spec: { containers: { name: string }[] } } };
      };
      assert.equal(patched.spec.template.spec.containers[0].name, "user-container");
      assert.equal(patched.metadata.annotations["serving.knative.dev/creator"], "alice");
    });
    await t.step("defaulting a v1alpha1 object patches in its own version", async () => {
      const v1a = {
        apiVersion: "serving.knative.dev/v1alpha1",
        kind: "Service",
        metadata: { name: "hello", namespace: "default" },
        spec: {
          runLatest: {
            configuration: { revisionTemplate: { spec: { container: { image: "img" } } } },
          },
        },
      };
      const out = await post(client, wh.port, "/defaulting", {
        request: { uid: "u5", operation: "CREATE", object: v1a, userInfo: { username: "a" } },
      });
      const patched = applyJsonPatch(v1a, JSON.parse(atob(out.response.patch))) as typeof v1a;
      assert.equal(patched.apiVersion, "serving.knative.dev/v1alpha1");
      assert.equal(
        (patched.spec.runLatest.configuration.revisionTemplate.spec.container as { name?: string })
          .name,
        "user-container",
      );
    });
    await t.step("validation refuses with Knative's message", async () => {
      const bad = structuredClone(svc) as {
        spec: { template: { spec: { containers: unknown[] } } };
      };
      bad.spec.template.spec.containers = [{ name: "x" }];
      const out = await post(client, wh.port, "/resource-validation", {
        request: { uid: "u2", operation: "CREATE", object: bad, userInfo: { username: "a" } },
      });
      assert.equal(out.response.allowed, false);
      assert.equal(
        out.response.status.message,
        "missing field(s): spec.template.spec.containers[0].image",
      );
      assert.equal(
        out.response.status.details.causes[0].field,
        "spec.template.spec.containers[0].image",
      );
    });
    await t.step("config-map validation", async () => {
      const out = await post(client, wh.port, "/config-validation", {
        request: {
          uid: "u3",
          operation: "UPDATE",
          object: {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "config-gc", namespace: "knative-serving" },
            data: { "min-non-active-revisions": "x" },
          },
        },
      });
      assert.equal(out.response.allowed, false);
      assert.match(
        out.response.status.message,
        /config-gc: failed to parse "min-non-active-revisions"/,
      );
    });
    await t.step("conversion review", async () => {
      const out = await post(client, wh.port, "/resource-conversion", {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "ConversionReview",
        request: { uid: "u4", desiredAPIVersion: "serving.knative.dev/v1alpha1", objects: [svc] },
      });
      assert.equal(out.kind, "ConversionReview");
      assert.equal(out.response.result.status, "Success");
      assert.ok(out.response.convertedObjects[0].spec.runLatest);
      const bad = await post(client, wh.port, "/resource-conversion", {
        request: {
          uid: "u6",
          desiredAPIVersion: "serving.knative.dev/v1",
          objects: [{
            apiVersion: "serving.knative.dev/v1alpha1",
            kind: "Service",
            metadata: { name: "x" },
            spec: {},
          }],
        },
      });
      assert.equal(bad.response.result.status, "Failure");
      assert.match(bad.response.result.message, /expected exactly one, got neither/);
    });
  } finally {
    client.close();
    await wh.close();
  }
});

Deno.test("webhook certificate rotation", async () => {
  const fake = new FakeClient(seed());
  // Start 9.5 days in the past so that both generations are valid at real time.
  let now = new Date(Date.now() - 9.5 * 86_400_000);
  const wh = await startWebhook({
    client: fake,
    port: 0,
    hostname: "127.0.0.1",
    hosts: ["127.0.0.1"],
    certValidityMs: 10 * 86_400_000,
    rotateBeforeMs: 86_400_000,
    now: () => now,
  });
  try {
    const first = wh.caCert;
    assert.equal(await wh.rotateIfNeeded(), false);
    // A restart reuses the Secret's certs.
    const again = await startWebhook({
      client: fake,
      port: 0,
      hostname: "127.0.0.1",
      hosts: ["127.0.0.1"],
      now: () => now,
    });
    assert.equal(again.caCert, first);
    await again.close();
    now = new Date();
    assert.equal(await wh.rotateIfNeeded(), true);
    assert.notEqual(wh.caCert, first);
    const secret = await fake.get({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "knative-serving",
      name: "webhook-certs",
    });
    assert.equal(atob((secret.data as Record<string, string>)["ca-cert.pem"]), wh.caCert);
    const m = await fake.get({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      name: "webhook.serving.knative.dev",
    });
    assert.equal(
      (m.webhooks as { clientConfig: { caBundle: string } }[])[0].clientConfig.caBundle,
      btoa(wh.caCert),
    );
    // The restarted TLS listener serves the new certificate.
    const client = Deno.createHttpClient({ caCerts: [wh.caCert] });
    const res = await fetch(`https://127.0.0.1:${wh.port}/healthz`, { client });
    assert.equal(await res.text(), "ok");
    client.close();
  } finally {
    await wh.close();
  }
});
