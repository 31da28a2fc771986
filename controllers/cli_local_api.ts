/**
 * The local plane's API server, as `startLocalPlane` runs it on the main
 * thread and `cli_api_worker.ts` runs it in a Worker: the Knative CRDs, the
 * CRDs of the kinds the ingress providers render, the serving admission
 * hooks and converters, and the workload simulator.
 * @module
 */
import {
  configMapValidationHook,
  knativeCrds,
  servingAdmissionHooks,
  servingConverters,
} from "../apis/mod.ts";
import { type ApiServer, startApiServer } from "../apiserver/mod.ts";
import type { KubeObject } from "../runtime/mod.ts";

/** What the local API server starts with (plain data, so it can be posted to a Worker). */
export interface LocalApiStart {
  /** Listener port (0 = any). */
  port: number;
  /** Durable state directory. */
  dataDir?: string;
  /** Kinds the ingress providers render (CRDs are installed for them). */
  providerKinds: { apiVersion: string; kind: string }[];
}

/** Starts the local plane's API server on this thread. */
export function startLocalApiServer(start: LocalApiStart): Promise<ApiServer> {
  return startApiServer({
    port: start.port,
    dataDir: start.dataDir,
    crds: [...knativeCrds(), ...providerCrds(start.providerKinds)],
    admission: [...servingAdmissionHooks(), configMapValidationHook()],
    converters: servingConverters(),
    simulateWorkloads: true,
  });
}

function plural(kind: string): string {
  const k = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/**
 * Minimal CustomResourceDefinitions (schema-less, with a status subresource)
 * for the kinds the ingress providers render (VirtualService, HTTPRoute,
 * HTTPProxy), so a local plane can hold what a real mesh or gateway would.
 */
export function providerCrds(kinds: { apiVersion: string; kind: string }[]): KubeObject[] {
  return kinds.map(({ apiVersion, kind }) => {
    const [group, version] = apiVersion.split("/");
    const names = {
      plural: plural(kind),
      singular: kind.toLowerCase(),
      kind,
      listKind: `${kind}List`,
    };
    return {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${names.plural}.${group}` },
      spec: {
        group,
        names,
        scope: "Namespaced",
        versions: [{
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          },
        }],
      },
    };
  });
}
