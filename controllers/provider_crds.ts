/**
 * CustomResourceDefinitions for the kinds ingress providers render, so the
 * local plane can store them. Shared by `cli.ts` and the API server Worker.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";

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
