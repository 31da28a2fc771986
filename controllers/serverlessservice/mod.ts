/**
 * The ServerlessService controller plugin (KNATIVE.md §13.6).
 * @module
 */
import type { ServerlessService } from "../../apis/mod.ts";
import { SKS_LABEL } from "../../apis/mod.ts";
import type { ControllerPlugin, KubeObject } from "../../runtime/mod.ts";
import { createServerlessServiceReconciler, serverlessServiceConditions } from "./reconciler.ts";

export * from "./resources.ts";
export {
  ACTIVATOR_SERVICE_NAME,
  createServerlessServiceReconciler,
  serverlessServiceConditions,
} from "./reconciler.ts";

/** Maps the private Service's Endpoints (labelled with the SKS name) to their SKS. */
export function endpointsToSKS(e: KubeObject): string[] {
  const sks = e.metadata.labels?.[SKS_LABEL];
  return sks ? [`${e.metadata.namespace}/${sks}`] : [];
}

/** Reconciles ServerlessServices into the public/private k8s Services and public Endpoints. */
export const serverlessServicePlugin: ControllerPlugin<ServerlessService> = {
  name: "serverlessservice",
  resource: { apiVersion: "networking.internal.knative.dev/v1alpha1", kind: "ServerlessService" },
  owns: [
    { apiVersion: "v1", kind: "Service" },
    { apiVersion: "v1", kind: "Endpoints" },
  ],
  watches: [{ gvk: { apiVersion: "v1", kind: "Endpoints" }, map: endpointsToSKS }],
  conditions: {
    happy: serverlessServiceConditions.happy,
    dependents: [...serverlessServiceConditions.dependents],
  },
  create: createServerlessServiceReconciler,
};
