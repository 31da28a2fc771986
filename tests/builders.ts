/**
 * Functional-option builders for test objects.
 * @module
 */
import type { Condition, KubeObject, OwnerReference } from "../runtime/mod.ts";

/** Mutates an object under construction. */
export type ObjectOption = (o: KubeObject) => void;

/** Builds an object of any kind. */
export function object(
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
  ...opts: ObjectOption[]
): KubeObject {
  const o: KubeObject = { apiVersion, kind, metadata: { name } };
  if (namespace) o.metadata.namespace = namespace;
  for (const f of opts) f(o);
  return o;
}

/** Sets metadata.uid. */
export const withUid = (uid: string): ObjectOption => (o) => void (o.metadata.uid = uid);
/** Sets metadata.generation. */
export const withGeneration = (g: number): ObjectOption => (o) => void (o.metadata.generation = g);
/** Merges labels. */
export const withLabels = (l: Record<string, string>): ObjectOption => (o) =>
  void (o.metadata.labels = { ...o.metadata.labels, ...l });
/** Merges annotations. */
export const withAnnotations = (a: Record<string, string>): ObjectOption => (o) =>
  void (o.metadata.annotations = { ...o.metadata.annotations, ...a });
/** Sets finalizers. */
export const withFinalizers = (...f: string[]): ObjectOption => (o) =>
  void (o.metadata.finalizers = f);
/** Marks the object as being deleted. */
export const withDeletionTimestamp = (ts = "2026-01-01T00:00:00Z"): ObjectOption => (o) =>
  void (o.metadata.deletionTimestamp = ts);
/** Sets `spec`. */
export const withSpec = (spec: Record<string, unknown>): ObjectOption => (o) =>
  void (o.spec = spec);
/** Merges into `status`. */
export const withStatus = (s: Record<string, unknown>): ObjectOption => (o) =>
  void (o.status = { ...(o.status as Record<string, unknown> | undefined), ...s });
/** Sets status.observedGeneration. */
export const withObservedGeneration = (g: number): ObjectOption =>
  withStatus({ observedGeneration: g });
/** Adds or replaces one status condition. */
export const withCondition = (c: Condition): ObjectOption => (o) => {
  const status = (o.status ??= {}) as { conditions?: Condition[] };
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c]
    .sort((a, b) => (a.type < b.type ? -1 : 1));
};
/** Adds a controller owner reference to `owner`. */
export const ownedBy = (owner: KubeObject, controller = true): ObjectOption => (o) => {
  const ref: OwnerReference = {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid ?? "",
    controller,
    blockOwnerDeletion: true,
  };
  o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), ref];
};
