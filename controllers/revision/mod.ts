/**
 * The Revision controller plugin (KNATIVE.md §12).
 * @module
 */
import type { Revision } from "../../apis/mod.ts";
import type { ControllerPlugin } from "../../runtime/mod.ts";
import {
  createRevisionReconciler,
  revisionConditions,
  type RevisionControllerOptions,
} from "./reconciler.ts";

export * from "./resources.ts";
export * from "./resolve.ts";
export * from "./extras.ts";
export {
  configOr,
  createRevisionReconciler,
  exitMessage,
  hasDeploymentTimedOut,
  OBSERVABILITY_CONFIG_NAME,
  propagateAutoscalerStatus,
  propagateDeploymentStatus,
  revisionConditions,
  type RevisionControllerOptions,
} from "./reconciler.ts";

/**
 * Builds the Revision plugin. `dev` and `render` pass `{ resolveDigests: false }`
 * so they work offline; `controller` resolves digests like Knative.
 */
export function createRevisionPlugin(
  opts: RevisionControllerOptions = {},
): ControllerPlugin<Revision> {
  return {
    name: "revision",
    resource: { apiVersion: "serving.knative.dev/v1", kind: "Revision" },
    owns: [
      { apiVersion: "apps/v1", kind: "Deployment" },
      { apiVersion: "autoscaling.internal.knative.dev/v1alpha1", kind: "PodAutoscaler" },
      { apiVersion: "v1", kind: "ConfigMap" },
    ],
    conditions: {
      happy: revisionConditions.happy,
      dependents: [...revisionConditions.dependents],
    },
    create: (deps) => createRevisionReconciler(deps, opts),
  };
}

/** The Revision plugin with digest resolution on (Knative's behaviour). */
export const revisionPlugin: ControllerPlugin<Revision> = createRevisionPlugin();
