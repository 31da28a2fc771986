import assert from "node:assert/strict";
import {
  ConfigStore,
  conflict,
  errorReason,
  FakeClient,
  JsonLogger,
  KubeEventRecorder,
  type KubeObject,
  type LogRecord,
  notFound,
  onShutdownSignal,
  PermanentError,
  PluginRegistry,
  ReconcileTimeoutError,
  RecordingEventRecorder,
  RuntimeMetrics,
  serveHealth,
  waitForShutdown,
} from "../../runtime/mod.ts";

const pod: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { namespace: "ns", name: "p", uid: "u1" },
};

Deno.test("KubeEventRecorder writes v1 Events and folds repeats into a count", async () => {
  let t = Date.UTC(2026, 0, 1);
  const client = new FakeClient();
  const rec = new KubeEventRecorder({ client, now: () => new Date(t), windowMs: 60_000 });
  rec.event(pod, "Warning", "Failed", "boom");
  rec.event(pod, "Warning", "Failed", "boom");
  rec.event(pod, "Normal", "Created", "made it");
  await rec.flush();
  let evs = client.all("v1", "Event");
  assert.equal(evs.length, 2);
  const failed = evs.find((e) => e.reason === "Failed")!;
  assert.equal(failed.count, 2);
  assert.deepEqual(failed.involvedObject, {
    apiVersion: "v1",
    kind: "Pod",
    name: "p",
    namespace: "ns",
    uid: "u1",
  });
  assert.equal(failed.type, "Warning");
  t += 120_000;
  rec.event(pod, "Warning", "Failed", "boom");
  await rec.flush();
  evs = client.all("v1", "Event");
  assert.equal(evs.length, 3, "outside the window a new Event is written");
  const r2 = new RecordingEventRecorder();
  r2.event(pod, "Normal", "A", "b");
  assert.deepEqual(r2.events, ["Normal A b"]);
});

Deno.test("KubeEventRecorder writes in parallel lanes, repeats in order, capped and closable", async (t) => {
  const podN = (i: number): KubeObject => ({
    ...pod,
    metadata: { namespace: "ns", name: `p${i}`, uid: `u${i}` },
  });
  await t.step("writes overlap, while repeats of one event still fold into a count", async () => {
    const client = new FakeClient();
    const create = client.create.bind(client);
    let open = 0, most = 0;
    const gates: (() => void)[] = [];
    client.create = async (o, opts) => {
      most = Math.max(most, ++open);
      await new Promise<void>((r) => gates.push(r));
      open--;
      return await create(o, opts);
    };
    const rec = new KubeEventRecorder({ client, concurrency: 4 });
    for (let i = 0; i < 20; i++) rec.event(podN(i), "Normal", "Made", "made");
    for (let i = 0; i < 5; i++) rec.event(pod, "Warning", "Failed", "boom");
    while (rec.pending > 0) {
      gates.splice(0).forEach((g) => g());
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.ok(most > 1 && most <= 4, `writes overlapped, within the limit (${most})`);
    const evs = client.all("v1", "Event");
    assert.equal(evs.length, 21);
    assert.equal(evs.find((e) => e.reason === "Failed")!.count, 5);
  });
  await t.step("the time is that of the call, not of the (later) write", async () => {
    let now = 1_000;
    const client = new FakeClient();
    const rec = new KubeEventRecorder({ client, now: () => new Date(now) });
    rec.event(pod, "Normal", "A", "b");
    now = 99_000;
    await rec.flush();
    assert.equal(client.all("v1", "Event")[0].lastTimestamp, "1970-01-01T00:00:01Z");
  });
  await t.step("beyond maxPending new events are dropped", async () => {
    const client = new FakeClient();
    client.hang("create", "events");
    const rec = new KubeEventRecorder({ client, maxPending: 3 });
    for (let i = 0; i < 5; i++) rec.event(podN(i), "Normal", "Made", "made");
    assert.equal(rec.pending, 3);
    assert.equal(rec.dropped, 2);
    await rec.close(0);
  });
  await t.step("close writes the backlog within its grace and drops later events", async () => {
    const client = new FakeClient();
    const rec = new KubeEventRecorder({ client, concurrency: 2 });
    for (let i = 0; i < 10; i++) rec.event(podN(i), "Normal", "Made", "made");
    await rec.close(60_000);
    assert.equal(client.all("v1", "Event").length, 10);
    assert.equal(rec.dropped, 0);
    rec.event(pod, "Normal", "Late", "late");
    await rec.flush();
    assert.equal(client.all("v1", "Event").length, 10);
    assert.equal(rec.dropped, 1);
  });
});

Deno.test("JsonLogger: levels, child fields, errors", () => {
  const recs: LogRecord[] = [];
  const log = new JsonLogger({ level: "info", sink: (r) => recs.push(r) });
  log.debug("hidden");
  log.with({ controller: "c" }).with({ key: "ns/a" }).error("failed", { error: new Error("x") });
  assert.equal(recs.length, 1);
  assert.equal(recs[0].level, "error");
  assert.equal(recs[0].controller, "c");
  assert.equal(recs[0].key, "ns/a");
  assert.deepEqual(recs[0].error, { name: "Error", message: "x" });
  assert.ok(!log.enabled("debug"));
});

Deno.test("ConfigStore keeps the last good value and reports bad ones", () => {
  const rec = new RecordingEventRecorder();
  const cs = new ConfigStore([{ name: "c", parse: (d) => ({ n: Number(d.n ?? 1) }) }, {
    name: "strict",
    parse: (d) => {
      if (d.x === "bad") throw new Error("x is bad");
      return d.x ?? "default";
    },
  }], { recorder: rec });
  assert.deepEqual(cs.get("c"), { n: 1 }, "defaults when missing");
  const cm = (name: string, data: Record<string, string>): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name },
    data,
  });
  assert.equal(cs.update(cm("strict", { x: "good" })), true);
  assert.equal(cs.update(cm("strict", { x: "good" })), false, "unchanged");
  assert.equal(cs.update(cm("strict", { x: "bad" })), false);
  assert.equal(cs.get("strict"), "good");
  assert.deepEqual(rec.events, ["Warning InvalidConfig Invalid strict: x is bad"]);
  assert.equal(cs.remove("strict"), true);
  assert.equal(cs.get("strict"), "default");
  assert.throws(() => cs.get("nope"), /not registered/);
});

Deno.test("ConfigStore: a map whose defaults do not parse stays unloaded, with the reason", () => {
  const cs = new ConfigStore([{
    name: "config-deployment",
    parse: (d) => {
      if (!d["queue-sidecar-image"]) throw new Error("queue-sidecar-image cannot be empty");
      return { image: d["queue-sidecar-image"] };
    },
  }]);
  assert.deepEqual(cs.unloaded(), [
    { name: "config-deployment", reason: "queue-sidecar-image cannot be empty" },
  ]);
  assert.throws(
    () => cs.get("config-deployment"),
    /config config-deployment is not loaded: .*\(queue-sidecar-image cannot be empty\)/,
  );
  cs.update({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "config-deployment" },
    data: { "queue-sidecar-image": "q:1" },
  });
  assert.deepEqual(cs.unloaded(), []);
  assert.deepEqual(cs.get("config-deployment"), { image: "q:1" });
});

Deno.test("reconcile errors are counted by a low-cardinality reason", () => {
  assert.equal(errorReason(conflict("widgets", "w")), "Conflict");
  assert.equal(errorReason(notFound("widgets", "w")), "NotFound");
  assert.equal(errorReason(new PermanentError("bad", { reason: "Bad" })), "Permanent");
  assert.equal(errorReason(new ReconcileTimeoutError("ns/w", 10)), "ReconcileTimeout");
  assert.equal(errorReason(new TypeError("x")), "TypeError");
  assert.equal(errorReason("boom"), "Unknown");
});

Deno.test("metrics render Prometheus text; health server serves probes", async () => {
  const m = new RuntimeMetrics();
  m.reconcileTotal.inc({ controller: "x", result: "done" });
  m.reconcileDuration.observe({ controller: "x" }, 0.02);
  m.depth("q", 3);
  const text = m.render();
  assert.match(text, /# TYPE denative_reconcile_total counter/);
  assert.match(text, /denative_reconcile_total\{controller="x",result="done"\} 1/);
  assert.match(text, /denative_reconcile_duration_seconds_bucket\{controller="x",le="0.025"\} 1/);
  assert.match(text, /denative_workqueue_depth\{name="q"\} 3/);
  let ready = false;
  const srv = serveHealth({ health: { live: () => true, ready: () => ready }, metrics: m });
  try {
    const get = async (p: string) => {
      const r = await fetch(`http://127.0.0.1:${srv.port}${p}`);
      return [r.status, await r.text()] as const;
    };
    assert.equal((await get("/healthz"))[0], 200);
    assert.equal((await get("/readyz"))[0], 503);
    ready = true;
    assert.equal((await get("/readyz"))[0], 200);
    assert.match((await get("/metrics"))[1], /denative_workqueue_depth/);
  } finally {
    await srv.shutdown();
  }
});

Deno.test("SIGTERM stops the target and exits 0", async () => {
  let stopped = false;
  let code: number | undefined;
  let exited!: () => void;
  const done = new Promise<void>((r) => (exited = r));
  const remove = onShutdownSignal({
    stop: () => {
      stopped = true;
      return Promise.resolve();
    },
  }, {
    signals: ["SIGTERM"],
    exit: (c) => {
      code = c;
      exited();
    },
  });
  const keepAlive = setTimeout(() => {}, 5000);
  try {
    Deno.kill(Deno.pid, "SIGTERM");
    await done;
    assert.ok(stopped);
    assert.equal(code, 0);
  } finally {
    clearTimeout(keepAlive);
    remove();
  }
});

Deno.test("waitForShutdown resolves with the exit code after the stop", async (t) => {
  const keepAlive = setTimeout(() => {}, 5000);
  try {
    await t.step("graceful stop: 0", async () => {
      let stopped = false;
      const code = waitForShutdown({
        stop: () => {
          stopped = true;
          return Promise.resolve();
        },
      }, { signals: ["SIGTERM"] });
      Deno.kill(Deno.pid, "SIGTERM");
      assert.equal(await code, 0);
      assert.ok(stopped);
    });
    await t.step("a failing stop: 1", async () => {
      const code = waitForShutdown(
        { stop: () => Promise.reject(new Error("drain failed")) },
        { signals: ["SIGTERM"] },
      );
      Deno.kill(Deno.pid, "SIGTERM");
      assert.equal(await code, 1);
    });
    await t.step("a stop past the timeout: 1", async () => {
      let release!: () => void;
      const hung = new Promise<void>((r) => (release = r));
      const code = waitForShutdown({ stop: () => hung }, { signals: ["SIGTERM"], timeoutMs: 20 });
      Deno.kill(Deno.pid, "SIGTERM");
      assert.equal(await code, 1);
      release();
    });
  } finally {
    clearTimeout(keepAlive);
  }
});

Deno.test("PluginRegistry", () => {
  const r = new PluginRegistry();
  r.registerController({
    name: "a",
    resource: { apiVersion: "v1", kind: "X" },
    create: () => ({ reconcile: () => Promise.resolve() }),
  });
  assert.throws(() =>
    r.registerController({
      name: "a",
      resource: { apiVersion: "v1", kind: "X" },
      create: () => ({ reconcile: () => Promise.resolve() }),
    })
  );
  const p = { className: "c", kinds: [], render: () => [], status: () => ({ ready: true }) };
  r.registerProvider(p);
  assert.equal(r.provider("c"), p);
  assert.equal(r.controllers().length, 1);
  assert.throws(() => r.registerProvider(p));
});
