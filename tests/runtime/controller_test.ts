import assert from "node:assert/strict";
import { conflict, type KubeObject } from "../../runtime/mod.ts";
import {
  withCondition,
  withDeletionTimestamp,
  withFinalizers,
  withLabels,
  withObservedGeneration,
  withSpec,
} from "../builders.ts";
import { failOnce, induceFailure, runTableRow, tableTest } from "../table.ts";
import { child, widget, widgetPlugin } from "./widget_plugin.ts";

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
