/**
 * Per-call render latency of the example plugins for a ~2 KB Ingress,
 * in-process vs in a sandbox Worker. Run: `deno bench -A bench/plugins_bench.ts`
 * (builds the examples first when needed). Memory: `bench/plugins_memory.ts`.
 * @module
 */
import { InProcessRunner, loadPlugin, type WasmPlugin } from "../plugins/mod.ts";
import { buildExample } from "../plugins/build.ts";
import { benchIngress } from "./plugins_fixture.ts";
import { fixturePlugin, responseWith, testManifest } from "../tests/plugins/wasm_builder.ts";

const ingress = benchIngress();
const request = new TextEncoder().encode(JSON.stringify({
  apiVersion: "ingress.denative.dev/v1alpha1",
  kind: "TransformRequest",
  operation: "render",
  ingress,
  config: {},
  network: {},
}));
console.error(`ingress JSON: ${JSON.stringify(ingress).length} bytes`);

const plugins: Record<string, WasmPlugin> = {};
for (const name of ["nginx", "traefik"]) {
  const bytes = await Deno.readFile(await buildExample(name));
  for (const mode of ["in-process", "worker"] as const) {
    plugins[`${name}/${mode}`] = await loadPlugin(bytes, { mode });
  }
}
// A hand-built plugin that answers at once: the cost of the ABI and the host alone.
const echo = fixturePlugin({ manifest: testManifest(), response: responseWith([]) });
for (const mode of ["in-process", "worker"] as const) {
  plugins[`echo/${mode}`] = await loadPlugin(echo, { mode });
}
// Warm up (JIT, Worker start).
for (const p of Object.values(plugins)) for (let i = 0; i < 200; i++) await p.render(ingress);

for (const name of ["echo", "nginx", "traefik"]) {
  const inproc = plugins[`${name}/in-process`];
  const runner = inproc.runner as InProcessRunner;
  Deno.bench({
    name: `${name}: ABI call only (bytes in/out), in-process`,
    group: name,
    fn() {
      runner.transformSync(request);
    },
  });
  Deno.bench({
    name: `${name}: render (encode, call, parse, validate), in-process`,
    group: name,
    baseline: true,
    async fn() {
      await inproc.render(ingress);
    },
  });
  Deno.bench({
    name: `${name}: render, Worker sandbox`,
    group: name,
    async fn() {
      await plugins[`${name}/worker`].render(ingress);
    },
  });
}

globalThis.addEventListener("unload", () => {
  for (const p of Object.values(plugins)) p.close();
});
