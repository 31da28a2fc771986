/**
 * Discovery documents and OpenAPI v3 documents derived from the registry.
 * @module
 */
import type { Registry, ResourceType, SchemaNode } from "./registry.ts";
import { apiVersionOf } from "./registry.ts";
import { deepCopy } from "../runtime/mod.ts";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** `/version`. */
export function versionInfo(): Record<string, string> {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-denative",
    gitCommit: "denative",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "deno",
    compiler: "deno",
    platform: `${Deno.build.os}/${Deno.build.arch}`,
  };
}

/** Served group/versions: `{ group, versions (preferred first) }`. */
export function groups(reg: Registry): { group: string; versions: string[] }[] {
  const m = new Map<string, Set<string>>();
  for (const t of reg.all()) {
    const s = m.get(t.group) ?? new Set<string>();
    for (const v of t.versions) if (v.served) s.add(v.name);
    m.set(t.group, s);
  }
  const out = [...m.entries()].map(([group, vs]) => ({ group, versions: sortVersions([...vs]) }));
  return out.filter((g) => g.versions.length);
}

/** Sorts Kubernetes versions by priority (v1 > v1beta1 > v1alpha1, higher first). */
export function sortVersions(vs: string[]): string[] {
  const rank = (v: string) => {
    const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
    if (!m) return [0, 0, 0];
    return [m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  return vs.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
    return a.localeCompare(b);
  });
}

/** `/api`. */
export function apiVersions(host: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: host }],
  };
}

/** `/apis`. */
export function apiGroupList(reg: Registry): Record<string, unknown> {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groups(reg).filter((g) => g.group !== "").map((g) => ({
      name: g.group,
      versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${g.group}/${g.versions[0]}`, version: g.versions[0] },
    })),
  };
}

/** `/apis/G`. */
export function apiGroup(reg: Registry, group: string): Record<string, unknown> | undefined {
  const g = groups(reg).find((x) => x.group === group);
  if (!g) return undefined;
  return {
    kind: "APIGroup",
    apiVersion: "v1",
    name: g.group,
    versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.group}/${g.versions[0]}`, version: g.versions[0] },
  };
}

function typesIn(reg: Registry, group: string, version: string): ResourceType[] {
  return reg.all()
    .filter((t) => t.group === group && t.versions.some((v) => v.name === version && v.served))
    .sort((a, b) => a.plural.localeCompare(b.plural));
}

/** `/api/v1` and `/apis/G/V`. */
export function apiResourceList(
  reg: Registry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const ts = typesIn(reg, group, version);
  if (!ts.length) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of ts) {
    const v = t.versions.find((x) => x.name === version)!;
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    });
    if (v.status) {
      resources.push({
        name: `${t.plural}/status`,
        singularName: "",
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ["get", "patch", "update"],
      });
    }
    if (v.scale) {
      resources.push({
        name: `${t.plural}/scale`,
        singularName: "",
        namespaced: t.namespaced,
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: ["get", "patch", "update"],
      });
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf(group, version),
    resources,
  };
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** `/openapi/v3`: the index of per-group-version documents. */
export function openApiIndex(reg: Registry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of groups(reg)) {
    for (const v of g.versions) {
      const p = gvPath(g.group, v);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(reg, g.group, v)}` };
    }
  }
  return { paths };
}

function hashOf(reg: Registry, group: string, version: string): string {
  const s = JSON.stringify(typesIn(reg, group, version));
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).toUpperCase().padStart(8, "0");
}

function schemaName(t: ResourceType, version: string): string {
  const g = t.group === "" ? "core" : t.group;
  return `${g.split(".").reverse().join(".")}.${version}.${t.kind}`;
}

const PERMISSIVE_META: SchemaNode = {
  type: "object",
  "x-kubernetes-preserve-unknown-fields": true,
};

function withMeta(s: SchemaNode | undefined): SchemaNode {
  if (!s) {
    return {
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
      properties: {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: PERMISSIVE_META,
        spec: { ...PERMISSIVE_META, description: "Desired state (not described by this server)." },
        status: {
          ...PERMISSIVE_META,
          description: "Observed state (not described by this server).",
        },
      },
    };
  }
  const c = deepCopy(s);
  c.properties = {
    ...(c.properties ?? {}),
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: PERMISSIVE_META,
  };
  return c;
}

/** `/openapi/v3/api/v1`, `/openapi/v3/apis/G/V`. */
export function openApiDoc(
  reg: Registry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const ts = typesIn(reg, group, version);
  if (!ts.length) return undefined;
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  const params = ["dryRun", "fieldManager", "fieldValidation", "force"].map((name) => ({
    name,
    in: "query",
    schema: { type: name === "force" ? "boolean" : "string", uniqueItems: true },
  }));
  for (const t of ts) {
    const v = t.versions.find((x) => x.name === version)!;
    const gvk = { group: t.group, version, kind: t.kind };
    const name = schemaName(t, version);
    schemas[name] = {
      ...withMeta(v.schema),
      "x-kubernetes-group-version-kind": [gvk],
    };
    const ref = { $ref: `#/components/schemas/${name}` };
    const body = { content: { "application/json": { schema: ref } } };
    const resp = { "200": { description: "OK", content: { "application/json": { schema: ref } } } };
    const base = `/${gvPath(group, version)}${
      t.namespaced ? "/namespaces/{namespace}" : ""
    }/${t.plural}`;
    const op = (verb: string) => ({
      operationId: `${verb}${t.kind}`,
      "x-kubernetes-action": verb,
      "x-kubernetes-group-version-kind": gvk,
      parameters: params,
      responses: resp,
    });
    paths[base] = { get: op("list"), post: { ...op("post"), requestBody: body } };
    paths[`${base}/{name}`] = {
      get: op("get"),
      put: { ...op("put"), requestBody: body },
      patch: {
        ...op("patch"),
        requestBody: {
          content: { "application/merge-patch+json": { schema: { type: "object" } } },
        },
      },
      delete: op("delete"),
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas },
  };
}

/** Media type of aggregated discovery documents. */
export const AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** True when the Accept header asks for aggregated discovery v2. */
export function wantsAggregated(accept: string | undefined): boolean {
  return !!accept && accept.split(",")[0].replace(/\s/g, "").startsWith(
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
  );
}

/** Aggregated discovery (`apidiscovery.k8s.io/v2`) for `/api` (core) or `/apis` (groups). */
export function aggregated(reg: Registry, core: boolean): Record<string, unknown> {
  const items = groups(reg).filter((g) => core ? g.group === "" : g.group !== "").map((g) => ({
    metadata: { name: g.group, creationTimestamp: null },
    versions: g.versions.map((version) => ({
      version,
      freshness: "Current",
      resources: typesIn(reg, g.group, version).map((t) => {
        const v = t.versions.find((x) => x.name === version)!;
        const subresources: Record<string, unknown>[] = [];
        if (v.status) {
          subresources.push({
            subresource: "status",
            responseKind: { group: t.group, version, kind: t.kind },
            verbs: ["get", "patch", "update"],
          });
        }
        if (v.scale) {
          subresources.push({
            subresource: "scale",
            responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
            verbs: ["get", "patch", "update"],
          });
        }
        return {
          resource: t.plural,
          responseKind: { group: t.group, version, kind: t.kind },
          scope: t.namespaced ? "Namespaced" : "Cluster",
          singularResource: t.singular,
          verbs: VERBS,
          ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length ? { categories: t.categories } : {}),
          ...(subresources.length ? { subresources } : {}),
        };
      }),
    })),
  }));
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items,
  };
}
