import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  type ControllerPlugin,
  DEFAULT_EVENT_FLUSH_TIMEOUT_MS,
  DEFAULT_EVENT_WRITE_CONCURRENCY,
  FakeClient,
  healthApp,
  type KubeObject,
  LeaderElector,
  Manager,
  nullLogger,
} from "../../runtime/mod.ts";
import { withSpec } from "../builders.ts";
import { hooks, widget, widgetPlugin } from "./widget_plugin.ts";

const ready = (c: FakeClient, name: string) =>
  (c.peek({ apiVersion: "example.dev/v1", kind: "Widget", namespace: "ns", name })?.status as {
    conditions?: { type: string; status: string }[];
  })?.conditions?.find((x) => x.type === "Ready")?.status;

Deno.test("Manager runs plugins to a fixed point", async () => {
  const client = new FakeClient([widget("a"), widget("b")]);
  const m = new Manager({
    client,
    plugins: [widgetPlugin()],
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 5,
  });
  await m.start();
  await m.idle();
  assert.equal(ready(client, "a"), "True");
  assert.equal(ready(client, "b"), "True");
  assert.equal(client.all("v1", "ConfigMap").length, 2);
  assert.ok(m.health.ready());
  const text = await (await healthApp(m).request("/metrics")).text();
  assert.match(text, /denative_reconcile_total\{controller="widget",result="done"\} \d+/);
  assert.match(text, /denative_workqueue_adds_total/);
  assert.equal((await healthApp(m).request("/readyz")).status, 200);
  const writes = client.statusUpdates.length;
  await m.idle();
  assert.equal(
    client.statusUpdates.length,
    writes,
    "a status write does not trigger another write",
  );
  await m.stop();
  assert.equal((await healthApp(m).request("/healthz")).status, 503);
});

Deno.test("Manager: config change re-enqueues every key; bad config keeps the last good", async () => {
  const client = new FakeClient([
    widget("a"),
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { namespace: "knative-serving", name: "config-x" },
      data: { n: "1" },
    },
  ]);
  const m = new Manager({
    client,
    plugins: [widgetPlugin()],
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 5,
    configMaps: [{
      name: "config-x",
      parse: (d) => {
        const n = Number(d.n ?? "0");
        if (Number.isNaN(n)) throw new Error(`n: not a number: ${d.n}`);
        return { n };
      },
    }],
  });
  let seen = 0;
  hooks.onReconcile = () => void seen++;
  try {
    await m.start();
    await m.idle();
    assert.deepEqual(m.config.get("config-x"), { n: 1 });
    const before = seen;
    const cm = client.peek({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: "knative-serving",
      name: "config-x",
    })!;
    await client.update({ ...cm, data: { n: "2" } });
    await m.idle();
    assert.deepEqual(m.config.get("config-x"), { n: 2 });
    assert.ok(seen > before, "widget reconciled again after config change");
    const cm2 = client.peek({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: "knative-serving",
      name: "config-x",
    })!;
    await client.update({ ...cm2, data: { n: "zz" } });
    await m.idle();
    assert.deepEqual(m.config.get("config-x"), { n: 2 }, "last good kept");
    const ev = client.all("v1", "Event").find((e) => e.reason === "InvalidConfig");
    assert.ok(ev, "Warning event on the ConfigMap");
    assert.match(String(ev.message), /not a number/);
  } finally {
    hooks.onReconcile = undefined;
    await m.stop();
  }
});

Deno.test("Manager: nothing reconciles before caches sync", async () => {
  const client = new FakeClient([widget("a")]);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  client.prependReactor("list", "configmaps", () => undefined);
  const origList = client.list.bind(client);
  client.list = async (ref, opts) => {
    if (ref.kind === "ConfigMap") await gate;
    return origList(ref, opts);
  };
  hooks.onReconcile = () => void calls++;
  const m = new Manager({
    client,
    plugins: [widgetPlugin()],
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 5,
  });
  try {
    const started = m.start();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 0);
    assert.equal(m.health.ready(), false);
    release();
    await started;
    await m.idle();
    assert.ok(calls > 0);
  } finally {
    hooks.onReconcile = undefined;
    await m.stop();
  }
});

Deno.test("Manager: shutdown during an in-flight reconcile drains it", async () => {
  const client = new FakeClient([widget("a")]);
  let release!: () => void;
  let entered!: () => void;
  const inFlight = new Promise<void>((r) => (entered = r));
  hooks.onReconcile = () => {
    entered();
    return new Promise<void>((r) => (release = r));
  };
  const m = new Manager({ client, plugins: [widgetPlugin()], logger: nullLogger, resyncMs: 0 });
  try {
    await m.start();
    await inFlight;
    let stopped = false;
    const stopping = m.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(stopped, false, "waits for the reconcile");
    await client.create({ ...widget("late"), metadata: { namespace: "ns", name: "late" } });
    release();
    await stopping;
    assert.equal(
      ready(client, "a"),
      "Unknown",
      "the in-flight reconcile finished and wrote status",
    );
    assert.equal(
      client.peek({ apiVersion: "example.dev/v1", kind: "Widget", namespace: "ns", name: "late" })
        ?.status,
      undefined,
      "no intake after stop",
    );
  } finally {
    hooks.onReconcile = undefined;
  }
});

Deno.test("Leader election: acquire, renew, lose on a stolen lease, release on stop", async (t) => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    const client = new FakeClient();
    let lost = 0;
    const a = new LeaderElector({
      client,
      namespace: "ns",
      leaseName: "l",
      identity: "a",
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      onStoppedLeading: () => void lost++,
    });
    const b = new LeaderElector({
      client,
      namespace: "ns",
      leaseName: "l",
      identity: "b",
      retryPeriodMs: 2_000,
    });
    const lease = () =>
      client.peek({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        namespace: "ns",
        name: "l",
      });
    await t.step("first replica acquires, second waits", async () => {
      a.start();
      await clock.tickAsync(0);
      assert.ok(a.isLeader);
      b.start();
      await clock.tickAsync(10_000);
      assert.ok(!b.isLeader);
      assert.equal((lease()!.spec as { holderIdentity: string }).holderIdentity, "a");
    });
    await t.step(
      "lease stolen during renew: leadership lost after the renew deadline",
      async () => {
        const remove = client.induceFailure("update", "leases", new Error("network down"));
        await clock.tickAsync(9_000);
        assert.ok(a.isLeader, "still within the renew deadline");
        await clock.tickAsync(3_000);
        assert.ok(!a.isLeader);
        assert.equal(lost, 1);
        remove();
        await clock.tickAsync(20_000);
        assert.ok(a.isLeader !== b.isLeader, "exactly one leader again");
      },
    );
    await t.step("stop releases the lease", async () => {
      const leader = a.isLeader ? a : b;
      const other = leader === a ? b : a;
      await other.stop();
      await leader.stop();
      assert.equal((lease()!.spec as { holderIdentity: string }).holderIdentity, "");
    });
  } finally {
    clock.uninstall();
  }
});

Deno.test("Manager with leader election: only the leader writes", async () => {
  const client = new FakeClient([widget("a", withSpec({ size: 2 }))]);
  client.seed({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { namespace: "knative-serving", name: "ctl" },
    spec: { holderIdentity: "someone-else", leaseDurationSeconds: 3600 },
  } as KubeObject);
  const m = new Manager({
    client,
    plugins: [widgetPlugin()],
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 5,
    leaderElection: { leaseName: "ctl", identity: "me", retryPeriodMs: 10 },
  });
  await m.start();
  await m.idle();
  assert.equal(m.isLeader, false);
  assert.equal(client.creates.filter((a) => a.kind === "ConfigMap").length, 0);
  await m.stop();
});

Deno.test("Manager: owned-kind events enqueue the owner; mapped watches enqueue mapped keys", async () => {
  const client = new FakeClient([widget("a")]);
  const mapped: string[] = [];
  const plugin = widgetPlugin();
  plugin.watches = [{
    gvk: { apiVersion: "v1", kind: "Secret" },
    map: (o) => {
      const k = `ns/${o.metadata.labels?.widget}`;
      mapped.push(k);
      return [k];
    },
  }];
  let reconciles = 0;
  hooks.onReconcile = () => void reconciles++;
  const m = new Manager({
    client,
    plugins: [plugin],
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 5,
  });
  try {
    await m.start();
    await m.idle();
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "a" };
    await client.delete(ref);
    await m.idle();
    assert.ok(client.peek(ref), "the owner was reconciled and recreated its child");
    const before = reconciles;
    await client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: "ns", name: "s", labels: { widget: "a" } },
    });
    await m.idle();
    assert.deepEqual(mapped, ["ns/a"]);
    assert.ok(reconciles > before, "mapped key reconciled");
  } finally {
    hooks.onReconcile = undefined;
    await m.stop();
  }
});

Deno.test("Manager: reconcilers get a deep copy; the cache is never mutated", async () => {
  const client = new FakeClient([widget("a")]);
  hooks.onReconcile = (o) => {
    o.metadata.labels = { mutated: "yes" };
    (o.spec as Record<string, unknown> | undefined) ?? (o.spec = {});
    (o.spec as Record<string, unknown>).size = 99;
  };
  const m = new Manager({
    client,
    plugins: [widgetPlugin()],
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 5,
  });
  try {
    await m.start();
    await m.idle();
    const cached = m.stores.get("example.dev/v1/Widget")!.get("ns/a")!;
    assert.equal(cached.metadata.labels, undefined);
    assert.equal(cached.spec, undefined);
    assert.equal(
      client.updates.length,
      0,
      "spec changes by the reconciler are not written by the shell",
    );
  } finally {
    hooks.onReconcile = undefined;
    await m.stop();
  }
});

Deno.test("Leader election with only a lease name and identity uses the default timings", async () => {
  // The Manager passes unset timings through as explicit `undefined`; they must
  // fall back to the defaults, or every Lease call times out at once (NaN ms).
  const client = new FakeClient([widget("a")]);
  const m = new Manager({
    client,
    plugins: [widgetPlugin()],
    logger: nullLogger,
    resyncMs: 0,
    idleSettleMs: 5,
    leaderElection: { leaseName: "denative-controller", identity: "me" },
  });
  try {
    await m.start();
    await m.idle();
    assert.equal(ready(client, "a"), "True");
    const lease = client.peek({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: "knative-serving",
      name: "denative-controller",
    });
    const spec = lease?.spec as { holderIdentity?: string; leaseDurationSeconds?: number };
    assert.equal(spec.holderIdentity, "me");
    assert.equal(spec.leaseDurationSeconds, 15);
  } finally {
    await m.stop();
  }
});

Deno.test("Manager.stop waits for queued Event writes for at most eventFlushTimeoutMs", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    assert.equal(DEFAULT_EVENT_FLUSH_TIMEOUT_MS, 2_000);
    const client = new FakeClient(Array.from({ length: 40 }, (_, i) => widget(`w${i}`)));
    client.hang("create", "events"); // an API server that no longer answers Event writes
    let reconciled = 0;
    const plugin: ControllerPlugin = {
      name: "noisy",
      resource: { apiVersion: "example.dev/v1", kind: "Widget" },
      create: ({ recorder }) => ({
        reconcile(o) {
          reconciled++;
          recorder.event(o, "Normal", "Seen", `seen ${o.metadata.name}`);
          return Promise.resolve();
        },
      }),
    };
    const m = new Manager({
      client,
      plugins: [plugin],
      logger: nullLogger,
      resyncMs: 0,
      relistIntervalMs: 0,
      eventFlushTimeoutMs: 1_000,
    });
    await m.start();
    await clock.tickAsync(0);
    assert.equal(reconciled, 40);
    const eventCreates = () => client.creates.filter((a) => a.kind === "Event").length;
    const inFlight = eventCreates();
    assert.ok(
      inFlight > 1 && inFlight <= DEFAULT_EVENT_WRITE_CONCURRENCY,
      `at most one write in flight per lane (${inFlight})`,
    );
    assert.equal(m.recorder.pending, 40);
    let stopped = false;
    const stopping = m.stop().then(() => (stopped = true));
    await clock.tickAsync(999);
    assert.equal(stopped, false, "the backlog gets its grace period");
    await clock.tickAsync(1);
    assert.equal(stopped, true, "then stop returns, though writes still hang");
    await stopping;
    assert.equal(m.recorder.dropped, 40 - inFlight, "the rest are dropped");
    assert.equal(eventCreates(), inFlight, "no write started after");
    m.recorder.event(widget("late"), "Normal", "Late", "after stop");
    await clock.tickAsync(0);
    assert.equal(eventCreates(), inFlight, "nor any event after stop");
  } finally {
    clock.uninstall();
  }
});
