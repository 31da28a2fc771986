import assert from "node:assert/strict";
import {
  ConditionSet,
  type DuckStatus,
  formatTime,
  groomTransitionTimes,
} from "../../runtime/mod.ts";

const set = new ConditionSet({ happy: "Ready", dependents: ["A", "B"] });
let t = 0;
const clock = () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++));
const strip = (s: DuckStatus) =>
  (s.conditions ?? []).map((c) =>
    `${c.type}=${c.status}${c.reason ? "/" + c.reason : ""}${c.severity ? "!" + c.severity : ""}`
  );

Deno.test("ConditionSet (Knative semantics)", async (tt) => {
  const rows: {
    name: string;
    ops: (m: ReturnType<typeof set.manage>) => void;
    want: string[];
    start?: DuckStatus;
  }[] = [
    {
      name: "initialize adds Ready and dependents Unknown",
      ops: (m) => m.initialize(),
      want: ["A=Unknown", "B=Unknown", "Ready=Unknown"],
    },
    {
      name: "initialize with Ready True adds dependents True",
      start: { conditions: [{ type: "Ready", status: "True" }] },
      ops: (m) => m.initialize(),
      want: ["A=True", "B=True", "Ready=True"],
    },
    {
      name: "markTrue on one dependent leaves Ready Unknown",
      ops: (m) => {
        m.initialize();
        m.markTrue("A");
      },
      want: ["A=True", "B=Unknown", "Ready=Unknown"],
    },
    {
      name: "all dependents True makes Ready True",
      ops: (m) => {
        m.initialize();
        m.markTrue("A");
        m.markTrue("B");
      },
      want: ["A=True", "B=True", "Ready=True"],
    },
    {
      name: "missing dependent counts as Unknown",
      ops: (m) => m.markTrue("A"),
      want: ["A=True", "Ready=Unknown"],
    },
    {
      name: "markFalse on a dependent makes Ready False with its reason",
      ops: (m) => {
        m.initialize();
        m.markFalse("A", "Broken", "it broke");
      },
      want: ["A=False/Broken", "B=Unknown", "Ready=False/Broken"],
    },
    {
      name: "False trumps Unknown on recompute",
      ops: (m) => {
        m.initialize();
        m.markFalse("A", "Broken", "x");
        m.markTrue("B");
      },
      want: ["A=False/Broken", "B=True", "Ready=False/Broken"],
    },
    {
      name: "markUnknown with a False dependent keeps Ready False",
      ops: (m) => {
        m.initialize();
        m.markFalse("A", "Broken", "x");
        m.markUnknown("B", "Waiting", "y");
      },
      want: ["A=False/Broken", "B=Unknown/Waiting", "Ready=False/Broken"],
    },
    {
      name: "markUnknown on a dependent propagates to Ready",
      ops: (m) => {
        m.markTrue("A");
        m.markTrue("B");
        m.markUnknown("B", "Waiting", "y");
      },
      want: ["A=True", "B=Unknown/Waiting", "Ready=Unknown/Waiting"],
    },
    {
      name: "non-dependents get Info severity and never affect Ready",
      ops: (m) => {
        m.markTrue("A");
        m.markTrue("B");
        m.markFalse("Active", "Idle", "scaled to zero");
      },
      want: ["A=True", "Active=False/Idle!Info", "B=True", "Ready=True"],
    },
    {
      name: "markFalse on Ready does not touch dependents",
      ops: (m) => {
        m.markTrue("A");
        m.markTrue("B");
        m.markFalse("Ready", "NewObservedGenFailure", "x");
      },
      want: ["A=True", "B=True", "Ready=False/NewObservedGenFailure"],
    },
  ];
  for (const r of rows) {
    await tt.step(r.name, () => {
      const s: DuckStatus = structuredClone(r.start ?? {});
      r.ops(set.manage(s, clock));
      assert.deepEqual(strip(s), r.want);
    });
  }

  await tt.step("most recent False dependent wins", () => {
    const s: DuckStatus = {};
    const m = set.manage(s, clock);
    m.markFalse("A", "First", "a");
    m.markFalse("B", "Second", "b");
    m.markTrue("Other");
    assert.equal(m.topLevel()?.reason, "Second");
  });

  await tt.step("no dependents: markTrue of anything sets Ready True", () => {
    const s: DuckStatus = {};
    new ConditionSet({ happy: "Ready", dependents: [] }).manage(s, clock).markTrue("Foo");
    assert.deepEqual(strip(s), ["Foo=True!Info", "Ready=True"]);
  });

  await tt.step("lastTransitionTime changes only when content changes", () => {
    const s: DuckStatus = {};
    const m = set.manage(s, clock);
    m.markTrue("A");
    const first = m.get("A")!.lastTransitionTime;
    m.markTrue("A");
    assert.equal(m.get("A")!.lastTransitionTime, first);
    m.markFalse("A", "R", "m");
    assert.notEqual(m.get("A")!.lastTransitionTime, first);
  });

  await tt.step("terminal conditions cannot be cleared; others can", () => {
    const s: DuckStatus = {};
    const m = set.manage(s, clock);
    m.markTrue("Active");
    assert.throws(() => m.clear("A"));
    m.clear("Active");
    assert.equal(m.get("Active"), undefined);
  });

  await tt.step("groomTransitionTimes keeps old times of unchanged conditions", () => {
    const old: DuckStatus = {
      conditions: [{ type: "A", status: "True", lastTransitionTime: "old" }, {
        type: "B",
        status: "True",
        lastTransitionTime: "old",
      }],
    };
    const next: DuckStatus = {
      conditions: [{ type: "A", status: "True", lastTransitionTime: "x" }, {
        type: "B",
        status: "False",
        lastTransitionTime: "y",
      }],
    };
    const now = new Date("2026-02-02T00:00:00.123Z");
    groomTransitionTimes(old, next, now);
    assert.equal(next.conditions![0].lastTransitionTime, "old");
    assert.equal(next.conditions![1].lastTransitionTime, formatTime(now));
    assert.equal(formatTime(now), "2026-02-02T00:00:00Z");
  });
});
