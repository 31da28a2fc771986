/**
 * A small reference tracker (Knative's `tracker.Interface`): Routes record the
 * Configurations and Revisions they reference (including missing ones), and a
 * change to any of those enqueues the Routes again.
 * @module
 */
import type { KubeObject } from "../../runtime/mod.ts";
import { objectKey } from "../../runtime/mod.ts";

/** A tracked reference: kind and name in the tracker's namespace. */
export interface TrackedRef {
  /** Kind, e.g. `Revision`. */
  kind: string;
  /** Name. */
  name: string;
}

/** Maps `kind/namespace/name` of referenced objects to the keys of the objects that reference them. */
export class Tracker {
  #byRef = new Map<string, Set<string>>();
  #byOwner = new Map<string, Set<string>>();

  /** Replaces everything `owner` references with `refs` (same namespace as the owner). */
  track(owner: KubeObject, refs: readonly TrackedRef[]): void {
    const ownerKey = objectKey(owner);
    this.forget(owner);
    const ns = owner.metadata.namespace ?? "";
    const keys = new Set(refs.map((r) => `${r.kind}/${ns}/${r.name}`));
    this.#byOwner.set(ownerKey, keys);
    for (const k of keys) {
      const s = this.#byRef.get(k) ?? new Set();
      s.add(ownerKey);
      this.#byRef.set(k, s);
    }
  }

  /** Drops everything `owner` references. */
  forget(owner: KubeObject): void {
    const ownerKey = objectKey(owner);
    for (const k of this.#byOwner.get(ownerKey) ?? []) {
      const s = this.#byRef.get(k);
      s?.delete(ownerKey);
      if (s && s.size === 0) this.#byRef.delete(k);
    }
    this.#byOwner.delete(ownerKey);
  }

  /** Keys (`namespace/name`) of the objects that reference `obj` of `kind`. */
  lookup(kind: string, obj: KubeObject): string[] {
    return [
      ...(this.#byRef.get(`${kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name}`) ?? []),
    ];
  }
}
