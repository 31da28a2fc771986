/** A toy plugin used by the runtime tests: a Widget owning one ConfigMap. */
import {
  type ControllerPlugin,
  isNotFound,
  type KubeObject,
  PermanentError,
} from "../../runtime/mod.ts";
import { object, ownedBy, withGeneration, withUid } from "../builders.ts";

/** The Widget type. */
export const WIDGET = { apiVersion: "example.dev/v1", kind: "Widget" };

/** Builds a widget. */
export function widget(name: string, ...opts: ((o: KubeObject) => void)[]): KubeObject {
  return object(
    WIDGET.apiVersion,
    WIDGET.kind,
    "ns",
    name,
    withUid(`uid-${name}`),
    withGeneration(1),
    ...opts,
  );
}

/** The child a widget wants. */
export function child(w: KubeObject): KubeObject {
  return object("v1", "ConfigMap", "ns", w.metadata.name!, ownedBy(w), (o) => {
    o.data = { size: String((w.spec as { size?: number } | undefined)?.size ?? 1) };
  });
}

/** Hooks tests can set. */
export const hooks: { onReconcile?: (o: KubeObject) => Promise<void> | void; finalized: string[] } =
  {
    finalized: [],
  };

/** The plugin. */
export function widgetPlugin(opts: { finalizer?: string } = {}): ControllerPlugin {
  return {
    name: "widget",
    resource: WIDGET,
    owns: [{ apiVersion: "v1", kind: "ConfigMap" }],
    conditions: { happy: "Ready", dependents: ["ChildReady"] },
    finalizer: opts.finalizer,
    filter: (o) => o.metadata.labels?.["skip"] !== "true",
    create: (deps) => {
      const set = deps;
      return {
        async reconcile(w) {
          await hooks.onReconcile?.(w);
          const spec = (w.spec ?? {}) as { size?: number; bad?: boolean; requeue?: number };
          if (spec.bad) {
            throw new PermanentError("size must be positive", {
              reason: "BadSize",
              condition: "ChildReady",
            });
          }
          const want = child(w);
          const have = set.stores.get("v1/ConfigMap")!.get(`ns/${w.metadata.name}`);
          if (!have) {
            try {
              await deps.client.create(want);
            } catch (e) {
              if (!isNotFound(e)) {
                throw new Error(
                  `Cannot create configmap "${w.metadata.name}": ${(e as Error).message}`,
                );
              }
            }
            markChild(w, "Unknown", "Creating");
          } else markChild(w, "True");
          return spec.requeue ? { requeueAfter: spec.requeue } : undefined;
        },
        finalize(w) {
          hooks.finalized.push(w.metadata.name!);
          return Promise.resolve();
        },
      };
    },
  };
}

import { ConditionSet } from "../../runtime/mod.ts";
const set = new ConditionSet({ happy: "Ready", dependents: ["ChildReady"] });
function markChild(w: KubeObject, s: "True" | "Unknown", reason = "") {
  const m = set.manage((w.status ??= {}) as Record<string, unknown>);
  if (s === "True") m.markTrue("ChildReady");
  else m.markUnknown("ChildReady", reason, "waiting for the child");
}
