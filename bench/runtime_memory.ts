/**
 * Store memory per 10,000 objects. Run:
 * `deno run -A --v8-flags=--expose-gc bench/runtime_memory.ts`
 * @module
 */
import { type KubeObject, Store } from "../runtime/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function obj(i: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace: `ns${i % 10}`,
      name: `pod-${i}`,
      uid: crypto.randomUUID(),
      resourceVersion: String(i + 1),
      labels: { app: `app-${i % 100}`, tier: "web" },
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `rs-${i % 500}`,
        uid: `rs-${i % 500}`,
        controller: true,
      }],
    },
    spec: {
      containers: [{
        name: "c",
        image: "registry.example/app:1",
        ports: [{ containerPort: 8080 }],
      }],
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
const rows: Record<string, string> = {};
for (const n of [10_000, 50_000]) {
  let objs: KubeObject[] | undefined = Array.from({ length: n }, (_, i) => obj(i));
  gc();
  const before = Deno.memoryUsage().heapUsed;
  let s: Store | undefined = new Store();
  s.addLabelIndex("app");
  for (const o of objs) s.upsert(o);
  gc();
  const overhead = Deno.memoryUsage().heapUsed - before;
  rows[`${n} objects: store + 3 indexes, excluding the objects`] = mib(overhead);
  rows[`${n} objects: overhead per 10,000`] = mib((overhead / n) * 10_000);
  objs = undefined;
  s = undefined;
  gc();
}
gc();
const base = Deno.memoryUsage().heapUsed;
const s2 = new Store();
s2.addLabelIndex("app");
for (let i = 0; i < 10_000; i++) s2.upsert(obj(i));
gc();
rows["10,000 objects cached, including the objects"] = mib(Deno.memoryUsage().heapUsed - base);
rows["(JSON size of those 10,000 objects)"] = mib(
  s2.list().reduce((a, o) => a + JSON.stringify(o).length, 0),
);
console.table(rows);
