/**
 * Runtime benchmarks: queue throughput, watch event handling, store upserts,
 * and `deepCopy` against `structuredClone` on a revision's Deployment.
 * Run with `deno bench -A bench/runtime_bench.ts`; the store memory figure
 * comes from `deno run -A --v8-flags=--expose-gc bench/runtime_memory.ts`.
 * @module
 */
import { benchPod } from "./runtime_fixture.ts";
import { parse } from "yaml";
import {
  deepCopy,
  FakeClient,
  type KubeClient,
  type KubeObject,
  Store,
  Watcher,
  type WatchEvent,
  type WatchOptions,
  WorkQueue,
} from "../runtime/mod.ts";

/** The seed's rendered Deployment (~11 KB of JSON: two containers, probes, env). */
const deployment = (parse(
  Deno.readTextFileSync(
    new URL("../tests/integration/testdata/helloworld-go.render.yaml", import.meta.url),
  ),
) as { items: KubeObject[] }).items.find((o) => o.kind === "Deployment")!;

Deno.bench("copy a Deployment: deepCopy", { group: "copy", baseline: true }, () => {
  deepCopy(deployment);
});
Deno.bench("copy a Deployment: structuredClone", { group: "copy" }, () => {
  structuredClone(deployment);
});

const N = 10_000;

Deno.bench(`work queue: ${N} keys through 4 workers (add/get/done)`, async (b) => {
  const q = new WorkQueue();
  b.start();
  for (let i = 0; i < N; i++) q.add(`ns/key-${i}`);
  const workers = Array.from({ length: 4 }, async () => {
    for (;;) {
      const k = await q.get();
      if (k === undefined) return;
      q.done(k);
      if (q.length === 0) q.shutDown();
    }
  });
  await Promise.all(workers);
  b.end();
});

Deno.bench(`work queue: ${N} adds of 100 hot keys (dedup)`, () => {
  const q = new WorkQueue();
  for (let i = 0; i < N; i++) q.add(`ns/key-${i % 100}`);
  q.shutDown();
});

Deno.bench(`store: upsert ${N} objects with namespace/owner/label indexes`, () => {
  const s = new Store();
  s.addLabelIndex("app");
  for (let i = 0; i < N; i++) s.upsert(benchPod(i));
});

Deno.bench(
  `watcher: handle ${N} watch events (decode-free stream → cache + handlers)`,
  async (b) => {
    const events: WatchEvent[] = Array.from(
      { length: N },
      (_, i) => ({ type: "ADDED", object: benchPod(i) }),
    );
    let seen = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    let watches = 0;
    const client = {
      list: () =>
        Promise.resolve({
          apiVersion: "v1",
          kind: "PodList",
          metadata: { resourceVersion: "0" },
          items: [],
        }),
      watch: (_ref: unknown, opts: WatchOptions) => {
        watches++;
        async function* gen() {
          if (watches === 1) yield* events;
          await new Promise<void>((r) => {
            if (opts.signal?.aborted) r();
            opts.signal?.addEventListener("abort", () => r());
          });
        }
        return Promise.resolve(gen());
      },
    } as unknown as KubeClient;
    const store = new Store();
    const w = new Watcher({
      client,
      gvk: { apiVersion: "v1", kind: "Pod" },
      store,
      handler: {
        onAdd: () => {
          if (++seen === N) done();
        },
      },
    });
    b.start();
    w.start();
    await finished;
    b.end();
    await w.stop();
  },
);

Deno.bench(`fake client + watcher: ${N} creates observed end to end`, async (b) => {
  const client = new FakeClient();
  const store = new Store();
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const w = new Watcher({
    client,
    gvk: { apiVersion: "v1", kind: "Pod" },
    store,
    handler: {
      onAdd: () => {
        if (++seen === N) done();
      },
    },
  });
  w.start();
  await store.waitForSync();
  const objs = Array.from({ length: N }, (_, i) => {
    const p = benchPod(i);
    delete p.metadata.uid;
    delete p.metadata.resourceVersion;
    return p;
  });
  b.start();
  for (const o of objs) await client.create(o);
  await finished;
  b.end();
  await w.stop();
});
