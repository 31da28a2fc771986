import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Backoff, RuntimeMetrics, WorkQueue } from "../../runtime/mod.ts";

function clock() {
  return FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
}

Deno.test("WorkQueue", async (t) => {
  await t.step("dedups keys", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("a");
    q.add("b");
    assert.equal(q.length, 2);
    assert.equal(await q.get(), "a");
    assert.equal(await q.get(), "b");
    q.shutDown();
  });

  await t.step("a key being processed is held until done, then requeued once", async () => {
    const q = new WorkQueue();
    q.add("a");
    const k = await q.get();
    q.add("a");
    q.add("a");
    assert.equal(q.length, 0, "not handed out while processing");
    q.done(k!);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), "a");
    q.done("a");
    assert.ok(q.idle);
    q.shutDown();
  });

  await t.step("delayed adds: earliest wins", async () => {
    const c = clock();
    try {
      const q = new WorkQueue();
      q.addAfter("a", 1000);
      q.addAfter("a", 100);
      q.addAfter("a", 5000);
      await c.tickAsync(99);
      assert.equal(q.length, 0);
      await c.tickAsync(1);
      assert.equal(q.length, 1);
      await c.tickAsync(10_000);
      assert.equal(q.length, 1, "no second add from the later timers");
      q.shutDown();
    } finally {
      c.uninstall();
    }
  });

  await t.step("per-key backoff grows exponentially, is capped and resets on forget", () => {
    const c = clock();
    try {
      const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 1000, qps: 1e9, burst: 1e9 });
      const ds = Array.from({ length: 10 }, () => q.when("k"));
      assert.deepEqual(ds, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
      assert.equal(q.when("other"), 5, "per key");
      q.forget("k");
      assert.equal(q.when("k"), 5);
      assert.equal(q.numRequeues("k"), 1);
    } finally {
      c.uninstall();
    }
  });

  await t.step("reports the time the token bucket holds retries beyond their backoff", () => {
    const c = clock();
    try {
      const m = new RuntimeMetrics();
      const q = new WorkQueue({ name: "w", baseDelayMs: 1, qps: 10, burst: 1, metrics: m });
      q.when("a");
      assert.equal(m.queueThrottled.get({ name: "w" }), 0, "a token was free");
      assert.equal(q.when("b"), 100);
      assert.equal(q.when("c"), 200);
      assert.ok(Math.abs(m.queueThrottled.get({ name: "w" }) - 0.298) < 1e-9);
      assert.match(m.render(), /denative_workqueue_rate_limit_wait_seconds_total\{name="w"\}/);
    } finally {
      c.uninstall();
    }
  });

  await t.step("global token bucket caps rate-limited adds", () => {
    const c = clock();
    try {
      const q = new WorkQueue({ baseDelayMs: 1, qps: 10, burst: 2 });
      assert.equal(q.when("a"), 1);
      assert.equal(q.when("b"), 1);
      assert.equal(q.when("c"), 100, "bucket empty: wait for a token");
      assert.equal(q.when("d"), 200);
      c.tick(1000);
      assert.equal(q.when("e"), 1);
    } finally {
      c.uninstall();
    }
  });

  await t.step("addRateLimited schedules with backoff", async () => {
    const c = clock();
    try {
      const q = new WorkQueue({ baseDelayMs: 100 });
      q.addRateLimited("a");
      await c.tickAsync(99);
      assert.equal(q.length, 0);
      await c.tickAsync(1);
      assert.equal(q.length, 1);
      q.shutDown();
    } finally {
      c.uninstall();
    }
  });

  await t.step("shutDownWithDrain waits for in-flight keys and drops queued ones", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("b");
    const k = await q.get();
    let drained = false;
    const p = q.shutDownWithDrain().then(() => (drained = true));
    await Promise.resolve();
    assert.equal(drained, false);
    assert.equal(await q.get(), undefined, "queued keys dropped after shutdown");
    q.add("c");
    assert.equal(q.length, 0, "no intake after shutdown");
    q.done(k!);
    await p;
    assert.ok(drained);
  });

  await t.step("one key is never processed concurrently under load", async () => {
    const q = new WorkQueue();
    const active = new Set<string>();
    let overlaps = 0, processed = 0;
    const workers = Array.from({ length: 8 }, async () => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        if (active.has(k)) overlaps++;
        active.add(k);
        await new Promise((r) => queueMicrotask(() => r(null)));
        if (processed % 3 === 0) q.add(k); // re-add while processing
        processed++;
        active.delete(k);
        q.done(k);
      }
    });
    for (let i = 0; i < 2000; i++) q.add(`k${i % 5}`);
    await q.whenIdle();
    q.shutDown();
    await Promise.all(workers);
    assert.equal(overlaps, 0);
    assert.ok(processed > 5);
  });
});

Deno.test("Backoff grows, caps, jitters and resets", () => {
  const c = clock();
  try {
    const b = new Backoff({
      initialMs: 800,
      maxMs: 30_000,
      jitter: 0.5,
      random: () => 0,
      resetAfterMs: 120_000,
    });
    assert.deepEqual([b.next(), b.next(), b.next()], [800, 1600, 3200]);
    for (let i = 0; i < 10; i++) b.next();
    assert.equal(b.next(), 30_000);
    c.tick(121_000);
    assert.equal(b.next(), 800, "reset after a quiet period");
    const j = new Backoff({ initialMs: 1000, jitter: 0.5, random: () => 0.5 });
    assert.equal(j.next(), 1250);
    j.reset();
    assert.equal(j.attempt, 0);
  } finally {
    c.uninstall();
  }
});
