import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  ConfigStore,
  Controller,
  type ControllerPlugin,
  FakeClient,
  type KubeObject,
  Manager,
  nullLogger,
  RecordingEventRecorder,
  Store,
  WorkQueue,
} from "../../runtime/mod.ts";
import { widget } from "./widget_plugin.ts";

Deno.test("controller loop: backoff grows on failure and resets on success", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    const client = new FakeClient([widget("w")]);
    const store = new Store();
    store.replace(client.all("example.dev/v1", "Widget"));
    store.markSynced();
    const times: number[] = [];
    let failUntil = 4;
    const plugin: ControllerPlugin = {
      name: "flaky",
      resource: { apiVersion: "example.dev/v1", kind: "Widget" },
      create: () => ({
        reconcile() {
          times.push(Date.now());
          if (times.length <= failUntil) return Promise.reject(new Error("flaky"));
          return Promise.resolve();
        },
      }),
    };
    const c = new Controller({
      plugin,
      client,
      store,
      stores: new Map([["example.dev/v1/Widget", store.view]]),
      recorder: new RecordingEventRecorder(),
      config: new ConfigStore([]),
      logger: nullLogger,
      queue: new WorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000 }),
    });
    c.start();
    c.enqueue("ns/w");
    await clock.tickAsync(10_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.deepEqual(gaps, [100, 200, 400, 800], "exponential per-key backoff");
    assert.equal(c.queue.numRequeues("ns/w"), 0, "reset by success");
    failUntil = times.length + 1;
    const start = Date.now();
    c.enqueue("ns/w");
    await clock.tickAsync(1_000);
    assert.equal(
      times.at(-1)! - start,
      100,
      "after a reset the first retry is the base delay again",
    );
    await c.stop();
  } finally {
    clock.uninstall();
  }
});

Deno.test("controller loop: one key is never reconciled concurrently under load", async () => {
  const keys = Array.from({ length: 5 }, (_, i) => widget(`w${i}`));
  const client = new FakeClient(keys);
  const active = new Set<string>();
  let overlaps = 0, runs = 0;
  const plugin: ControllerPlugin = {
    name: "busy",
    resource: { apiVersion: "example.dev/v1", kind: "Widget" },
    create: () => ({
      async reconcile(o: KubeObject) {
        const k = o.metadata.name!;
        if (active.has(k)) overlaps++;
        active.add(k);
        runs++;
        await new Promise((r) => setTimeout(r, 1));
        active.delete(k);
      },
    }),
  };
  const m = new Manager({
    client,
    plugins: [plugin],
    workers: 8,
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 10,
  });
  await m.start();
  for (let round = 0; round < 40; round++) {
    for (const w of keys) {
      await client.patch(
        { apiVersion: w.apiVersion, kind: w.kind, namespace: "ns", name: w.metadata.name },
        "merge",
        { metadata: { labels: { round: String(round) } } },
      );
    }
    if (round % 10 === 0) await new Promise((r) => setTimeout(r, 2));
  }
  await m.idle();
  await m.stop();
  assert.equal(overlaps, 0);
  assert.ok(runs >= 10, `ran ${runs} times`);
  assert.ok(runs < 5 * 41, "events coalesced while keys were in flight");
});

Deno.test("controller loop: requeueAfter schedules the key; resync re-enqueues all", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    const client = new FakeClient([widget("a"), widget("b")]);
    const store = new Store();
    store.replace(client.all("example.dev/v1", "Widget"));
    store.markSynced();
    const seen: string[] = [];
    const c = new Controller({
      plugin: {
        name: "req",
        resource: { apiVersion: "example.dev/v1", kind: "Widget" },
        create: () => ({
          reconcile: (o) => {
            seen.push(`${Date.now()}:${o.metadata.name}`);
            return Promise.resolve(o.metadata.name === "a" ? { requeueAfter: 3000 } : undefined);
          },
        }),
      },
      client,
      store,
      stores: new Map(),
      recorder: new RecordingEventRecorder(),
      config: new ConfigStore([]),
      logger: nullLogger,
      resyncMs: 10_000,
    });
    c.start();
    c.enqueue("ns/a");
    await clock.tickAsync(6_500);
    assert.deepEqual(seen, ["0:a", "3000:a", "6000:a"]);
    await clock.tickAsync(5_000);
    assert.ok(seen.some((s) => s.endsWith(":b")), "resync enqueued b");
    await c.stop();
  } finally {
    clock.uninstall();
  }
});

Deno.test("controller loop: stop drops queued, delayed and retrying keys; in-flight ones finish", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    const names = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const client = new FakeClient(names.map((n) => widget(n)));
    const store = new Store();
    store.replace(client.all("example.dev/v1", "Widget"));
    store.markSynced();
    const started: string[] = [];
    const finished: string[] = [];
    const gates: (() => void)[] = [];
    let hold = false;
    const plugin: ControllerPlugin = {
      name: "busy",
      resource: { apiVersion: "example.dev/v1", kind: "Widget" },
      create: () => ({
        async reconcile(o) {
          const n = Number(o.metadata.name!.slice(1));
          started.push(o.metadata.name!);
          if (hold) await new Promise<void>((r) => gates.push(r));
          finished.push(o.metadata.name!);
          if (n < 10) return { requeueAfter: 60_000 };
          if (n < 20) throw new Error("transient");
          return undefined;
        },
      }),
    };
    const c = new Controller({
      plugin,
      client,
      store,
      stores: new Map([["example.dev/v1/Widget", store.view]]),
      recorder: new RecordingEventRecorder(),
      config: new ConfigStore([]),
      logger: nullLogger,
      workers: 2,
      resyncMs: 1_000,
      queue: new WorkQueue({ baseDelayMs: 1_000 }),
    });
    c.start();
    for (const n of names.slice(0, 20)) c.enqueue(`ns/${n}`);
    await clock.tickAsync(0);
    assert.equal(c.queue.delayed, 20, "10 delayed requeues and 10 rate-limited retries");
    hold = true;
    for (const n of names.slice(20)) c.enqueue(`ns/${n}`);
    await clock.tickAsync(0);
    assert.equal(gates.length, 2, "two reconciles in flight");
    assert.equal(c.queue.length, 8, "eight keys queued behind them");
    const before = started.length;
    let stopped = false;
    const stopping = c.stop().then(() => (stopped = true));
    assert.equal(c.queue.length + c.queue.delayed, 0, "queued and delayed keys are dropped");
    await clock.tickAsync(0);
    assert.equal(stopped, false, "stop waits for the in-flight reconciles");
    gates.splice(0).forEach((g) => g());
    await stopping;
    assert.deepEqual(finished.slice(-2), ["w20", "w21"], "the in-flight reconciles finished");
    c.enqueue("ns/w0");
    c.enqueueAll();
    await clock.tickAsync(3_600_000);
    assert.equal(started.length, before, "no reconcile started after stop");
    assert.equal(clock.countTimers(), 0, "no retry, requeue or resync timer left");
  } finally {
    clock.uninstall();
  }
});
