/**
 * Run by host_test.ts in a child process with `--unstable-worker-options`:
 * starts a plugin sandbox with the Deno permissions named in `Deno.args[0]`
 * and prints whether the Worker could read a file and what the plugin said.
 * @module
 */
import { WorkerRunner } from "../../plugins/mod.ts";
import { fixturePlugin, testManifest } from "./wasm_builder.ts";

const permissions = Deno.args[0] === "none" ? "none" : "inherit";
const runner = new WorkerRunner({
  module: new WebAssembly.Module(fixturePlugin({ manifest: testManifest() })),
  maxOutputBytes: 1000,
  memoryMaxPages: 64,
  timeoutMs: 5000,
  workerPermissions: permissions,
  log: () => {},
});
try {
  const manifest = JSON.parse(new TextDecoder().decode(await runner.describe()));
  console.log(JSON.stringify({ fileAccess: runner.fileAccess, name: manifest.name }));
} finally {
  runner.close();
}
