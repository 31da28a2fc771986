import { parse } from "yaml";
import { loadPlugin } from "./plugins/mod.ts";
import { MemoryLogger } from "./runtime/mod.ts";
const logs = new MemoryLogger();
const ing = parse(Deno.readTextFileSync("tests/plugins/fixtures/ingress.yaml"));
try { for (const mode of ["in-process"] as const) {
  const t = performance.now();
  const p = await loadPlugin(Deno.readFileSync("plugins/examples/traefik/build/traefik.wasm"), { mode, logger: logs });
  console.log("load", performance.now() - t);
  console.log(JSON.stringify(await p.render(ing)).slice(0, 600));
  p.close();
}
} finally { console.log(logs.records.map(r=>r.msg)); }
