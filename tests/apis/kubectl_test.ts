/**
 * The generated install manifests and Knative YAML through kubectl against the
 * local control plane (skipped when kubectl is not installed).
 */
import assert from "node:assert/strict";
import { startApiServer } from "../../apiserver/mod.ts";
import { knativeCrds, servingAdmissionHooks, servingConverters } from "../../apis/mod.ts";

const hasKubectl = (() => {
  try {
    return new Deno.Command("kubectl", {
      args: ["version", "--client"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
})();

const CONFIG_DIR = new URL("../../config/", import.meta.url).pathname;
// The seed (shared/seed/helloworld-go.yaml) as the repository ships it, unchanged but for a
// deno-fmt-ignore line.
const SEED = new URL("../../examples/helloworld-go.yaml", import.meta.url).pathname;

Deno.test({
  name: "kubectl against the local control plane",
  ignore: !hasKubectl,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const server = await startApiServer({
      port: 0,
      admission: servingAdmissionHooks(),
      converters: servingConverters(),
      crds: knativeCrds(),
      simulateWorkloads: false,
    });
    const kubeconfig = `${dir}/kubeconfig`;
    await server.writeKubeconfig(kubeconfig);
    const kubectl = async (args: string[], stdin?: string) => {
      const p = new Deno.Command("kubectl", {
        args: ["--kubeconfig", kubeconfig, ...args],
        stdin: stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      if (stdin !== undefined) {
        const w = p.stdin.getWriter();
        await w.write(new TextEncoder().encode(stdin));
        await w.close();
      }
      const o = await p.output();
      const dec = new TextDecoder();
      return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
    };
    try {
      await t.step("apply --dry-run=server of the generated manifests succeeds", async () => {
        const r = await kubectl(["apply", "--dry-run=server", "-f", CONFIG_DIR]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, /services\.serving\.knative\.dev configured \(server dry run\)/);
      });
      await t.step({
        name: "the seed v1alpha1 Service applies unchanged, twice",
        fn: async () => {
          const r = await kubectl(["apply", "-f", SEED]);
          assert.equal(r.code, 0, r.err);
          const again = await kubectl(["apply", "-f", SEED]);
          assert.equal(again.code, 0, again.err);
          assert.match(again.out, /unchanged/);
          const v1 = JSON.parse(
            (await kubectl(["get", "ksvc", "helloworld-go", "-o", "json"])).out,
          );
          assert.equal(v1.apiVersion, "serving.knative.dev/v1");
          assert.equal(v1.spec.template.spec.containers[0].name, "user-container");
          const v1a = JSON.parse(
            (await kubectl([
              "get",
              "services.v1alpha1.serving.knative.dev",
              "helloworld-go",
              "-o",
              "json",
            ])).out,
          );
          assert.ok(v1a.spec.runLatest.configuration.revisionTemplate.spec.container.image);
        },
      });
      await t.step("kubectl get ksvc shows Knative's columns", async () => {
        const r = await kubectl(["get", "ksvc"]);
        assert.equal(r.code, 0, r.err);
        const header = r.out.split("\n")[0].split(/\s+/).filter(Boolean);
        for (const col of ["NAME", "URL", "LATESTCREATED", "LATESTREADY", "READY", "REASON"]) {
          assert.ok(header.includes(col), r.out);
        }
      });
      await t.step("kubectl explain reads the generated CRD schemas", async () => {
        const tpl = await kubectl(["explain", "ksvc.spec.template"]);
        assert.equal(tpl.code, 0, tpl.err);
        assert.match(tpl.out, /KIND:\s+Service/);
        assert.match(tpl.out, /FIELD:\s+template <Object>/);
        assert.match(tpl.out, /^\s+metadata\t<Object>/m);
        assert.match(tpl.out, /^\s+spec\t<Object>/m);
        const image = await kubectl(["explain", "ksvc.spec.template.spec.containers.image"]);
        assert.equal(image.code, 0, image.err);
        assert.match(image.out, /FIELD:\s+image <string>/);
        const legacy = await kubectl([
          "explain",
          "ksvc.spec.runLatest.configuration",
          "--api-version=serving.knative.dev/v1alpha1",
        ]);
        assert.equal(legacy.code, 0, legacy.err);
        assert.match(legacy.out, /VERSION:\s+v1alpha1/);
        assert.match(legacy.out, /revisionTemplate\t<Object>/);
      });
      await t.step("an invalid v1 Service is refused with field paths", async () => {
        const r = await kubectl(
          ["apply", "-f", "-"],
          `apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: bad, namespace: default}
spec:
  template:
    spec:
      containers: [{name: x}]
  traffic: [{latestRevision: true, percent: 90}]
`,
        );
        assert.notEqual(r.code, 0);
        assert.match(r.err, /Traffic targets sum to 90, want 100: spec\.traffic/);
        assert.match(r.err, /missing field\(s\): spec\.template\.spec\.containers\[0\]\.image/);
      });
      await t.step("an invalid v1alpha1 Service is refused", async () => {
        const r = await kubectl(
          ["apply", "-f", "-"],
          `apiVersion: serving.knative.dev/v1alpha1
kind: Service
metadata: {name: both, namespace: default}
spec:
  manual: {}
  runLatest:
    configuration:
      revisionTemplate: {spec: {container: {image: x}}}
`,
        );
        assert.notEqual(r.code, 0);
        assert.match(r.err, /expected exactly one, got both: spec\.manual, spec\.runLatest/);
      });
      await t.step("a bad config-autoscaler is refused", async () => {
        await kubectl(["create", "namespace", "knative-serving"]);
        const r = await kubectl(
          ["apply", "-f", "-"],
          `apiVersion: v1
kind: ConfigMap
metadata: {name: config-autoscaler, namespace: knative-serving}
data: {stable-window: "2s"}
`,
        );
        assert.notEqual(r.code, 0);
        assert.match(r.err, /stable-window/);
      });
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
