import assert from "node:assert/strict";
import { eventually, openTarget, type Target } from "./target.ts";
import { widgetCrd } from "./fixtures.ts";

async function hasKubectl(): Promise<boolean> {
  try {
    const r = await new Deno.Command("kubectl", {
      args: ["version", "--client"],
      stdout: "null",
      stderr: "null",
    }).output();
    return r.success;
  } catch {
    return false;
  }
}

const present = await hasKubectl();
if (!present) console.warn("kubectl is not installed: skipping the kubectl tests");

interface Run {
  code: number;
  out: string;
  err: string;
}

function kubectl(kc: string, args: string[], stdin?: string, timeoutMs = 30_000): Promise<Run> {
  const cmd = new Deno.Command("kubectl", {
    args: ["--kubeconfig", kc, ...args],
    stdin: stdin !== undefined ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { KUBECACHEDIR: `${Deno.env.get("HOME") ?? "/tmp"}/.kube/denative-test-cache` },
  });
  const child = cmd.spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, timeoutMs);
  return (async () => {
    if (stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    const r = await child.output();
    clearTimeout(timer);
    const dec = new TextDecoder();
    return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
  })();
}

const ok = (r: Run) => assert.equal(r.code, 0, `kubectl failed: ${r.err}${r.out}`);

Deno.test({
  name: "kubectl against the control plane",
  ignore: !present,
  fn: async (t) => {
    const tg: Target = await openTarget();
    try {
      const kc = await tg.kubeconfig();
      const ns = await tg.namespace("kctl");
      const k = (args: string[], stdin?: string, ms?: number) =>
        kubectl(kc, ["-n", ns, ...args], stdin, ms);
      const dep = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: main
        image: nginx:1
        env: [{name: A, value: "1"}]
        ports: [{containerPort: 8080, name: http}]
`;

      await t.step("api-resources lists built-ins with short names", async () => {
        const r = await k(["api-resources"]);
        ok(r);
        assert.match(r.out, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
        assert.match(r.out, /configmaps\s+cm\s+v1\s+true\s+ConfigMap/);
      });

      await t.step(
        "apply (client-side) creates, then reports unchanged, then configures",
        async () => {
          const r = await k(["apply", "-f", "-"], dep);
          ok(r);
          assert.match(r.out, /deployment.apps\/web created/);
          const again = await k(["apply", "-f", "-"], dep);
          ok(again);
          assert.match(again.out, /deployment.apps\/web unchanged/);
          const changed = await k(["apply", "-f", "-"], dep.replace("replicas: 1", "replicas: 2"));
          ok(changed);
          assert.match(changed.out, /deployment.apps\/web configured/);
        },
      );

      await t.step("get -o yaml and the table view", async () => {
        const y = await k(["get", "deploy", "web", "-o", "yaml"]);
        ok(y);
        assert.match(y.out, /kind: Deployment/);
        assert.match(y.out, /replicas: 2/);
        if (!tg.real) {
          await eventually(
            async () => (await k(["get", "deploy", "web"])).out.match(/web\s+2\/2\s+2\s+2/),
            10_000,
          );
        }
      });

      await t.step("describe", async () => {
        const r = await k(["describe", "deploy", "web"]);
        ok(r);
        assert.match(r.out, /Name:\s+web/);
        assert.match(r.out, /Replicas:/);
      });

      await t.step("patch: merge, json and strategic", async () => {
        ok(await k(["patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"replicas":3}}']));
        ok(
          await k([
            "patch",
            "deploy",
            "web",
            "--type=json",
            "-p",
            '[{"op":"add","path":"/metadata/annotations/j","value":"1"}]',
          ]),
        );
        ok(
          await k([
            "patch",
            "deploy",
            "web",
            "-p",
            '{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"B","value":"2"}]}]}}}}',
          ]),
        );
        const r = await k(["get", "deploy", "web", "-o", "json"]);
        const d = JSON.parse(r.out);
        assert.equal(d.spec.replicas, 3);
        assert.equal(d.metadata.annotations.j, "1");
        assert.deepEqual(
          d.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name).sort(),
          ["A", "B"],
        );
      });

      await t.step("label and annotate", async () => {
        ok(await k(["label", "deploy", "web", "tier=fe"]));
        ok(await k(["annotate", "deploy", "web", "note=hello"]));
        const r = await k([
          "get",
          "deploy",
          "-l",
          "tier=fe",
          "-o",
          "jsonpath={.items[0].metadata.annotations.note}",
        ]);
        ok(r);
        assert.equal(r.out, "hello");
      });

      await t.step("apply --server-side with conflicts and --force-conflicts", async () => {
        const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n`;
        const r = await k(["apply", "--server-side", "-f", "-"], cm);
        ok(r);
        assert.match(r.out, /serverside-applied/);
        const c = await k(
          ["apply", "--server-side", "--field-manager=other", "-f", "-"],
          cm.replace('"1"', '"2"'),
        );
        assert.notEqual(c.code, 0);
        assert.match(c.err, /conflict/i);
        ok(
          await k([
            "apply",
            "--server-side",
            "--field-manager=other",
            "--force-conflicts",
            "-f",
            "-",
          ], cm.replace('"1"', '"2"')),
        );
        const g = await k(["get", "cm", "ssa", "-o", "jsonpath={.data.a}"]);
        assert.equal(g.out, "2");
      });

      await t.step("get -w streams changes", async () => {
        const w = k(["get", "cm", "-w", "--request-timeout=3s"], undefined, 4000);
        await new Promise((r) => setTimeout(r, 1000));
        ok(await k(["create", "configmap", "watched", "--from-literal=x=1"]));
        const r = await w;
        assert.match(r.out, /watched/);
      });

      await t.step("custom resources: CRD apply, validation errors, printer columns", async () => {
        const g = `k${crypto.randomUUID().slice(0, 6)}.example.com`;
        ok(await kubectl(kc, ["apply", "-f", "-"], JSON.stringify(widgetCrd(g))));
        ok(
          await kubectl(kc, [
            "wait",
            "--for=condition=Established",
            `crd/widgets.${g}`,
            "--timeout=20s",
          ]),
        );
        const cr = `apiVersion: ${g}/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 2\n`;
        await eventually(async () => (await k(["apply", "-f", "-"], cr)).code === 0, 10_000);
        const bad = await k(["apply", "-f", "-"], cr.replace("size: 2", "size: 0"));
        assert.notEqual(bad.code, 0);
        assert.match(bad.err, /spec\.size/);
        const table = await k(["get", `widgets.${g}`]);
        ok(table);
        assert.match(table.out, /^NAME\s+SIZE\s+READY\s*$/m);
        assert.match(table.out, /w\s+2/);
      });

      await t.step("delete --cascade=foreground waits for dependents", async () => {
        const r = await k(["delete", "deploy", "web", "--cascade=foreground", "--timeout=30s"]);
        ok(r);
        const left = await k(["get", "deploy", "web"]);
        assert.notEqual(left.code, 0);
        if (!tg.real) {
          const rs = await k(["get", "rs", "-l", "app=web", "-o", "name"]);
          assert.equal(rs.out.trim(), "");
        }
      });
    } finally {
      await tg.close();
    }
  },
});

Deno.test({
  name: "kubectl: the install manifests in config/ apply with --dry-run=server",
  // local only: a shared real cluster may already hold these CRDs in another state
  ignore: !present || !!Deno.env.get("DENATIVE_TEST_KUBECONFIG"),
  fn: async () => {
    let files: string[] = [];
    try {
      files = [...Deno.readDirSync("config")].filter((e) => e.name.endsWith(".yaml")).map((e) =>
        `config/${e.name}`
      ).sort();
    } catch { /* no config/ */ }
    const crds = files.filter((f) =>
      Deno.readTextFileSync(f).includes("kind: CustomResourceDefinition")
    );
    if (!crds.length) {
      console.warn("config/ holds no CRD YAML yet: nothing to check");
      return;
    }
    const tg = await openTarget();
    try {
      const kc = await tg.kubeconfig();
      for (const f of crds) {
        const r = await kubectl(kc, ["apply", "-f", f]);
        assert.equal(r.code, 0, r.err);
      }
      for (const f of files) {
        const r = await kubectl(kc, ["apply", "--dry-run=server", "-f", f]);
        assert.equal(r.code, 0, `${f}: ${r.err}`);
      }
      const r = await kubectl(kc, ["api-resources", "--api-group=serving.knative.dev"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /ksvc/);
    } finally {
      await tg.close();
    }
  },
});
