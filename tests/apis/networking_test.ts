import assert from "node:assert/strict";
import {
  type Ingress,
  type ServerlessService,
  setIngressDefaults,
  validateIngress,
  validateServerlessService,
} from "../../apis/mod.ts";

function ing(spec: unknown): Ingress {
  return {
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "Ingress",
    metadata: { name: "i", namespace: "d" },
    spec: spec as Ingress["spec"],
  };
}
const split = { serviceName: "s", serviceNamespace: "d", servicePort: 80 };

Deno.test("Ingress defaults (KNATIVE.md §8)", async (t) => {
  await t.step("visibility ExternalIP and lone 0% split → 100", () => {
    const out = setIngressDefaults(
      ing({ rules: [{ hosts: ["a"], http: { paths: [{ splits: [split] }] } }] }),
    );
    assert.equal(out.spec.rules![0].visibility, "ExternalIP");
    assert.equal(out.spec.rules![0].http!.paths[0].splits[0].percent, 100);
  });
  await t.step("two splits are not touched", () => {
    const out = setIngressDefaults(
      ing({
        rules: [{ visibility: "ClusterLocal", http: { paths: [{ splits: [split, split] }] } }],
      }),
    );
    assert.equal(out.spec.rules![0].visibility, "ClusterLocal");
    assert.equal(out.spec.rules![0].http!.paths[0].splits[0].percent, undefined);
  });
});

Deno.test("Ingress validation", async (t) => {
  const cases: [string, unknown, string | undefined][] = [
    ["valid", { rules: [{ http: { paths: [{ splits: [split] }] } }] }, undefined],
    ["empty spec", {}, "missing field(s): spec"],
    ["no rules", { httpOption: "Enabled" }, "missing field(s): spec.rules"],
    ["no http", { rules: [{}] }, "missing field(s): spec.rules[0].http"],
    [
      "no paths",
      { rules: [{ http: { paths: [] } }] },
      "missing field(s): spec.rules[0].http.paths",
    ],
    [
      "split sum",
      {
        rules: [{
          http: { paths: [{ splits: [{ ...split, percent: 30 }, { ...split, percent: 30 }] }] },
        }],
      },
      "Traffic split percentage must total to 100, but was 60: spec.rules[0].http.paths[0].splits",
    ],
    [
      "split missing backend",
      { rules: [{ http: { paths: [{ splits: [{ percent: 100, servicePort: 80 }] }] } }] },
      "missing field(s): spec.rules[0].http.paths[0].splits[0].serviceName, spec.rules[0].http.paths[0].splits[0].serviceNamespace",
    ],
    [
      "bad visibility",
      { rules: [{ visibility: "Public", http: { paths: [{ splits: [split] }] } }] },
      "invalid value: Public: spec.rules[0].visibility",
    ],
    [
      "tls needs secret",
      { rules: [{ http: { paths: [{ splits: [split] }] } }], tls: [{ hosts: ["a"] }] },
      "missing field(s): spec.tls[0].secretName, spec.tls[0].secretNamespace",
    ],
    [
      "bad httpOption",
      { rules: [{ http: { paths: [{ splits: [split] }] } }], httpOption: "Maybe" },
      "invalid value: Maybe: spec.httpOption",
    ],
  ];
  for (const [name, spec, want] of cases) {
    await t.step(name, () => assert.equal(validateIngress(ing(spec))?.toString(), want));
  }
});

Deno.test("ServerlessService validation", async (t) => {
  const sks: ServerlessService = {
    apiVersion: "networking.internal.knative.dev/v1alpha1",
    kind: "ServerlessService",
    metadata: { name: "r", namespace: "d" },
    spec: {
      mode: "Serve",
      objectRef: { apiVersion: "apps/v1", kind: "Deployment", name: "r-deployment" },
      protocolType: "http1",
    },
  };
  await t.step("valid", () => assert.equal(validateServerlessService(sks), undefined));
  await t.step("bad mode", () => {
    const s = structuredClone(sks);
    (s.spec as { mode: string }).mode = "Both";
    assert.equal(validateServerlessService(s)?.toString(), "invalid value: Both: spec.mode");
  });
});
