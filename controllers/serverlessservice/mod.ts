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

/**
 * Maps the private Service's Endpoints to their SKS: by the SKS label the
 * endpoints controller copies from the Service, else by the `-private` suffix.
 */
export function endpointsToSKS(e: KubeObject): string[] {
  const sks = e.metadata.labels?.[SKS_LABEL];
  if (sks) return [`${e.metadata.namespace}/${sks}`];
  const name = e.metadata.name ?? "";
  return name.endsWith("-private") ? [`${e.metadata.namespace}/${name.slice(0, -8)}`] : [];
}

/** Maps a Deployment to the SKS of its Revision (named like the Revision). */
export function deploymentToSKS(d: KubeObject): string[] {
  const rev = d.metadata.ownerReferences?.find((r) => r.controller && r.kind === "Revision");
  return rev ? [`${d.metadata.namespace}/${rev.name}`] : [];
}

/** Reconciles ServerlessServices into the public/private k8s Services and public Endpoints. */
export const serverlessServicePlugin: ControllerPlugin<ServerlessService> = {
  name: "serverlessservice",
  resource: { apiVersion: "networking.internal.knative.dev/v1alpha1", kind: "ServerlessService" },
  owns: [
    { apiVersion: "v1", kind: "Service" },
    { apiVersion: "v1", kind: "Endpoints" },
  ],
  watches: [
    { gvk: { apiVersion: "v1", kind: "Endpoints" }, map: endpointsToSKS },
    { gvk: { apiVersion: "apps/v1", kind: "Deployment" }, map: deploymentToSKS },
  ],
  conditions: {
    happy: serverlessServiceConditions.happy,
    dependents: [...serverlessServiceConditions.dependents],
  },
  create: createServerlessServiceReconciler,
};
