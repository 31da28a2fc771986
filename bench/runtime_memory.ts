/**
 * Store memory per 10,000 objects. Run:
 * `deno run -A --v8-flags=--expose-gc bench/runtime_memory.ts`
 * @module
 */
import { benchPod } from "./runtime_fixture.ts";
import { Store } from "../runtime/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
const heap = () => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
};
const rows: Record<string, string> = {};
for (const n of [10_000]) {
  const base = heap();
  const objs = Array.from({ length: n }, (_, i) => benchPod(i, crypto.randomUUID()));
  const withObjects = heap();
  const s = new Store();
  s.addLabelIndex("app");
  for (const o of objs) s.upsert(o);
  const withStore = heap();
  const json = objs.reduce((a, o) => a + JSON.stringify(o).length, 0);
  rows[`${n}: objects on the heap`] = mib(withObjects - base);
  rows[`${n}: store + namespace/owner/label indexes`] = mib(withStore - withObjects);
  rows[`${n}: total per 10,000 objects`] = mib(((withStore - base) / n) * 10_000);
  rows[`${n}: (JSON size of the objects)`] = mib(json);
  if (s.size !== n) throw new Error("size mismatch");
}
console.table(rows);
