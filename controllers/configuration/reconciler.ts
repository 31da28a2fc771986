/**
 * The Configuration reconciler (KNATIVE.md §4): stamps a Revision per
 * generation and tracks latestCreated/latestReady.
 * @module
 */
import type { Configuration, Revision } from "../../apis/mod.ts";
import {
  CONFIGURATION_GENERATION_LABEL,
  CONFIGURATION_LABEL,
  configurationConditionSet,
  isReady,
} from "../../apis/mod.ts";
import {
  type ConditionManager,
  ConditionSet,
  type DuckStatus,
  INDEX_OWNER,
  isAlreadyExists,
  type Reconciler,
  type ReconcilerDeps,
} from "../../runtime/mod.ts";
import { gvkKey, isControlledBy, jsonEqual, lookup } from "../names.ts";
import { makeRevision, revisionNameFor } from "./resources.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** The Configuration condition set (Ready only). */
export const configurationConditions = new ConditionSet({
  happy: configurationConditionSet.happy,
  dependents: [...configurationConditionSet.dependents],
});

const REVISION_GVK = { apiVersion: "serving.knative.dev/v1", kind: "Revision" };

/** Ready=False RevisionFailed "Revision creation failed with message: …". */
function markRevisionCreationFailed(cm: ConditionManager, msg: string) {
  cm.markFalse("Ready", "RevisionFailed", `Revision creation failed with message: ${msg}.`);
}

/** Creates the Configuration reconciler. */
export function createConfigurationReconciler(
  deps: ReconcilerDeps,
): Reconciler<Configuration> {
  const { client, recorder } = deps;

  /** Revisions of this Configuration: from the cache's owner index, else a labelled list. */
  async function listRevisions(config: Configuration): Promise<Revision[]> {
    const ns = config.metadata.namespace;
    const name = config.metadata.name ?? "";
    const store = deps.stores.get(gvkKey(REVISION_GVK));
    const mine = (r: Readonly<Revision> | Revision) =>
      r.metadata.namespace === ns && r.metadata.labels?.[CONFIGURATION_LABEL] === name;
    if (store) {
      return store.byIndex(INDEX_OWNER, config.metadata.uid ?? "")
        .filter((r) => mine(r as Revision))
        .map((r) => deepCopy(r) as Revision);
    }
    const list = await client.list<Revision>({ ...REVISION_GVK, namespace: ns }, {
      labelSelector: `${CONFIGURATION_LABEL}=${name}`,
    });
    return list.items.filter(mine);
  }

  /** Finds the revision of the current generation; AlreadyExists-style conflict → message. */
  async function latestCreatedRevision(
    config: Configuration,
  ): Promise<{ rev?: Revision; conflict?: string }> {
    const byo = config.spec.template.metadata?.name;
    if (byo) {
      const rev = await lookup<Revision>(deps, REVISION_GVK, config.metadata.namespace, byo);
      if (!rev) return {};
      const sameGen = rev.metadata.labels?.[CONFIGURATION_GENERATION_LABEL] ===
        String(config.metadata.generation);
      if (
        isControlledBy(rev, config) && (sameGen || jsonEqual(rev.spec, config.spec.template.spec))
      ) {
        return { rev };
      }
      return { conflict: `revisions.serving.knative.dev ${JSON.stringify(byo)} already exists` };
    }
    const gen = String(config.metadata.generation ?? 0);
    const revs = (await listRevisions(config)).filter((r) =>
      r.metadata.labels?.[CONFIGURATION_GENERATION_LABEL] === gen
    );
    return { rev: revs[0] };
  }

  async function createRevision(config: Configuration, cm: ConditionManager): Promise<Revision> {
    const desired = makeRevision(config, deps.now());
    try {
      const rev = await client.create(desired);
      recorder.event(
        config,
        "Normal",
        "Created",
        `Created Revision ${JSON.stringify(desired.metadata.name)}`,
      );
      return rev;
    } catch (e) {
      if (isAlreadyExists(e)) throw e; // the cache is behind; retry
      const msg = (e as Error).message;
      recorder.event(config, "Warning", "CreationFailed", `Failed to create Revision: ${msg}`);
      markRevisionCreationFailed(cm, msg);
      throw new Error(`failed to create Revision: ${msg}`, { cause: e });
    }
  }

  function setLatestCreated(config: Configuration, name: string, cm: ConditionManager) {
    const st = config.status ??= {};
    st.latestCreatedRevisionName = name;
    if (st.latestReadyRevisionName !== name) cm.markUnknown("Ready", "", "");
  }

  function propagateLatestCreated(config: Configuration, lcr: Revision, cm: ConditionManager) {
    const rc = lcr.status?.conditions?.find((c) => c.type === "Ready");
    const st = config.status ??= {};
    if (rc?.status === "True") {
      if (!st.latestReadyRevisionName) {
        recorder.event(config, "Normal", "ConfigurationReady", "Configuration becomes ready");
      }
    } else if (rc?.status === "False") {
      const before = deepCopy(cm.get("Ready"));
      cm.markFalse(
        "Ready",
        "RevisionFailed",
        `Revision ${JSON.stringify(lcr.metadata.name)} failed with message: ${rc.message ?? ""}.`,
      );
      const after = cm.get("Ready");
      if (
        before?.reason !== after?.reason || before?.message !== after?.message ||
        before?.status !== after?.status
      ) {
        if (lcr.metadata.name === st.latestReadyRevisionName) {
          recorder.event(
            config,
            "Warning",
            "LatestReadyFailed",
            `Latest ready revision ${JSON.stringify(lcr.metadata.name)} has failed`,
          );
        } else {
          recorder.event(
            config,
            "Warning",
            "LatestCreatedFailed",
            `Latest created revision ${JSON.stringify(lcr.metadata.name)} has failed`,
          );
        }
      }
    }
  }

  async function findLatestReady(config: Configuration, cm: ConditionManager) {
    const st = config.status ??= {};
    const byo = config.spec.template.metadata?.name;
    const gen = (r: Revision) =>
      Number.parseInt(r.metadata.labels?.[CONFIGURATION_GENERATION_LABEL] ?? "0", 10) || 0;
    const revs = (await listRevisions(config)).filter((r) => isControlledBy(r, config));
    revs.sort((a, b) => {
      if (byo && a.metadata.name === byo) return -1;
      if (byo && b.metadata.name === byo) return 1;
      return gen(b) - gen(a);
    });
    const ready = revs.find((r) => isReady(r));
    if (ready) {
      const old = st.latestReadyRevisionName;
      st.latestReadyRevisionName = ready.metadata.name;
      if (old !== ready.metadata.name) {
        recorder.event(
          config,
          "Normal",
          "LatestReadyUpdate",
          `LatestReadyRevisionName updated to ${JSON.stringify(ready.metadata.name)}`,
        );
      }
      if (st.latestReadyRevisionName === st.latestCreatedRevisionName) cm.markTrue("Ready");
      return;
    }
    if (
      st.latestReadyRevisionName &&
      !revs.some((r) => r.metadata.name === st.latestReadyRevisionName)
    ) {
      cm.markFalse(
        "Ready",
        "RevisionDeleted",
        `Revision ${JSON.stringify(st.latestReadyRevisionName)} was deleted.`,
      );
    }
  }

  return {
    async reconcile(config: Configuration) {
      const cm = configurationConditions.manage((config.status ??= {}) as DuckStatus, deps.now);
      const found = await latestCreatedRevision(config);
      if (found.conflict) {
        markRevisionCreationFailed(cm, found.conflict);
        return;
      }
      const lcr = found.rev ?? await createRevision(config, cm);
      setLatestCreated(config, lcr.metadata.name ?? revisionNameFor(config), cm);
      propagateLatestCreated(config, lcr, cm);
      await findLatestReady(config, cm);
    },
  };
}
