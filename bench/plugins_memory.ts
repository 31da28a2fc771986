/**
 * Memory per loaded plugin (RSS and heap deltas), in-process and in Workers.
 * Run: `deno run -A --v8-flags=--expose-gc bench/plugins_memory.ts`
 * @module
 */
import { loadPlugin, type WasmPlugin } from "../plugins/mod.ts";
import { buildExample } from "../plugins/build.ts";
import { benchIngress } from "./plugins_fixture.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const N = 10;
const ingress = benchIngress();

function mib(n: number): string {
  return (n / 1024 / 1024).toFixed(2);
}

for (const name of ["nginx", "traefik"]) {
  const bytes = await Deno.readFile(await buildExample(name));
  for (const mode of ["in-process", "worker"] as const) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
    const before = Deno.memoryUsage();
    const loaded: WasmPlugin[] = [];
    for (let i = 0; i < N; i++) {
      const p = await loadPlugin(bytes, { mode });
      await p.render(ingress); // instantiate and touch memory
      loaded.push(p);
    }
    gc();
    await new Promise((r) => setTimeout(r, 100));
    const after = Deno.memoryUsage();
    console.log(
      `${name} (${(bytes.length / 1024).toFixed(0)} KiB module), ${mode}: ` +
        `RSS +${mib((after.rss - before.rss) / N)} MiB per plugin, ` +
        `external +${mib((after.external - before.external) / N)} MiB per plugin (N=${N})`,
    );
    for (const p of loaded) p.close();
  }
}
