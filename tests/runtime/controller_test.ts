import assert from "node:assert/strict";
import {
  ConfigStore,
  conflict,
  Controller,
  type ControllerPlugin,
  FakeClient,
  type KubeObject,
  nullLogger,
  RecordingEventRecorder,
  Store,
} from "../../runtime/mod.ts";
import {
  object,
  withCondition,
  withDeletionTimestamp,
  withFinalizers,
  withLabels,
  withObservedGeneration,
  withSpec,
} from "../builders.ts";
import { failOnce, induceFailure, runTableRow, tableTest } from "../table.ts";
import { child, WIDGET, widget, widgetPlugin } from "./widget_plugin.ts";

const MSG = "waiting for the child";
const creating = [
  withObservedGeneration(1),
  withCondition({ type: "ChildReady", status: "Unknown", reason: "Creating", message: MSG }),
  withCondition({ type: "Ready", status: "Unknown", reason: "Creating", message: MSG }),
];
const ready = [
  withObservedGeneration(1),
  withCondition({ type: "ChildReady", status: "True" }),
  withCondition({ type: "Ready", status: "True" }),
];
const readyWidget = (...o: ((x: KubeObject) => void)[]) => widget("w", ...ready, ...o);

tableTest(widgetPlugin(), [
  {
    name: "missing key is a no-op",
    key: "ns/none",
  },
  {
    name: "first reconcile creates the child and initialises status",
    key: "ns/w",
    objects: [widget("w")],
    wantCreates: [child(widget("w"))],
    wantStatusUpdates: [widget("w", ...creating)],
  },
  {
    name: "steady state writes nothing",
    key: "ns/w",
    objects: [readyWidget(), child(widget("w"))],
  },
  {
    name: "a new generation is observed and status updated",
    key: "ns/w",
    objects: [readyWidget((o) => (o.metadata.generation = 2)), child(widget("w"))],
    wantStatusUpdates: [readyWidget((o) => (o.metadata.generation = 2), withObservedGeneration(2))],
  },
  {
    name: "objects rejected by the filter are skipped",
    key: "ns/w",
    objects: [widget("w", withLabels({ skip: "true" }))],
  },
  {
    name: "non-leaders do not write",
    key: "ns/w",
    objects: [widget("w")],
    notLeader: true,
  },
  {
    name: "transient error: event, status still written, retried",
    key: "ns/w",
    objects: [widget("w")],
    reactors: [induceFailure("create", "configmaps", new Error("boom"))],
    wantErr: true,
    wantPermanent: false,
    wantCreates: [child(widget("w"))],
    wantStatusUpdates: [
      widget(
        "w",
        withObservedGeneration(1),
        withCondition({ type: "ChildReady", status: "Unknown" }),
        withCondition({
          type: "Ready",
          status: "Unknown",
          reason: "NewObservedGenFailure",
          message: "unsuccessfully observed a new generation",
        }),
      ),
    ],
    wantEvents: ['Warning InternalError Cannot create configmap "w": boom'],
  },
  {
    name: "permanent error: False condition and Warning event, no retry",
    key: "ns/w",
    objects: [widget("w", withSpec({ bad: true }))],
    wantErr: true,
    wantPermanent: true,
    wantStatusUpdates: [
      widget(
        "w",
        withSpec({ bad: true }),
        withObservedGeneration(1),
        withCondition({
          type: "ChildReady",
          status: "False",
          reason: "BadSize",
          message: "size must be positive",
        }),
        withCondition({
          type: "Ready",
          status: "False",
          reason: "BadSize",
          message: "size must be positive",
        }),
      ),
    ],
    wantEvents: ["Warning BadSize size must be positive"],
  },
  {
    name: "requeueAfter is returned",
    key: "ns/w",
    objects: [readyWidget(withSpec({ requeue: 5000 })), child(widget("w"))],
    wantRequeueAfter: 5000,
  },
  {
    name: "status write conflict is retried with a fresh read",
    key: "ns/w",
    objects: [widget("w")],
    reactors: [failOnce("update", "widgets/status", conflict("widgets", "w"))],
    wantCreates: [child(widget("w"))],
    wantStatusUpdates: [widget("w", ...creating), widget("w", ...creating)],
  },
  {
    name: "status write failing for good: UpdateFailed event and error",
    key: "ns/w",
    objects: [widget("w")],
    reactors: [induceFailure("update", "widgets/status", new Error("disk full"))],
    wantErr: true,
    wantCreates: [child(widget("w"))],
    wantStatusUpdates: [widget("w", ...creating)],
    wantEvents: ['Warning UpdateFailed Failed to update status for "w": disk full'],
  },
]);

tableTest(widgetPlugin({ finalizer: "widgets.example.dev" }), [
  {
    name: "finalizer is added before reconciling",
    key: "ns/w",
    objects: [readyWidget(), child(widget("w"))],
    wantPatches: [{
      name: "w",
      patchType: "merge",
      patch: { metadata: { finalizers: ["widgets.example.dev"], resourceVersion: "1" } },
    }],
  },
  {
    name: "deleting: finalize, then remove only our finalizer",
    key: "ns/w",
    objects: [readyWidget(withFinalizers("other", "widgets.example.dev"), withDeletionTimestamp())],
    wantPatches: [{
      name: "w",
      patch: { metadata: { finalizers: ["other"], resourceVersion: "1" } },
    }],
    check: (c) => {
      assert.deepEqual(
        c.peek({ ...widget("w"), namespace: "ns", name: "w" })?.metadata.finalizers,
        ["other"],
      );
    },
  },
  {
    name: "deleting without our finalizer does nothing",
    key: "ns/w",
    objects: [readyWidget(withFinalizers("other"), withDeletionTimestamp())],
  },
]);

/**
 * A secondary controller on Widgets (like the labeler on Routes): it owns no
 * status. `touch` makes it change the status anyway; `fail` makes it throw.
 */
function observerPlugin(opts: { finalizer?: string } = {}): ControllerPlugin {
  return {
    name: "observer",
    resource: WIDGET,
    writesStatus: false,
    finalizer: opts.finalizer,
    create: ({ client, recorder }) => ({
      async reconcile(w) {
        const spec = (w.spec ?? {}) as { touch?: boolean; fail?: boolean };
        if (spec.touch) (w.status as Record<string, unknown>).touched = true;
        if (spec.fail) throw new Error("observer failed");
        recorder.event(w, "Normal", "Observed", `observed ${w.metadata.name}`);
        await client.create(object("v1", "ConfigMap", "ns", `seen-${w.metadata.name}`));
      },
    }),
  };
}

const observed = (name: string) => `Normal Observed observed ${name}`;
const seen = (name: string) => object("v1", "ConfigMap", "ns", `seen-${name}`);
/** A widget whose new generation its own controller has not observed yet. */
const unobserved = (...o: ((x: KubeObject) => void)[]) =>
  readyWidget((x) => (x.metadata.generation = 2), ...o);
const noStatusWrites = (c: FakeClient) => assert.equal(c.statusUpdates.length, 0);

tableTest(observerPlugin(), [
  {
    name: "writesStatus false: no status write, not even observedGeneration",
    key: "ns/w",
    objects: [unobserved()],
    wantCreates: [seen("w")],
    wantEvents: [observed("w")],
    check: noStatusWrites,
  },
  {
    name: "writesStatus false: status changes made by the reconciler are discarded",
    key: "ns/w",
    objects: [unobserved(withSpec({ touch: true }))],
    wantCreates: [seen("w")],
    wantEvents: [observed("w")],
    check: noStatusWrites,
  },
  {
    name: "writesStatus false: errors are still reported and retried",
    key: "ns/w",
    objects: [unobserved(withSpec({ fail: true }))],
    wantErr: true,
    wantEvents: ["Warning InternalError observer failed"],
    check: noStatusWrites,
  },
]);

tableTest(observerPlugin({ finalizer: "observer.example.dev" }), [
  {
    name: "writesStatus false: the finalizer is still added",
    key: "ns/w",
    objects: [unobserved()],
    wantPatches: [{
      name: "w",
      patch: { metadata: { finalizers: ["observer.example.dev"], resourceVersion: "1" } },
    }],
    wantCreates: [seen("w")],
    wantEvents: [observed("w")],
    check: noStatusWrites,
  },
]);

Deno.test("writesStatus false with conditions is rejected", () => {
  const store = new Store();
  assert.throws(
    () =>
      new Controller({
        plugin: { ...observerPlugin(), conditions: { happy: "Ready", dependents: [] } },
        client: new FakeClient(),
        store,
        stores: new Map([["example.dev/v1/Widget", store.view]]),
        recorder: new RecordingEventRecorder(),
        config: new ConfigStore([]),
        logger: nullLogger,
      }),
    /declares conditions but writesStatus: false/,
  );
});

Deno.test("table harness fails on extra and missing actions", async (t) => {
  await t.step("extra create", async () => {
    await assert.rejects(
      runTableRow(widgetPlugin(), {
        name: "x",
        key: "ns/w",
        objects: [widget("w")],
        wantStatusUpdates: [widget("w", ...creating)],
      }),
      /Extra create/,
    );
  });
  await t.step("missing status update", async () => {
    await assert.rejects(
      runTableRow(widgetPlugin(), {
        name: "x",
        key: "ns/w",
        objects: [readyWidget(), child(widget("w"))],
        wantStatusUpdates: [readyWidget()],
      }),
      /Missing status update/,
    );
  });
  await t.step("unexpected event", async () => {
    await assert.rejects(
      runTableRow(widgetPlugin(), {
        name: "x",
        key: "ns/w",
        objects: [widget("w", withSpec({ bad: true }))],
        wantErr: true,
        wantStatusUpdates: [],
      }),
      /Extra status update|Extra event/,
    );
  });
});
