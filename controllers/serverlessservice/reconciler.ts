/**
 * The ServerlessService reconciler (KNATIVE.md §13.6): the private Service
 * selecting the revision's pods, the selector-less public Service, and the
 * public Endpoints mirrored from the private ones (or the activator's).
 * @module
 */
import type { ServerlessService } from "../../apis/mod.ts";
import {
  ServerlessServiceConditions,
  serverlessServiceConditionSet,
  SYSTEM_NAMESPACE,
} from "../../apis/mod.ts";
import {
  ConditionSet,
  type DuckStatus,
  type KubeObject,
  type Reconciler,
  type ReconcilerDeps,
} from "../../runtime/mod.ts";
import { isControlledBy, isDerivative, jsonEqual, lookup, mapsEqual } from "../names.ts";
import {
  type EndpointSubset,
  makePrivateService,
  makePublicEndpoints,
  makePublicService,
  privateServiceName,
  publicServiceName,
  readyAddressCount,
} from "./resources.ts";

/** The SKS condition set: Ready ← EndpointsPopulated (ActivatorEndpointsPopulated is Info). */
export const serverlessServiceConditions = new ConditionSet({
  happy: serverlessServiceConditionSet.happy,
  dependents: [...serverlessServiceConditionSet.dependents],
});

/** Name of the activator's k8s Service in the system namespace. */
export const ACTIVATOR_SERVICE_NAME = "activator-service";

const C = ServerlessServiceConditions;
const ENDPOINTS_GVK = { apiVersion: "v1", kind: "Endpoints" };

/** Creates the ServerlessService reconciler. */
export function createServerlessServiceReconciler(
  deps: ReconcilerDeps,
): Reconciler<ServerlessService> {
  const { client } = deps;

  /** Creates or updates one owned child; NotOwned marks EndpointsPopulated False and throws. */
  async function ensure(
    sks: ServerlessService,
    desired: KubeObject,
    same: (have: KubeObject) => boolean,
    apply: (have: KubeObject) => KubeObject,
  ): Promise<KubeObject> {
    const gvk = { apiVersion: desired.apiVersion, kind: desired.kind };
    const name = desired.metadata.name ?? "";
    const have = await lookup<KubeObject>(deps, gvk, sks.metadata.namespace, name);
    if (!have) return await client.create(desired);
    if (!isControlledBy(have, sks)) {
      serverlessServiceConditions.manage(sks.status as DuckStatus, deps.now).markFalse(
        C.EndpointsPopulated,
        "NotOwned",
        `There is an existing ${desired.kind} ${JSON.stringify(name)} that we do not own.`,
      );
      throw new Error(
        `SKS ${JSON.stringify(sks.metadata.name)} does not own ${desired.kind}: ${
          JSON.stringify(name)
        }`,
      );
    }
    if (same(have)) return have;
    return await client.update(apply(have));
  }

  const sameMeta = (a: KubeObject, b: KubeObject) =>
    mapsEqual(a.metadata.labels, b.metadata.labels) &&
    mapsEqual(a.metadata.annotations, b.metadata.annotations);

  function serviceSame(desired: KubeObject) {
    return (have: KubeObject) => sameMeta(desired, have) && isDerivative(desired.spec, have.spec);
  }
  function serviceApply(desired: KubeObject) {
    return (have: KubeObject): KubeObject => ({
      ...have,
      metadata: {
        ...have.metadata,
        labels: desired.metadata.labels,
        annotations: desired.metadata.annotations,
      },
      spec: {
        ...(have.spec as Record<string, unknown>),
        ...(desired.spec as Record<string, unknown>),
      },
    });
  }

  /** Phase 1: the private Service selecting the scale target's pods. */
  async function reconcilePrivateService(sks: ServerlessService): Promise<boolean> {
    const ref = sks.spec.objectRef;
    const target = await lookup<KubeObject>(
      deps,
      { apiVersion: ref.apiVersion ?? "apps/v1", kind: ref.kind ?? "Deployment" },
      sks.metadata.namespace,
      ref.name ?? "",
    );
    if (!target) {
      // The Deployment watch enqueues this SKS once the scale target exists.
      deps.logger.debug("scale target not found yet", { name: ref.name });
      return false;
    }
    const selector = (target.spec as { selector?: { matchLabels?: Record<string, string> } })
      ?.selector?.matchLabels ?? {};
    const desired = makePrivateService(sks, selector);
    await ensure(sks, desired, serviceSame(desired), serviceApply(desired));
    return true;
  }

  /** Phase 2: the public Service. */
  async function reconcilePublicService(sks: ServerlessService) {
    const desired = makePublicService(sks);
    await ensure(sks, desired, serviceSame(desired), serviceApply(desired));
  }

  /** Phase 3: the public Endpoints, mirrored from the private (Serve) or activator (Proxy) ones. */
  async function reconcilePublicEndpoints(sks: ServerlessService) {
    const cm = serverlessServiceConditions.manage(sks.status as DuckStatus, deps.now);
    const ns = sks.metadata.namespace;
    const priv = await lookup<KubeObject>(deps, ENDPOINTS_GVK, ns, privateServiceName(sks));
    const privSubsets = (priv?.subsets as EndpointSubset[] | undefined) ?? [];
    const activator = await lookup<KubeObject>(
      deps,
      ENDPOINTS_GVK,
      SYSTEM_NAMESPACE,
      ACTIVATOR_SERVICE_NAME,
    );
    const actSubsets = (activator?.subsets as EndpointSubset[] | undefined) ?? [];
    const privReady = readyAddressCount(privSubsets);
    let mode = sks.spec.mode ?? "Serve";
    if (mode === "Serve" && privReady === 0 && readyAddressCount(actSubsets) > 0) mode = "Proxy";
    if (mode === "Proxy" && readyAddressCount(actSubsets) === 0) mode = "Serve";
    const subsets = mode === "Serve" ? privSubsets : actSubsets;
    const desired = makePublicEndpoints(sks, subsets);
    await ensure(
      sks,
      desired,
      (have) => sameMeta(desired, have) && jsonEqual(desired.subsets ?? [], have.subsets ?? []),
      (have) => ({
        ...have,
        metadata: {
          ...have.metadata,
          labels: desired.metadata.labels,
          annotations: desired.metadata.annotations,
        },
        subsets: desired.subsets,
      }),
    );
    if (mode === "Proxy" || privReady === 0) {
      cm.set({
        type: C.ActivatorEndpointsPopulated,
        status: "True",
        severity: "Info",
        reason: "ActivatorEndpointsPopulated",
        message: "Revision is backed by Activator",
      });
    } else {
      cm.set({
        type: C.ActivatorEndpointsPopulated,
        status: "False",
        severity: "Info",
        reason: "ActivatorEndpointsPopulated",
        message: "Revision is backed by Activator",
      });
    }
    if (privReady > 0) cm.markTrue(C.EndpointsPopulated);
    else cm.markUnknown(C.EndpointsPopulated, "NoHealthyBackends", "K8s Service is not ready");
  }

  return {
    async reconcile(sks: ServerlessService) {
      sks.status ??= {};
      if (!(await reconcilePrivateService(sks))) {
        serverlessServiceConditions.manage(sks.status as DuckStatus, deps.now).markUnknown(
          C.EndpointsPopulated,
          "NoHealthyBackends",
          "K8s Service is not ready",
        );
        return;
      }
      await reconcilePublicService(sks);
      await reconcilePublicEndpoints(sks);
      sks.status.serviceName = publicServiceName(sks);
      sks.status.privateServiceName = privateServiceName(sks);
    },
  };
}
