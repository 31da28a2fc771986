import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  FakeClient,
  isTimeout,
  LeaderElector,
  Manager,
  nullLogger,
  withDeadline,
} from "../../runtime/mod.ts";
import { widget, widgetPlugin } from "./widget_plugin.ts";

const LEASE = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  namespace: "knative-serving",
  name: "ctl",
};

Deno.test("Leader election: a hung Lease request cannot outlive the renew deadline", async (t) => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    await t.step("withDeadline rejects with Timeout and clears its timer", async () => {
      const hung = new Promise<never>(() => {});
      const p = withDeadline(hung, 1_000, "get lease");
      const seen = p.then(() => "resolved", (e) => e);
      await clock.tickAsync(999);
      assert.equal(clock.countTimers(), 1);
      await clock.tickAsync(1);
      const e = await seen;
      assert.ok(isTimeout(e), String(e));
      assert.equal(clock.countTimers(), 0);
      assert.equal(await withDeadline(Promise.resolve(7), 1_000, "x"), 7);
      assert.equal(clock.countTimers(), 0, "a settled call leaves no timer");
      const ac = new AbortController();
      const aborted = withDeadline(hung, 60_000, "x", ac.signal).catch((err) => err);
      ac.abort();
      assert.ok(isTimeout(await aborted));
      assert.equal(clock.countTimers(), 0);
    });

    await t.step(
      "Manager: renew hangs → step down at the deadline, stop writes, onLeadershipLost",
      async () => {
        const client = new FakeClient([widget("a")]);
        let lost = 0;
        const m = new Manager({
          client,
          plugins: [widgetPlugin()],
          logger: nullLogger,
          resyncMs: 0,
          idleSettleMs: 5,
          leaderElection: {
            leaseName: "ctl",
            identity: "me",
            leaseDurationMs: 15_000,
            renewDeadlineMs: 10_000,
            retryPeriodMs: 2_000,
          },
          onLeadershipLost: () => void lost++,
        });
        await m.start();
        await clock.tickAsync(100);
        assert.ok(m.isLeader);
        assert.ok(client.statusUpdates.length > 0, "the leader reconciled and wrote status");
        const restore = [client.hang("update", "leases"), client.hang("get", "leases")];
        const hungAt = Date.now();
        await clock.tickAsync(9_800);
        assert.ok(m.isLeader, "still within the renew deadline");
        assert.equal(lost, 0);
        await clock.tickAsync(hungAt + 10_000 - Date.now() + 2);
        assert.ok(!m.isLeader, "stepped down at the renew deadline although the call hangs");
        assert.equal(lost, 1);
        const writes = client.statusUpdates.length + client.creates.length;
        const w = client.peek({ ...widget("a"), namespace: "ns", name: "a" })!;
        await client.update({ ...w, spec: { size: 3 } });
        await clock.tickAsync(1_000);
        assert.equal(
          client.statusUpdates.length + client.creates.length,
          writes,
          "no writes after losing the lease",
        );
        // The elector keeps trying, each hung call bounded by its own request timeout.
        const gets = client.actions.filter((a) => a.verb === "get").length;
        await clock.tickAsync(30_000);
        assert.ok(
          client.actions.filter((a) => a.verb === "get").length > gets,
          "hung attempts are abandoned and retried",
        );
        for (const r of restore) r();
        await clock.tickAsync(20_000);
        assert.ok(m.isLeader, "re-acquired once the API answers again");
        assert.equal(
          (client.peek(LEASE)!.spec as { holderIdentity: string }).holderIdentity,
          "me",
        );
        const stopping = m.stop();
        await clock.tickAsync(100);
        await stopping;
        assert.equal((client.peek(LEASE)!.spec as { holderIdentity: string }).holderIdentity, "");
      },
    );

    await t.step(
      "a hung acquire is abandoned after the request timeout; stop is prompt",
      async () => {
        const client = new FakeClient();
        const restore = client.hang("get", "leases");
        const e = new LeaderElector({
          client,
          namespace: "ns",
          leaseName: "l",
          identity: "a",
          renewDeadlineMs: 10_000,
          retryPeriodMs: 2_000,
        });
        e.start();
        await clock.tickAsync(4_999);
        assert.equal(client.actions.length, 1, "first get still pending");
        await clock.tickAsync(1);
        await clock.tickAsync(2_400);
        assert.equal(client.actions.length, 2, "abandoned at 5 s (renewDeadline/2), retried");
        restore();
        await clock.tickAsync(10_000);
        assert.ok(e.isLeader);
        client.hang("*", "leases");
        const stopping = e.stop();
        await clock.tickAsync(5_000);
        await stopping;
        assert.ok(!e.isLeader);
      },
    );
  } finally {
    clock.uninstall();
  }
});
