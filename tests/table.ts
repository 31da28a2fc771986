/**
 * The reconciler table-test harness (Knative TableTest style). Each row seeds
 * a {@link FakeClient} and the caches from `objects`, installs reactors, runs
 * the real reconciler shell around the plugin once for `key`, and compares the
 * exact creates, updates, status updates, patches, deletes and events in order
 * (condition `lastTransitionTime` ignored; server-set metadata ignored unless
 * the expected object sets it). Anything extra fails the row.
 *
 * @example
 * ```ts
 * import { failOnce, tableTest } from "../table.ts";
 * import { conflict } from "../../runtime/mod.ts";
 *
 * tableTest(myPlugin, [
 *   {
 *     name: "first reconcile creates the child and initialises status",
 *     key: "ns/foo",
 *     objects: [foo()],
 *     wantCreates: [child("ns", "foo")],
 *     wantStatusUpdates: [foo(withObservedGeneration(1), withCondition(ready("Unknown")))],
 *   },
 *   {
 *     name: "status write conflict is retried with a fresh read",
 *     key: "ns/foo",
 *     objects: [foo(), child("ns", "foo")],
 *     reactors: [failOnce("update", "foos/status", conflict("foos", "foo"))],
 *     wantStatusUpdates: [readyFoo(), readyFoo()],
 *   },
 *   {
 *     name: "child creation fails",
 *     key: "ns/foo",
 *     objects: [foo()],
 *     reactors: [failOnce("create", "children", new Error("boom"))],
 *     wantErr: true,
 *     wantCreates: [child("ns", "foo")],
 *     wantStatusUpdates: [foo(withObservedGeneration(1), withCondition(ready("Unknown")))],
 *     wantEvents: ["Warning InternalError boom"],
 *   },
 * ]);
 * ```
 * @module
 */
import assert from "node:assert/strict";
import {
  type Action,
  canonical,
  ConfigStore,
  Controller,
  type ControllerPlugin,
  FakeClient,
  type GroupVersionKind,
  type KubeObject,
  nullLogger,
  type PatchType,
  type Reactor,
  RecordingEventRecorder,
  type ShellOutcome,
  Store,
  storeKey,
  type StoreView,
  type Verb,
} from "../runtime/mod.ts";

/** A reactor to install before the row runs. */
export interface ReactorSpec {
  /** Verb to match (`*` for any). */
  verb: Verb | "*";
  /** Resource to match, e.g. `revisions`, `revisions/status`, `Deployment`, `*`. */
  resource: string;
  /** The reactor. */
  fn: Reactor;
}

/** Fails the first matching call with `error`. */
export function failOnce(verb: Verb | "*", resource: string, error: Error): ReactorSpec {
  let used = false;
  return {
    verb,
    resource,
    fn: () => {
      if (used) return undefined;
      used = true;
      return { error };
    },
  };
}

/** Fails every matching call with `error` (default: a generic inducing error). */
export function induceFailure(verb: Verb | "*", resource: string, error?: Error): ReactorSpec {
  return {
    verb,
    resource,
    fn: (a) => ({ error: error ?? new Error(`inducing failure for ${a.verb} ${a.resource}`) }),
  };
}

/** An expected patch. Fields left out are not compared. */
export interface PatchExpectation {
  /** Namespace. */
  namespace?: string;
  /** Name. */
  name: string;
  /** Kind. */
  kind?: string;
  /** Patch type. */
  patchType?: PatchType;
  /** Subresource. */
  subresource?: string;
  /** The patch body. */
  patch?: unknown;
}

/** An expected delete. */
export interface DeleteExpectation {
  /** Kind. */
  kind: string;
  /** apiVersion (not compared when absent). */
  apiVersion?: string;
  /** Namespace. */
  namespace?: string;
  /** Name. */
  name: string;
}

/** One row. */
export interface TableRow {
  /** Spec-style name. */
  name: string;
  /** The key to reconcile (`namespace/name`). */
  key: string;
  /** Objects in the API and the caches. */
  objects?: KubeObject[];
  /** Reactors (failures) to install. */
  reactors?: ReactorSpec[];
  /** Parsed config values by config-map name. */
  config?: Record<string, unknown>;
  /** Clock (default 2026-01-01T00:00:00Z). */
  now?: Date;
  /** Run as a non-leader. */
  notLeader?: boolean;
  /** Expect an error outcome. */
  wantErr?: boolean;
  /** Expect the error to be permanent. */
  wantPermanent?: boolean;
  /** Expect `requeueAfter` this many ms. */
  wantRequeueAfter?: number;
  /** Expected create request bodies. */
  wantCreates?: KubeObject[];
  /** Expected update request bodies. */
  wantUpdates?: KubeObject[];
  /** Expected status update request bodies. */
  wantStatusUpdates?: KubeObject[];
  /** Expected patches. */
  wantPatches?: PatchExpectation[];
  /** Expected deletes. */
  wantDeletes?: DeleteExpectation[];
  /** Expected events as `"Type Reason Message"`. */
  wantEvents?: string[];
  /** Extra checks on the client after the run. */
  check?: (client: FakeClient, outcome: ShellOutcome) => void | Promise<void>;
}

/** Options shared by all rows. */
export interface TableOptions {
  /** Config for every row (rows override by name). */
  config?: Record<string, unknown>;
}

/** The result of one row, for callers that check more. */
export interface RowResult {
  /** The fake client (inspect `actions`). */
  client: FakeClient;
  /** The shell's outcome. */
  outcome: ShellOutcome;
  /** Recorded events. */
  events: string[];
}

const VOLATILE_META = [
  "resourceVersion",
  "uid",
  "creationTimestamp",
  "generation",
  "managedFields",
];

function normalise(actual: unknown, expected: unknown): unknown {
  const a = structuredClone(actual) as KubeObject;
  const e = expected as KubeObject;
  if (a?.metadata && e?.metadata) {
    for (const f of VOLATILE_META) {
      if (!(f in e.metadata)) delete (a.metadata as Record<string, unknown>)[f];
    }
  }
  return canonical(stripTimes(a));
}

function stripTimes<T>(o: T): T {
  const st = (o as KubeObject)?.status as { conditions?: { lastTransitionTime?: string }[] };
  for (const c of st?.conditions ?? []) delete c.lastTransitionTime;
  return o;
}

function describe(o: unknown): string {
  return JSON.stringify(o, null, 1);
}

function compareList(what: string, got: unknown[], want: unknown[]): void {
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (i >= want.length) assert.fail(`Extra ${what}: ${describe(got[i])}`);
    if (i >= got.length) assert.fail(`Missing ${what}: ${describe(want[i])}`);
    assert.deepStrictEqual(got[i], want[i], `Unexpected ${what} #${i} (actual vs expected)`);
  }
}

function kindsOf(plugin: ControllerPlugin): GroupVersionKind[] {
  return [plugin.resource, ...(plugin.owns ?? []), ...(plugin.watches ?? []).map((w) => w.gvk)];
}

/** Runs one row and asserts its expectations. */
export async function runTableRow(
  // deno-lint-ignore no-explicit-any
  plugin: ControllerPlugin<any>,
  row: TableRow,
  opts: TableOptions = {},
): Promise<RowResult> {
  const now = row.now ?? new Date("2026-01-01T00:00:00Z");
  const client = new FakeClient(row.objects ?? [], { now: () => now });
  const stores = new Map<string, Store>();
  const views = new Map<string, StoreView>();
  const kinds = kindsOf(plugin);
  for (const o of row.objects ?? []) {
    if (!kinds.some((g) => g.apiVersion === o.apiVersion && g.kind === o.kind)) {
      kinds.push({ apiVersion: o.apiVersion, kind: o.kind });
    }
  }
  for (const g of kinds) {
    const k = storeKey(g);
    if (stores.has(k)) continue;
    const s = new Store();
    s.replace(client.all(g.apiVersion, g.kind));
    s.markSynced();
    stores.set(k, s);
    views.set(k, s.view);
  }
  for (const r of [...(row.reactors ?? [])].reverse()) {
    client.prependReactor(r.verb, r.resource, r.fn);
  }
  const config = new ConfigStore([]);
  for (const [k, v] of Object.entries({ ...opts.config, ...row.config })) config.set(k, v);
  const recorder = new RecordingEventRecorder();
  const controller = new Controller({
    plugin,
    client,
    store: stores.get(storeKey(plugin.resource))!,
    stores: views,
    recorder,
    logger: nullLogger,
    config,
    now: () => now,
    isLeader: () => !row.notLeader,
  });
  const outcome = await controller.reconcileKey(row.key);

  const isErr = outcome.kind === "error";
  if (!!row.wantErr !== isErr) {
    assert.fail(
      isErr
        ? `unexpected error: ${(outcome as { error: unknown }).error}`
        : `wanted an error, got ${outcome.kind}`,
    );
  }
  if (row.wantPermanent !== undefined) {
    assert.equal(isErr && outcome.permanent, row.wantPermanent, "permanent error");
  }
  assert.equal(
    outcome.kind === "requeueAfter" ? outcome.ms : undefined,
    row.wantRequeueAfter,
    "requeueAfter",
  );

  const body = (list: Action[], want: KubeObject[] = []) =>
    list.map((a, i) => normalise(a.object, want[i]));
  compareList(
    "create",
    body(client.creates, row.wantCreates),
    (row.wantCreates ?? []).map((w) => normalise(w, w)),
  );
  compareList(
    "update",
    body(client.updates, row.wantUpdates),
    (row.wantUpdates ?? []).map((w) => normalise(w, w)),
  );
  compareList(
    "status update",
    body(client.statusUpdates, row.wantStatusUpdates),
    (row.wantStatusUpdates ?? []).map((w) => normalise(w, w)),
  );
  const wantPatches = row.wantPatches ?? [];
  compareList(
    "patch",
    client.patches.map((a, i) => {
      const w = wantPatches[i] ?? {};
      const got: Record<string, unknown> = { name: a.name };
      if ("namespace" in w) got.namespace = a.namespace;
      if ("kind" in w) got.kind = a.kind;
      if ("patchType" in w) got.patchType = a.patchType;
      if ("subresource" in w) got.subresource = a.subresource;
      if ("patch" in w) got.patch = canonical(a.patch);
      return canonical(got);
    }),
    wantPatches.map((w) =>
      canonical({ ...w, patch: w.patch === undefined ? undefined : canonical(w.patch) })
    ),
  );
  const wantDeletes = row.wantDeletes ?? [];
  compareList(
    "delete",
    client.deletes.map((a, i) =>
      canonical({
        kind: a.kind,
        namespace: a.namespace,
        name: a.name,
        apiVersion: wantDeletes[i]?.apiVersion === undefined ? undefined : a.apiVersion,
      })
    ),
    wantDeletes.map((d) => canonical({ ...d })),
  );
  compareList("event", recorder.events, row.wantEvents ?? []);
  await row.check?.(client, outcome);
  return { client, outcome, events: recorder.events };
}

/**
 * Registers one `Deno.test` named after the plugin with a step per row.
 */
export function tableTest(
  // deno-lint-ignore no-explicit-any
  plugin: ControllerPlugin<any>,
  rows: TableRow[],
  opts: TableOptions = {},
): void {
  Deno.test(`${plugin.name} reconciler`, async (t) => {
    for (const row of rows) {
      await t.step(row.name, async () => {
        await runTableRow(plugin, row, opts);
      });
    }
  });
}
