import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  ConfigStore,
  Controller,
  type ControllerPlugin,
  DEFAULT_RECONCILE_TIMEOUT_MS,
  FakeClient,
  type KubeObject,
  Manager,
  nullLogger,
  ReconcileTimeoutError,
  RecordingEventRecorder,
  Store,
  WorkQueue,
} from "../../runtime/mod.ts";
import { widget } from "./widget_plugin.ts";

/** A controller whose reconciles of `hungKey` block until released. */
function setup(opts: { reconcileTimeoutMs?: number; workers?: number } = {}) {
  const client = new FakeClient([widget("w"), widget("x")]);
  const store = new Store();
  store.replace(client.all("example.dev/v1", "Widget"));
  store.markSynced();
  const recorder = new RecordingEventRecorder();
  const log: string[] = [];
  const active = new Set<string>();
  let overlaps = 0;
  const signals: AbortSignal[] = [];
  const gates: (() => void)[] = [];
  const s = { hang: true };
  const plugin: ControllerPlugin = {
    name: "slow",
    resource: { apiVersion: "example.dev/v1", kind: "Widget" },
    conditions: { happy: "Ready", dependents: [] },
    create: () => ({
      async reconcile(o: KubeObject, ctx) {
        const k = o.metadata.name!;
        if (active.has(k)) overlaps++;
        active.add(k);
        log.push(`${Date.now()} start ${k}`);
        try {
          if (k === "w" && s.hang) {
            signals.push(ctx!.signal);
            await new Promise<void>((r) => gates.push(r));
          }
          (o.status as Record<string, unknown>).seen = Date.now();
        } finally {
          active.delete(k);
          log.push(`${Date.now()} end ${k}`);
        }
      },
    }),
  };
  const c = new Controller({
    plugin,
    client,
    store,
    stores: new Map([["example.dev/v1/Widget", store.view]]),
    recorder,
    config: new ConfigStore([]),
    logger: nullLogger,
    workers: opts.workers ?? 1,
    reconcileTimeoutMs: opts.reconcileTimeoutMs,
    queue: new WorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000 }),
  });
  const statusOf = (name: string) =>
    client.statusUpdates.filter((a) => a.name === name).map((a) =>
      (a.object!.status as { seen: number }).seen
    );
  return {
    c,
    client,
    recorder,
    log,
    signals,
    s,
    statusOf,
    release: () => gates.splice(0).forEach((g) => g()),
    overlaps: () => overlaps,
  };
}

Deno.test("Reconcile timeout", async (t) => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    await t.step(
      "a hung reconcile times out into backoff; its key stays held until it settles",
      async () => {
        const e = setup({ reconcileTimeoutMs: 1_000 });
        e.c.start();
        e.c.enqueue("ns/w");
        await clock.tickAsync(999);
        assert.equal(e.signals[0].aborted, false);
        assert.equal(e.c.abandoned, 0);
        await clock.tickAsync(1);
        assert.equal(e.signals[0].aborted, true, "the reconcile's signal aborts");
        assert.ok(e.signals[0].reason instanceof ReconcileTimeoutError);
        assert.equal(e.c.abandoned, 1);
        assert.equal(e.c.queue.numRequeues("ns/w"), 1, "a transient failure: rate-limited retry");
        assert.deepEqual(e.recorder.events, [
          "Warning InternalError reconcile of ns/w did not finish within 1000 ms",
        ]);
        e.c.enqueue("ns/x");
        await clock.tickAsync(0);
        assert.ok(e.log.includes("1000 end x"), "the only worker was freed for other keys");
        await clock.tickAsync(5_000);
        assert.equal(
          e.log.filter((l) => l.endsWith("start w")).length,
          1,
          "the retry is held while the abandoned pass runs",
        );
        assert.equal(e.c.queue.processing, 1, "the key is still held");
        e.s.hang = false;
        e.release();
        await clock.tickAsync(0);
        assert.deepEqual(e.statusOf("w").slice(0, 1), [6_000], "only the retry wrote status");
        assert.equal(e.overlaps(), 0, "never two reconciles of one key at once");
        assert.equal(e.log.filter((l) => l.endsWith("start w")).length, 2);
        assert.equal(e.c.abandoned, 0);
        assert.equal(e.c.queue.numRequeues("ns/w"), 0, "success resets the backoff");
        await e.c.stop();
      },
    );

    await t.step(
      "an abandoned pass writes nothing and frees its key when it settles",
      async () => {
        const e = setup({ reconcileTimeoutMs: 500 });
        e.c.start();
        e.c.enqueue("ns/w");
        await clock.tickAsync(500);
        const timedOutAt = Date.now();
        await clock.tickAsync(50);
        e.release(); // settles before the 100 ms backoff elapsed; no retry is pending yet
        await clock.tickAsync(0);
        assert.deepEqual(e.statusOf("w"), [], "the shell wrote nothing for the abandoned pass");
        assert.equal(e.c.queue.processing, 0, "the key was released when the pass settled");
        e.s.hang = false;
        await clock.tickAsync(100);
        assert.deepEqual(e.statusOf("w"), [timedOutAt + 100], "retried after the backoff");
        assert.equal(e.overlaps(), 0);
        await e.c.stop();
      },
    );

    await t.step("stop does not wait for an abandoned pass that never settles", async () => {
      const e = setup({ reconcileTimeoutMs: 1_000 });
      e.c.start();
      e.c.enqueue("ns/w");
      await clock.tickAsync(1_000);
      assert.equal(e.c.abandoned, 1);
      let stopped = false;
      const stopping = e.c.stop().then(() => (stopped = true));
      await clock.tickAsync(0);
      assert.equal(stopped, true, "stop is bounded by the reconcile timeout");
      await stopping;
      await clock.tickAsync(10_000);
      assert.equal(
        e.log.filter((l) => l.endsWith("start w")).length,
        1,
        "its retry was dropped with the queue",
      );
      e.release();
      await clock.tickAsync(0);
      assert.deepEqual(e.statusOf("w"), [], "the abandoned pass still writes nothing");
    });

    await t.step("reconcileKey reports the timeout as a transient error", async () => {
      const e = setup({ reconcileTimeoutMs: 2_000 });
      const p = e.c.reconcileKey("ns/w");
      await clock.tickAsync(2_000);
      const out = await p;
      assert.equal(out.kind, "error");
      assert.ok(out.kind === "error" && out.error instanceof ReconcileTimeoutError);
      assert.ok(out.kind === "error" && !out.permanent);
      e.release();
      await clock.tickAsync(0);
      assert.deepEqual(e.statusOf("w"), []);
    });

    await t.step("the default is 2 minutes; 0 disables", async () => {
      assert.equal(DEFAULT_RECONCILE_TIMEOUT_MS, 120_000);
      const d = setup();
      const p = d.c.reconcileKey("ns/w");
      let done = false;
      void p.then(() => (done = true));
      await clock.tickAsync(119_999);
      assert.equal(done, false);
      await clock.tickAsync(1);
      assert.equal(done, true);
      d.release();
      const off = setup({ reconcileTimeoutMs: 0 });
      const q = off.c.reconcileKey("ns/w");
      let finished = false;
      void q.then(() => (finished = true));
      await clock.tickAsync(3_600_000);
      assert.equal(finished, false, "no timeout");
      assert.equal(clock.countTimers(), 0, "and no timer armed");
      off.s.hang = false;
      off.release();
      await clock.tickAsync(0);
      assert.equal((await q).kind, "done");
      assert.equal(off.statusOf("w").length, 1);
    });
  } finally {
    clock.uninstall();
  }
});

Deno.test("Manager passes reconcileTimeoutMs and relistIntervalMs down", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    const client = new FakeClient([widget("w")]);
    const signals: AbortSignal[] = [];
    const gates: (() => void)[] = [];
    const plugin: ControllerPlugin = {
      name: "slow",
      resource: { apiVersion: "example.dev/v1", kind: "Widget" },
      create: () => ({
        reconcile: (_o, ctx) => {
          signals.push(ctx!.signal);
          return new Promise<void>((r) => gates.push(r));
        },
      }),
    };
    const m = new Manager({
      client,
      plugins: [plugin],
      logger: nullLogger,
      resyncMs: 0,
      reconcileTimeoutMs: 1_000,
      relistIntervalMs: 5_000,
    });
    await m.start();
    await clock.tickAsync(0);
    assert.equal(signals.length, 1);
    await clock.tickAsync(1_000);
    assert.ok(signals[0].aborted, "timed out after the Manager's reconcileTimeoutMs");
    assert.equal(m.controllers.get("slow")!.abandoned, 1);
    const lists = () => client.actions.filter((a) => a.verb === "list").length;
    const before = lists();
    await clock.tickAsync(5_500);
    assert.equal(lists(), before + 1, "relisted after the Manager's relistIntervalMs (+ jitter)");
    gates.splice(0).forEach((g) => g());
    await clock.tickAsync(0);
    const stopping = m.stop();
    gates.splice(0).forEach((g) => g());
    await clock.tickAsync(0);
    gates.splice(0).forEach((g) => g());
    await stopping;
  } finally {
    clock.uninstall();
  }
});
