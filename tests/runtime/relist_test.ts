import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  Backoff,
  DEFAULT_RELIST_INTERVAL_MS,
  FakeClient,
  type KubeObject,
  Store,
  Watcher,
} from "../../runtime/mod.ts";

const cm = (name: string, v = "1"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace: "ns", name },
  data: { v },
});
const ref = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name });

function setup(client: FakeClient, extra: Partial<ConstructorParameters<typeof Watcher>[0]> = {}) {
  const store = new Store();
  const events: string[] = [];
  const w = new Watcher({
    client,
    gvk: { apiVersion: "v1", kind: "ConfigMap" },
    store,
    backoff: new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 }),
    idleTimeoutMs: 3_600_000,
    handler: {
      onAdd: (o) => events.push(`add ${o.metadata.name}`),
      onUpdate: (_o, n) => events.push(`update ${n.metadata.name}`),
      onDelete: (o) => events.push(`delete ${o.metadata.name}`),
    },
    ...extra,
  });
  return { store, events, w };
}

const lists = (c: FakeClient) => c.actions.filter((a) => a.verb === "list").length;

Deno.test("Watcher: periodic relist as a safety net", async (t) => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    await t.step(
      "events lost on a healthy-looking stream are recovered by the jittered relist",
      async () => {
        const client = new FakeClient([cm("keep"), cm("change"), cm("gone")]);
        const { store, events, w } = setup(client, {
          relistIntervalMs: 60_000,
          relistJitter: 0.1,
          random: () => 0.5,
        });
        w.start();
        await store.waitForSync();
        await clock.tickAsync(0);
        assert.equal(w.nextRelistAt, 63_000, "interval plus jitter (10 % × 0.5)");
        events.length = 0;
        client.silenceWatches();
        await client.delete(ref("gone"));
        await client.update({ ...client.peek(ref("change"))!, data: { v: "2" } });
        await client.create(cm("new"));
        await clock.tickAsync(62_999);
        assert.deepEqual(events, [], "the stream delivers nothing");
        assert.equal(lists(client), 1);
        await clock.tickAsync(1);
        assert.equal(lists(client), 2, "relisted when due");
        assert.deepEqual(events.sort(), ["add new", "delete gone", "update change"]);
        assert.deepEqual(store.keys().sort(), ["ns/change", "ns/keep", "ns/new"]);
        assert.equal(w.relists, 1);
        assert.equal(w.restarts, 0, "a planned relist is not a restart");
        assert.equal(w.resourceVersion, client.resourceVersion);
        assert.equal(client.openWatches, 1, "the old watch was closed, a new one opened");
        events.length = 0;
        await client.create(cm("after"));
        await clock.tickAsync(0);
        assert.deepEqual(events, ["add after"], "the watch resumed from the relist's version");
        assert.equal(w.nextRelistAt, 63_000 + 63_000, "next relist measured from this one");
        await w.stop();
      },
    );

    await t.step(
      "an unchanged relist emits nothing; a normal watch end keeps the schedule",
      async () => {
        const client = new FakeClient([cm("a")]);
        const start = Date.now();
        const { store, events, w } = setup(client, { relistIntervalMs: 10_000, random: () => 0 });
        w.start();
        await store.waitForSync();
        await clock.tickAsync(0);
        events.length = 0;
        await clock.tickAsync(4_000);
        client.closeWatches();
        await clock.tickAsync(0);
        assert.equal(lists(client), 1, "a normal end resumes; no relist");
        assert.equal(w.nextRelistAt, start + 10_000);
        await clock.tickAsync(6_000);
        assert.equal(lists(client), 2);
        assert.deepEqual(events, [], "nothing changed, so no events");
        await clock.tickAsync(30_000);
        assert.equal(lists(client), 5, "every interval");
        await w.stop();
      },
    );

    await t.step("0 disables; the default is 10 minutes", async () => {
      const client = new FakeClient([cm("a")]);
      const { store, w } = setup(client, { relistIntervalMs: 0 });
      w.start();
      await store.waitForSync();
      assert.equal(w.nextRelistAt, Infinity);
      await clock.tickAsync(2 * DEFAULT_RELIST_INTERVAL_MS);
      assert.equal(lists(client), 1);
      await w.stop();
      assert.equal(DEFAULT_RELIST_INTERVAL_MS, 600_000);
      const c2 = new FakeClient([cm("a")]);
      const d = setup(c2, { random: () => 1 });
      const t0 = Date.now();
      d.w.start();
      await d.store.waitForSync();
      assert.equal(d.w.nextRelistAt, t0 + 660_000, "default interval with at most 10 % jitter");
      await clock.tickAsync(660_000);
      assert.equal(lists(c2), 2);
      await d.w.stop();
    });
  } finally {
    clock.uninstall();
  }
});
