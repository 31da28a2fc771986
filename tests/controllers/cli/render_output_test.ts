import assert from "node:assert/strict";
import { parseObjects, parseRenderArgs, renderList } from "../../../controllers/render_output.ts";
import { parseDevArgs } from "../../../controllers/cli.ts";

Deno.test("render flags", async (t) => {
  await t.step("defaults: istio, example.com, yaml, no digests", () => {
    assert.deepEqual(parseRenderArgs(["-f", "a.yaml"]), {
      files: ["a.yaml"],
      ingressClass: "istio.ingress.networking.knative.dev",
      domain: "example.com",
      output: "yaml",
      resolveDigests: false,
      timeoutMs: 60_000,
      plugins: [],
    });
  });
  await t.step("every flag", () => {
    const a = parseRenderArgs([
      "-f",
      "a",
      "--filename=b",
      "--ingress-class",
      "contour.ingress.networking.knative.dev",
      "--domain=my.dev",
      "-o",
      "json",
      "--resolve-digests",
      "--timeout",
      "5",
      "--plugin",
      "a.wasm",
      "--plugin=b.wasm=abc",
    ]);
    assert.deepEqual(a.files, ["a", "b"]);
    assert.equal(a.ingressClass, "contour.ingress.networking.knative.dev");
    assert.equal(a.domain, "my.dev");
    assert.equal(a.output, "json");
    assert.equal(a.resolveDigests, true);
    assert.equal(a.timeoutMs, 5000);
    assert.deepEqual(a.plugins, ["a.wasm", "b.wasm=abc"]);
  });
  for (
    const [args, msg] of [
      [[], /-f FILE/],
      [["-f"], /needs a value/],
      [["-f", "a", "-o", "xml"], /unsupported output/],
      [["-f", "a", "--bogus"], /unknown flag/],
    ] as [string[], RegExp][]
  ) {
    await t.step(`rejects ${JSON.stringify(args)}`, () => {
      assert.throws(() => parseRenderArgs(args), msg);
    });
  }
});

Deno.test("dev flags", () => {
  assert.deepEqual(parseDevArgs([]), {
    apiPort: 6443,
    gatewayPort: 8080,
    kubeconfigOut: ".denative/kubeconfig",
    plugins: [],
    apiThread: "worker",
  });
  assert.deepEqual(
    parseDevArgs([
      "--api-port",
      "0",
      "--gateway-port=0",
      "--kubeconfig-out",
      "k",
      "--data-dir",
      "d",
      "--plugin",
      "p.wasm",
      "--api-thread",
      "main",
    ]),
    {
      apiPort: 0,
      gatewayPort: 0,
      kubeconfigOut: "k",
      dataDir: "d",
      plugins: ["p.wasm"],
      apiThread: "main",
    },
  );
  assert.throws(() => parseDevArgs(["--api-port", "70000"]), /port/);
  assert.throws(() => parseDevArgs(["--api-thread", "both"]), /main or worker/);
});

Deno.test("inputs and output", async (t) => {
  await t.step("multi-document YAML and Lists are flattened", () => {
    const objs = parseObjects(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n" +
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n",
      "x",
    );
    assert.deepEqual(objs.map((o) => o.metadata.name), ["a", "b"]);
    assert.throws(() => parseObjects("kind: X\n", "x"), /apiVersion, kind and metadata.name/);
  });
  await t.step("noise is removed, generation kept, items sorted", () => {
    const list = renderList([
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: "b",
          namespace: "default",
          uid: "u-1",
          resourceVersion: "9",
          generation: 2,
          creationTimestamp: "2026-01-01T00:00:00Z",
          managedFields: [{ manager: "x" }],
          labels: { "serving.knative.dev/revisionUID": "u-2", app: "a" },
          annotations: { "serving.knative.dev/routingStateModified": "2026-01-01T00:00:00Z" },
          ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "u-2" }],
        },
        status: {
          observedGeneration: 2,
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: "t" }],
        },
      },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "z", uid: "u-2" } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "a", namespace: "default" } },
    ]);
    assert.deepEqual(list.items, [
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "z" } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "a", namespace: "default" } },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: "b",
          namespace: "default",
          generation: 2,
          labels: { app: "a" },
          ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x" }],
        },
        status: { observedGeneration: 2, conditions: [{ type: "Ready", status: "True" }] },
      },
    ]);
    assert.equal(list.kind, "List");
  });
});
