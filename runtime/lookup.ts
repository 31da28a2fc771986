/**
 * Cache-first reads for reconcilers: one object from the informer cache when
 * the runtime watches its type (else from the API), and a create that treats
 * AlreadyExists as a stale cache rather than a failure.
 * @module
 */
import { isAlreadyExists, isNotFound } from "./errors.ts";
import { storeKey } from "./manager.ts";
import type { ReconcilerDeps } from "./plugin.ts";
import { deepCopy, type KubeObject } from "./types.ts";

/**
 * Reads one object from the informer cache when the runtime registered one for
 * its type, else from the API; `undefined` when it does not exist. The result
 * is a copy the caller may mutate.
 */
export async function lookup<T extends KubeObject>(
  deps: Pick<ReconcilerDeps, "stores" | "client">,
  gvk: { apiVersion: string; kind: string },
  namespace: string | undefined,
  name: string,
): Promise<T | undefined> {
  const store = deps.stores.get(storeKey(gvk));
  if (store) {
    const o = store.get(namespace ? `${namespace}/${name}` : name);
    return o ? deepCopy(o) as T : undefined;
  }
  try {
    return await deps.client.get<T>({ ...gvk, namespace, name });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Creates `obj`; when the informer cache was merely stale (AlreadyExists),
 * returns the live object instead of failing the reconcile.
 */
export async function createOrGetStale<T extends KubeObject>(
  deps: Pick<ReconcilerDeps, "client">,
  obj: T,
): Promise<{ obj: T; created: boolean }> {
  try {
    return { obj: await deps.client.create(obj), created: true };
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const live = await deps.client.get<T>({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    });
    return { obj: live, created: false };
  }
}
