import assert from "node:assert/strict";
import {
  FakeClient,
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  type KubeObject,
} from "../../runtime/mod.ts";

const W = { apiVersion: "example.dev/v1", kind: "Widget", namespace: "ns" };
const w = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: W.apiVersion,
  kind: W.kind,
  metadata: { namespace: "ns", name, labels: { app: name } },
  spec: { size: 1 },
  ...extra,
});

Deno.test("FakeClient", async (t) => {
  await t.step("create assigns uid/rv/generation; duplicate is AlreadyExists", async () => {
    const c = new FakeClient();
    const o = await c.create(w("a"));
    assert.ok(o.metadata.uid);
    assert.equal(o.metadata.generation, 1);
    assert.ok(o.metadata.resourceVersion);
    await assert.rejects(c.create(w("a")), isAlreadyExists);
  });
  await t.step("generation bumps on spec change only; status only via updateStatus", async () => {
    const c = new FakeClient([w("a")]);
    const cur = await c.get({ ...W, name: "a" });
    const u1 = await c.update({
      ...cur,
      metadata: { ...cur.metadata, labels: { x: "y" } },
      status: { s: 1 },
    });
    assert.equal(u1.metadata.generation, 1);
    assert.equal(u1.status, undefined, "status ignored by update");
    const u2 = await c.update({ ...u1, spec: { size: 2 } });
    assert.equal(u2.metadata.generation, 2);
    const u3 = await c.updateStatus({ ...u2, spec: { size: 9 }, status: { ok: true } });
    assert.deepEqual(u3.status, { ok: true });
    assert.deepEqual(u3.spec, { size: 2 }, "spec ignored by updateStatus");
  });
  await t.step("stale resourceVersion conflicts", async () => {
    const c = new FakeClient([w("a")]);
    const cur = await c.get({ ...W, name: "a" });
    await c.update({ ...cur, spec: { size: 2 } });
    await assert.rejects(c.update({ ...cur, spec: { size: 3 } }), isConflict);
    await assert.rejects(c.get({ ...W, name: "zz" }), isNotFound);
  });
  await t.step("merge and json patches, json test failure is Invalid", async () => {
    const c = new FakeClient([w("a")]);
    const p1 = await c.patch({ ...W, name: "a" }, "merge", { spec: { size: 5, extra: "x" } });
    assert.deepEqual(p1.spec, { size: 5, extra: "x" });
    const p2 = await c.patch({ ...W, name: "a" }, "json", [
      { op: "test", path: "/spec/size", value: 5 },
      { op: "remove", path: "/spec/extra" },
      { op: "add", path: "/metadata/labels/b", value: "c" },
    ]);
    assert.deepEqual(p2.spec, { size: 5 });
    assert.equal(p2.metadata.labels?.b, "c");
    await assert.rejects(
      c.patch({ ...W, name: "a" }, "json", [{ op: "test", path: "/spec/size", value: 1 }]),
      isInvalid,
    );
    assert.equal(c.patches.length, 3);
  });
  await t.step(
    "delete with finalizers sets deletionTimestamp; removing the last one deletes",
    async () => {
      const c = new FakeClient([
        w("a", { metadata: { namespace: "ns", name: "a", finalizers: ["f"] } }),
      ]);
      const child: KubeObject = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { namespace: "ns", name: "c" },
      };
      const parent = c.peek({ ...W, name: "a" })!;
      child.metadata.ownerReferences = [{
        apiVersion: W.apiVersion,
        kind: W.kind,
        name: "a",
        uid: parent.metadata.uid!,
        controller: true,
      }];
      await c.create(child);
      const d = await c.delete({ ...W, name: "a" });
      assert.ok(d?.metadata.deletionTimestamp);
      await c.patch({ ...W, name: "a" }, "merge", { metadata: { finalizers: null } });
      assert.equal(c.peek({ ...W, name: "a" }), undefined);
      assert.equal(c.all("v1", "ConfigMap").length, 0, "owned objects cascade");
    },
  );
  await t.step("paginated lists, label selectors, and expired continue tokens", async () => {
    const c = new FakeClient(["a", "b", "c", "d", "e"].map((n) => w(n)));
    const p1 = await c.list(W, { limit: 2 });
    assert.deepEqual(p1.items.map((o) => o.metadata.name), ["a", "b"]);
    assert.equal(p1.metadata.remainingItemCount, 3);
    const p2 = await c.list(W, { limit: 2, continue: p1.metadata.continue });
    assert.deepEqual(p2.items.map((o) => o.metadata.name), ["c", "d"]);
    assert.deepEqual(
      (await c.list(W, { labelSelector: "app in (a,e)" })).items.map((o) => o.metadata.name),
      ["a", "e"],
    );
    await c.create(w("f"));
    c.compact();
    await assert.rejects(c.list(W, { limit: 2, continue: p2.metadata.continue }), isGone);
  });
  await t.step(
    "failOnce and induceFailure reactors; actions recorded even when failed",
    async () => {
      const c = new FakeClient();
      c.failOnce("create", "widgets", new Error("once"));
      await assert.rejects(c.create(w("a")), /once/);
      await c.create(w("a"));
      const remove = c.induceFailure("*", "widgets/status");
      await assert.rejects(c.updateStatus({ ...w("a"), status: {} }), /inducing failure/);
      remove();
      await c.updateStatus({ ...w("a"), status: {} });
      assert.equal(c.creates.length, 2);
      assert.equal(c.statusUpdates.length, 2);
    },
  );
  await t.step(
    "watch from an old resourceVersion after compaction gets a 410 ERROR event",
    async () => {
      const c = new FakeClient([w("a")]);
      const rv = c.resourceVersion;
      await c.create(w("b"));
      c.compact();
      const s = await c.watch(W, { resourceVersion: rv });
      const evs = [];
      for await (const e of s) evs.push(e);
      assert.equal(evs.length, 1);
      assert.equal(evs[0].type, "ERROR");
      assert.equal((evs[0].object as unknown as { code: number }).code, 410);
    },
  );
  await t.step("watch aborts via its signal", async () => {
    const c = new FakeClient([w("a")]);
    const ac = new AbortController();
    const s = await c.watch(W, { signal: ac.signal });
    const it = s[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.type, "ADDED");
    const pending = it.next();
    ac.abort();
    assert.equal((await pending).done, true);
    assert.equal(c.openWatches, 0);
  });
});
