/**
 * The one Kubernetes client seam every controller talks through. The real
 * implementation (`runtime/client.ts`) wraps `@kubernetes/client-node`; tests
 * use an in-memory fake (`runtime/fake_client.ts`) with the same interface.
 * @module
 */
import type { KubeList, KubeObject, WatchEvent } from "./types.ts";

/** Names a resource type and optionally one object of it. */
export interface ResourceRef {
  /** `group/version` or `v1`. */
  apiVersion: string;
  /** Kind, e.g. `ConfigMap`. */
  kind: string;
  /** Namespace (omit for cluster-scoped kinds or all namespaces). */
  namespace?: string;
  /** Object name. */
  name?: string;
}

/** List options. */
export interface ListOptions {
  /** Label selector in Kubernetes syntax. */
  labelSelector?: string;
  /** Field selector in Kubernetes syntax. */
  fieldSelector?: string;
  /** Page size. */
  limit?: number;
  /** Continue token from a previous page. */
  continue?: string;
  /** resourceVersion semantics for the list. */
  resourceVersion?: string;
}

/** Watch options. */
export interface WatchOptions {
  /** Label selector. */
  labelSelector?: string;
  /** Field selector. */
  fieldSelector?: string;
  /** Start after this version. */
  resourceVersion?: string;
  /** Ask the server to send BOOKMARK events. */
  allowWatchBookmarks?: boolean;
  /** Server-side timeout of the watch. */
  timeoutSeconds?: number;
  /** Aborts the watch. */
  signal?: AbortSignal;
}

/** Write options common to create/update/patch/delete. */
export interface WriteOptions {
  /** `All` to validate without persisting. */
  dryRun?: "All";
  /** Field manager name. */
  fieldManager?: string;
}

/** Patch types the seam supports. */
export type PatchType = "merge" | "json" | "strategic" | "apply";

/** Patch options. */
export interface PatchOptions extends WriteOptions {
  /** Take ownership of conflicting fields on server-side apply. */
  force?: boolean;
  /** Patch the status subresource. */
  subresource?: "status" | "scale";
}

/** Delete options. */
export interface DeleteOptions extends WriteOptions {
  /** `Background` (default), `Foreground` or `Orphan`. */
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  /** Only delete when the uid matches. */
  preconditionUid?: string;
}

/** A stream of watch events; iterate it, and abort through the signal given. */
export type WatchStream<T extends KubeObject = KubeObject> = AsyncIterable<WatchEvent<T>>;

/** The generic client interface. Every method throws a typed `KubeError` on failure. */
export interface KubeClient {
  /** Reads one object. */
  get<T extends KubeObject = KubeObject>(ref: ResourceRef): Promise<T>;
  /** Lists objects of a type (one page when `limit` is given). */
  list<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts?: ListOptions,
  ): Promise<KubeList<T>>;
  /** Opens a watch. */
  watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts?: WatchOptions,
  ): Promise<WatchStream<T>>;
  /** Creates an object. */
  create<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  /** Replaces an object (optimistic concurrency on resourceVersion). */
  update<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  /** Replaces an object's status through the `/status` subresource. */
  updateStatus<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  /** Patches an object. `body` is a JSON patch array for `json`. */
  patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    type: PatchType,
    body: unknown,
    opts?: PatchOptions,
  ): Promise<T>;
  /** Deletes an object; returns the object when it still exists (finalizers). */
  delete(ref: ResourceRef, opts?: DeleteOptions): Promise<KubeObject | undefined>;
}
