import { type KubeClient, Store, Watcher, type WatchOptions, type WatchEvent } from "../runtime/mod.ts";
const N = 1000;
for (let it = 0; it < 5; it++) {
const events: WatchEvent[] = Array.from({ length: N }, (_, i) => ({ type: "ADDED", object: { apiVersion: "v1", kind: "Pod", metadata: { name: `p${i}`, namespace: "ns" } } }));
let watches = 0;
let seen = 0; let done!: () => void; const finished = new Promise<void>((r) => (done = r));
const client = {
  list: () => Promise.resolve({ apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "0" }, items: [] }),
  watch: (_ref: unknown, opts: WatchOptions) => {
    watches++;
    async function* gen() {
      if (watches === 1) yield* events;
      await new Promise<void>((r) => opts.signal?.addEventListener("abort", () => r()));
    }
    return Promise.resolve(gen());
  },
} as unknown as KubeClient;
const store = new Store();
const w = new Watcher({ client, gvk: { apiVersion: "v1", kind: "Pod" }, store, handler: { onAdd: () => { if (++seen === N) done(); } } });
w.start();
await finished;
console.log("iter", it, "stopping");
await w.stop();
console.log("stopped");
}
