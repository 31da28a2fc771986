/**
 * Revision GC (KNATIVE.md §7): a controller on Configurations that deletes
 * the stale non-active Revisions chosen by {@link revisionsToCollect}. It
 * writes no Configuration status.
 * @module
 */
import type { Configuration, GCConfig, Revision } from "../../apis/mod.ts";
import { GC_CONFIG_NAME, SERVING_V1 } from "../../apis/mod.ts";
import type { ControllerPlugin, ReconcilerDeps } from "../../runtime/mod.ts";
import { isNotFound } from "../../runtime/mod.ts";
import { revisionsToCollect } from "./resources.ts";

/** The GC controller plugin. */
export function gcPlugin(): ControllerPlugin<Configuration> {
  return {
    name: "revision-gc",
    resource: { apiVersion: SERVING_V1, kind: "Configuration" },
    watches: [{
      gvk: { apiVersion: SERVING_V1, kind: "Revision" },
      map: (o) => {
        const c = o.metadata.labels?.["serving.knative.dev/configuration"];
        return c ? [`${o.metadata.namespace}/${c}`] : [];
      },
    }],
    // The Configuration's status belongs to the Configuration controller (Knative:
    // SkipStatusUpdates).
    writesStatus: false,
    create: (deps) => ({ reconcile: (cfg) => collect(deps, cfg) }),
  };
}

/** One GC pass over a Configuration. */
export async function collect(deps: ReconcilerDeps, config: Configuration): Promise<void> {
  const cfg = deps.config.get<GCConfig>(GC_CONFIG_NAME);
  const ns = config.metadata.namespace ?? "";
  const store = deps.stores.get(`${SERVING_V1}/Revision`);
  if (!store) throw new Error(`no informer cache for ${SERVING_V1}/Revision`);
  const names = revisionsToCollect(
    cfg,
    config,
    store.byIndex("label:serving.knative.dev/configuration", config.metadata.name ?? "")
      .filter((r) => r.metadata.namespace === ns) as unknown as readonly Revision[],
    deps.now().getTime(),
  );
  for (const name of names) {
    deps.logger.info("Deleting stale revision", { revision: name });
    try {
      await deps.client.delete({ apiVersion: SERVING_V1, kind: "Revision", namespace: ns, name });
    } catch (e) {
      if (!isNotFound(e)) {
        deps.logger.error("Failed to GC revision", { revision: name, error: String(e) });
      }
    }
  }
}
