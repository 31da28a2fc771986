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
const heap = () => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
};
const rows: Record<string, string> = {};
for (const n of [10_000]) {
  const base = heap();
  const objs = Array.from({ length: n }, (_, i) => obj(i));
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
