/**
 * `main.ts render --plugin`: a third-party WebAssembly ingress provider (the
 * AssemblyScript ingress-nginx example) loaded at run time, as a user runs it.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { buildExample } from "../../plugins/build.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "render", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("render --plugin renders the seed through a WASM ingress provider", async (t) => {
  const wasm = await buildExample("nginx");
  const sha = await sha256Hex(await Deno.readFile(wasm));
  const cls = "nginx.ingress.networking.knative.dev";

  await t.step(
    "pinned plugin: networking.k8s.io/v1 Ingress owned by the Knative Ingress",
    async () => {
      const r = await run([
        "-f",
        "examples/helloworld-go.yaml",
        "--ingress-class",
        cls,
        "--plugin",
        `${wasm}=${sha}`,
        "-o",
        "json",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const list = JSON.parse(r.stdout) as {
        items: { apiVersion: string; kind: string; metadata: Record<string, unknown> }[];
      };
      const nginx = list.items.filter((o) =>
        o.apiVersion === "networking.k8s.io/v1" && o.kind === "Ingress"
      );
      assert.ok(nginx.length > 0, "the plugin's Ingress objects are in the List");
      for (const o of nginx) {
        const owner = (o.metadata.ownerReferences as { kind: string; name: string }[])[0];
        assert.deepEqual([owner.kind, owner.name], ["Ingress", "helloworld-go"]);
        assert.equal(o.metadata.namespace, "default");
      }
      const kingress = list.items.find((o) =>
        o.apiVersion === "networking.internal.knative.dev/v1alpha1" && o.kind === "Ingress"
      ) as unknown as { status: { conditions: { type: string; status: string }[] } };
      assert.equal(kingress.status.conditions.find((c) => c.type === "Ready")?.status, "True");
      const ksvc = list.items.find((o) =>
        o.kind === "Service" && o.apiVersion.startsWith("serving")
      );
      assert.ok(ksvc, "the Knative Service is in the List");
    },
  );

  await t.step("a wrong sha256 pin is refused before anything runs", async () => {
    const r = await run([
      "-f",
      "examples/helloworld-go.yaml",
      "--plugin",
      `${wasm}=${"0".repeat(64)}`,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /sha256/);
    assert.equal(r.stdout, "");
  });

  await t.step("YAML output parses", async () => {
    const r = await run(["-f", "examples/helloworld-go.yaml", "--plugin", wasm]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((parse(r.stdout) as { kind: string }).kind, "List");
  });
});
