import assert from "node:assert/strict";
import { parse } from "yaml";
import { type CliIO, pluginCommand } from "../../plugins/cli.ts";
import { sha256Hex } from "../../plugins/mod.ts";
import { fixturePlugin, responseWith, testManifest } from "./wasm_builder.ts";

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const OBJ = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "x" } };

Deno.test("plugin inspect and test", async (t) => {
  const dir = await Deno.makeTempDir();
  const good = `${dir}/good.wasm`;
  const bytes = fixturePlugin({ manifest: testManifest(), response: responseWith([OBJ]) });
  await Deno.writeFile(good, bytes);
  const bad = `${dir}/bad.wasm`;
  await Deno.writeFile(bad, fixturePlugin({ manifest: testManifest(), marker: "denative_abi_v9" }));
  const ingress = new URL("./fixtures/ingress.yaml", import.meta.url).pathname;
  try {
    await t.step("inspect prints the manifest and passing checks", async () => {
      const io = capture();
      const code = await pluginCommand([
        "inspect",
        `${good}=${await sha256Hex(bytes)}`,
        "--in-process",
      ], io);
      const text = io.stdout.join("\n");
      assert.equal(code, 0, text + io.stderr.join("\n"));
      assert.match(text, /name: fixture/);
      assert.match(text, /PASS {2}sha256: matches pin/);
      assert.match(text, /PASS {2}imports: none/);
      assert.match(text, /^OK$/m);
    });
    await t.step("inspect exits 1 when a check fails", async () => {
      const io = capture();
      assert.equal(await pluginCommand(["inspect", bad, "--in-process"], io), 1);
      assert.match(io.stdout.join("\n"), /FAIL {2}abi-marker: ABI major version\(s\) 9/);
      assert.match(io.stdout.join("\n"), /^REFUSED$/m);
    });
    await t.step("test renders the Ingress as YAML", async () => {
      const io = capture();
      const code = await pluginCommand(["test", good, "-f", ingress], io);
      assert.equal(code, 0, io.stderr.join("\n"));
      assert.deepEqual(parse(io.stdout.join("\n")), {
        ...OBJ,
        metadata: { name: "x", namespace: "default" },
      });
    });
    await t.step("test needs -f and reports failures", async () => {
      const io = capture();
      assert.equal(await pluginCommand(["test", good], io), 1);
      assert.match(io.stderr.join("\n"), /usage/);
      const io2 = capture();
      assert.equal(await pluginCommand(["test", bad, "-f", ingress, "--in-process"], io2), 1);
      assert.match(io2.stderr.join("\n"), /refused: abi-marker/);
    });
    await t.step("unknown subcommand", async () => {
      assert.equal(await pluginCommand(["frob"], capture()), 2);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
