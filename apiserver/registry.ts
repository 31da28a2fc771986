/**
 * The resource type registry: built-in kinds and kinds served from CRDs.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";

/** A JSON schema node (OpenAPI v3 structural schema subset). */
export interface SchemaNode {
  /** JSON type. */
  type?: string;
  /** Object properties. */
  properties?: Record<string, SchemaNode>;
  /** Map values schema (or `true`). */
  additionalProperties?: SchemaNode | boolean;
  /** Array items. */
  items?: SchemaNode;
  /** Required property names. */
  required?: string[];
  /** Allowed values. */
  enum?: unknown[];
  /** Default value. */
  default?: unknown;
  /** Nullable. */
  nullable?: boolean;
  /** Minimum. */
  minimum?: number;
  /** Maximum. */
  maximum?: number;
  /** Regex pattern. */
  pattern?: string;
  /** Minimum string length. */
  minLength?: number;
  /** Maximum string length. */
  maxLength?: number;
  /** Minimum items. */
  minItems?: number;
  /** Maximum items. */
  maxItems?: number;
  /** Keep unknown fields. */
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  /** Int or string. */
  "x-kubernetes-int-or-string"?: boolean;
  /** Embedded resource. */
  "x-kubernetes-embedded-resource"?: boolean;
  /** Any other key. */
  [key: string]: unknown;
}

/** An additional printer column of a CRD. */
export interface PrinterColumn {
  /** Column name. */
  name: string;
  /** Column type (`string`, `integer`, `date`, …). */
  type: string;
  /** JSONPath into the object. */
  jsonPath: string;
  /** Description. */
  description?: string;
  /** Priority (0 = shown by default). */
  priority?: number;
  /** Format. */
  format?: string;
}

/** The scale subresource paths of a CRD. */
export interface ScaleSpec {
  /** e.g. `.spec.replicas`. */
  specReplicasPath: string;
  /** e.g. `.status.replicas`. */
  statusReplicasPath: string;
  /** e.g. `.status.selector`. */
  labelSelectorPath?: string;
}

/** One served version of a resource type. */
export interface VersionInfo {
  /** Version name, e.g. `v1`. */
  name: string;
  /** Served by the API. */
  served: boolean;
  /** The storage version. */
  storage: boolean;
  /** The structural schema (CRDs). */
  schema?: SchemaNode;
  /** Printer columns (CRDs). */
  printerColumns?: PrinterColumn[];
  /** Has a status subresource. */
  status: boolean;
  /** Scale subresource. */
  scale?: ScaleSpec;
}

/** A resource type the server serves. */
export interface ResourceType {
  /** API group (`""` for core). */
  group: string;
  /** Kind. */
  kind: string;
  /** Plural resource name. */
  plural: string;
  /** Singular name. */
  singular: string;
  /** Namespaced or cluster-scoped. */
  namespaced: boolean;
  /** Short names. */
  shortNames: string[];
  /** Categories. */
  categories: string[];
  /** Versions. */
  versions: VersionInfo[];
  /** True for kinds compiled into the server (strategic merge allowed). */
  builtin: boolean;
  /** The CRD name when served from a CRD. */
  crd?: string;
}

/** Returns the storage version of a type. */
export function storageVersion(t: ResourceType): VersionInfo {
  return t.versions.find((v) => v.storage) ?? t.versions[0];
}

/** Returns the served version `name` of a type. */
export function servedVersion(t: ResourceType, name: string): VersionInfo | undefined {
  return t.versions.find((v) => v.name === name && v.served);
}

/** Returns the apiVersion string for a group and version. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Registry key of a type. */
export function typeKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
  opts: { status?: boolean; scale?: boolean; categories?: string[] } = {},
): ResourceType {
  return {
    group,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    categories: opts.categories ?? [],
    builtin: true,
    versions: [{
      name: version,
      served: true,
      storage: true,
      status: opts.status ?? false,
      scale: opts.scale
        ? {
          specReplicasPath: ".spec.replicas",
          statusReplicasPath: ".status.replicas",
          labelSelectorPath: ".status.selector",
        }
        : undefined,
    }],
  };
}

/** The built-in kinds. */
export function builtinTypes(): ResourceType[] {
  return [
    builtin("", "v1", "Namespace", "namespaces", false, ["ns"], { status: true }),
    builtin("", "v1", "ConfigMap", "configmaps", true, ["cm"]),
    builtin("", "v1", "Secret", "secrets", true),
    builtin("", "v1", "Service", "services", true, ["svc"], { status: true, categories: ["all"] }),
    builtin("", "v1", "Endpoints", "endpoints", true, ["ep"]),
    builtin("", "v1", "Pod", "pods", true, ["po"], { status: true, categories: ["all"] }),
    builtin("", "v1", "Event", "events", true, ["ev"]),
    builtin("", "v1", "ServiceAccount", "serviceaccounts", true, ["sa"]),
    builtin("apps", "v1", "Deployment", "deployments", true, ["deploy"], {
      status: true,
      scale: true,
      categories: ["all"],
    }),
    builtin("apps", "v1", "ReplicaSet", "replicasets", true, ["rs"], {
      status: true,
      scale: true,
      categories: ["all"],
    }),
    builtin("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
    builtin("coordination.k8s.io", "v1", "Lease", "leases", true),
    builtin(
      "apiextensions.k8s.io",
      "v1",
      "CustomResourceDefinition",
      "customresourcedefinitions",
      false,
      ["crd", "crds"],
      { status: true },
    ),
    builtin(
      "admissionregistration.k8s.io",
      "v1",
      "MutatingWebhookConfiguration",
      "mutatingwebhookconfigurations",
      false,
    ),
    builtin(
      "admissionregistration.k8s.io",
      "v1",
      "ValidatingWebhookConfiguration",
      "validatingwebhookconfigurations",
      false,
    ),
    builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
    builtin("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
    builtin("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
  ];
}

/** Builds a resource type from a CustomResourceDefinition object. */
export function typeFromCrd(crd: KubeObject): ResourceType {
  // deno-lint-ignore no-explicit-any
  const spec = (crd.spec ?? {}) as any;
  const names = spec.names ?? {};
  // deno-lint-ignore no-explicit-any
  const versions: VersionInfo[] = (spec.versions ?? []).map((v: any) => ({
    name: String(v.name),
    served: v.served !== false,
    storage: v.storage === true,
    schema: v.schema?.openAPIV3Schema,
    printerColumns: v.additionalPrinterColumns,
    status: v.subresources?.status !== undefined,
    scale: v.subresources?.scale,
  }));
  return {
    group: String(spec.group ?? ""),
    kind: String(names.kind ?? ""),
    plural: String(names.plural ?? ""),
    singular: String(names.singular ?? String(names.kind ?? "").toLowerCase()),
    namespaced: spec.scope !== "Cluster",
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    versions,
    builtin: false,
    crd: crd.metadata.name,
  };
}

/** Validates a CRD's spec enough to serve it; returns error messages. */
export function crdProblems(crd: KubeObject): { field: string; message: string }[] {
  // deno-lint-ignore no-explicit-any
  const spec = (crd.spec ?? {}) as any;
  const out: { field: string; message: string }[] = [];
  if (!spec.group) out.push({ field: "spec.group", message: "Required value" });
  if (!spec.names?.plural) out.push({ field: "spec.names.plural", message: "Required value" });
  if (!spec.names?.kind) out.push({ field: "spec.names.kind", message: "Required value" });
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) {
    out.push({
      field: "spec.versions",
      message: "Invalid value: must have exactly one version marked as storage version",
    });
  } else {
    // deno-lint-ignore no-explicit-any
    const storage = spec.versions.filter((v: any) => v.storage === true).length;
    if (storage !== 1) {
      out.push({
        field: "spec.versions",
        message: "Invalid value: must have exactly one version marked as storage version",
      });
    }
  }
  if (
    spec.group && spec.names?.plural && crd.metadata.name !== `${spec.names.plural}.${spec.group}`
  ) {
    out.push({
      field: "metadata.name",
      message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`,
    });
  }
  return out;
}

/** Registry of served types. */
export class Registry {
  #types = new Map<string, ResourceType>();

  /** Creates a registry with the built-in kinds. */
  constructor() {
    for (const t of builtinTypes()) this.add(t);
  }

  /** Adds or replaces a type. */
  add(t: ResourceType): void {
    this.#types.set(typeKey(t.group, t.plural), t);
  }

  /** Removes a type. */
  remove(group: string, plural: string): void {
    this.#types.delete(typeKey(group, plural));
  }

  /** Looks a type up by group and plural. */
  get(group: string, plural: string): ResourceType | undefined {
    return this.#types.get(typeKey(group, plural));
  }

  /** Looks a type up by group and kind. */
  byKind(group: string, kind: string): ResourceType | undefined {
    for (const t of this.#types.values()) if (t.group === group && t.kind === kind) return t;
    return undefined;
  }

  /** All types. */
  all(): ResourceType[] {
    return [...this.#types.values()];
  }
}
