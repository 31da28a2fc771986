import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  Backoff,
  FakeClient,
  forbidden,
  type KubeObject,
  MemoryLogger,
  notFound,
  Store,
  Watcher,
} from "../../runtime/mod.ts";

const cm = (name: string, v = "1"): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace: "ns", name },
  data: { v },
});

function setup(client: FakeClient, extra: Partial<ConstructorParameters<typeof Watcher>[0]> = {}) {
  const store = new Store();
  const events: string[] = [];
  const w = new Watcher({
    client,
    gvk: { apiVersion: "v1", kind: "ConfigMap" },
    store,
    backoff: new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 }),
    handler: {
      onAdd: (o) => events.push(`add ${o.metadata.name}`),
      onUpdate: (_o, n) => events.push(`update ${n.metadata.name}`),
      onDelete: (o) => events.push(`delete ${o.metadata.name}`),
    },
    ...extra,
  });
  return { store, events, w };
}

Deno.test("Watcher scenarios", async (t) => {
  const clock = FakeTimers.install({
    toFake: ["setTimeout", "clearTimeout", "Date", "performance"],
    now: 0,
  });
  try {
    await t.step("paginated list fills the store before sync", async () => {
      const client = new FakeClient(Array.from({ length: 7 }, (_, i) => cm(`c${i}`)));
      const { store, w } = setup(client, { pageSize: 3 });
      w.start();
      await store.waitForSync();
      assert.equal(store.size, 7);
      const lists = client.actions.filter((a) => a.verb === "list");
      assert.equal(lists.length, 3, "three pages of 3,3,1");
      await w.stop();
    });

    await t.step("watch resumes from the last resourceVersion after a normal end", async () => {
      const client = new FakeClient([cm("a")]);
      const { store, events, w } = setup(client);
      w.start();
      await store.waitForSync();
      await clock.tickAsync(0);
      await client.create(cm("b"));
      await clock.tickAsync(0);
      const rv = w.resourceVersion;
      client.closeWatches();
      await clock.tickAsync(0);
      await client.create(cm("c"));
      await clock.tickAsync(0);
      assert.deepEqual(events, ["add a", "add b", "add c"]);
      const watches = client.actions.filter((a) => a.verb === "watch");
      assert.equal(watches.length, 2);
      assert.equal(client.actions.filter((a) => a.verb === "list").length, 1, "no relist");
      assert.ok(Number(w.resourceVersion) > Number(rv));
      await w.stop();
    });

    await t.step("bookmarks advance the resourceVersion", async () => {
      const client = new FakeClient([cm("a")]);
      const other = { ...cm("x"), apiVersion: "v1", kind: "Secret" };
      const { store, w } = setup(client);
      w.start();
      await store.waitForSync();
      await clock.tickAsync(0);
      await client.create(other);
      client.bookmark();
      await clock.tickAsync(0);
      assert.equal(w.resourceVersion, client.resourceVersion);
      await w.stop();
    });

    await t.step(
      "410 mid-watch: relist replaces the cache whole with add/update/delete",
      async () => {
        const client = new FakeClient([cm("keep"), cm("change"), cm("gone")]);
        const { store, events, w } = setup(client);
        w.start();
        await store.waitForSync();
        await clock.tickAsync(0);
        events.length = 0;
        client.silenceWatches();
        await client.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "gone" });
        const cur = client.peek({
          apiVersion: "v1",
          kind: "ConfigMap",
          namespace: "ns",
          name: "change",
        })!;
        await client.update({ ...cur, data: { v: "2" } });
        await client.create(cm("new"));
        assert.equal(store.size, 3, "silenced: cache is stale");
        client.expireWatches();
        await clock.tickAsync(0);
        assert.deepEqual(events.sort(), ["add new", "delete gone", "update change"]);
        assert.deepEqual(store.keys().sort(), ["ns/change", "ns/keep", "ns/new"]);
        assert.equal(client.actions.filter((a) => a.verb === "list").length, 2);
        assert.equal(w.restarts, 1);
        await w.stop();
      },
    );

    await t.step("a silent stream is detected by the idle timeout and reopened", async () => {
      const client = new FakeClient([cm("a")]);
      const { store, events, w } = setup(client, { idleTimeoutMs: 10_000 });
      w.start();
      await store.waitForSync();
      await clock.tickAsync(0);
      client.silenceWatches();
      await client.create(cm("b"));
      await clock.tickAsync(9_999);
      assert.deepEqual(events, ["add a"], "nothing arrives on the dead stream");
      assert.equal(client.watchesOpened, 1);
      await clock.tickAsync(1 + 100); // idle timeout + backoff
      assert.equal(client.watchesOpened, 2);
      await clock.tickAsync(0);
      assert.deepEqual(events, ["add a", "add b"], "resumed watch replays the missed event");
      assert.equal(w.restarts, 1);
      await w.stop();
    });

    await t.step("errors back off with capped growth; 403 is logged at error level", async () => {
      const client = new FakeClient([cm("a")]);
      const logger = new MemoryLogger();
      const { w } = setup(client, { logger });
      const remove = client.induceFailure(
        "list",
        "configmaps",
        forbidden("configmaps is forbidden"),
      );
      w.start();
      const count = () => client.actions.filter((a) => a.verb === "list").length;
      await clock.tickAsync(0);
      assert.equal(count(), 1);
      await clock.tickAsync(100);
      assert.equal(count(), 2);
      await clock.tickAsync(200);
      assert.equal(count(), 3);
      await clock.tickAsync(399);
      assert.equal(count(), 3, "third delay is 400ms");
      await clock.tickAsync(1);
      assert.equal(count(), 4);
      await clock.tickAsync(5000);
      assert.ok(count() <= 4 + 6, "capped at 1s");
      assert.ok(logger.records.some((r) => r.level === "error" && /RBAC/.test(r.msg)));
      remove();
      await clock.tickAsync(1000);
      assert.ok(w.store.synced);
      await w.stop();
    });

    await t.step(
      "a type the server does not serve (404 on list) syncs empty and fills once served",
      async () => {
        // A provider's CRD that is not installed (kube-apiserver answers 404 page not found):
        // the cache must still sync, or a manager waiting for every cache never starts.
        const client = new FakeClient([cm("a")]);
        const logger = new MemoryLogger();
        const { store, events, w } = setup(client, { logger });
        const remove = client.induceFailure("list", "configmaps", notFound("configmaps", ""));
        w.start();
        await clock.tickAsync(0);
        assert.ok(store.synced, "synced although the type is not served");
        assert.equal(store.size, 0);
        assert.ok(logger.records.some((r) => r.level === "warn" && /not served/.test(r.msg)));
        remove();
        await clock.tickAsync(1000);
        assert.equal(store.size, 1, "listed once the type is served");
        assert.deepEqual(events, ["add a"]);
        await w.stop();
      },
    );
  } finally {
    clock.uninstall();
  }
});
