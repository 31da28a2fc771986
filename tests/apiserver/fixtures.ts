/** Test fixtures. @module */
import type { KubeObject } from "../../runtime/mod.ts";

/** A small test CRD with status/scale subresources, printer columns and two versions. */
export function widgetCrd(g: string): KubeObject {
  const schema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        required: ["size"],
        properties: {
          size: { type: "integer", minimum: 1 },
          color: { type: "string", default: "blue", enum: ["blue", "red"] },
          replicas: { type: "integer" },
          extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
      status: {
        type: "object",
        properties: {
          replicas: { type: "integer" },
          conditions: {
            type: "array",
            items: {
              type: "object",
              properties: { type: { type: "string" }, status: { type: "string" } },
            },
          },
        },
      },
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${g}` },
    spec: {
      group: g,
      scope: "Namespaced",
      names: {
        plural: "widgets",
        singular: "widget",
        kind: "Widget",
        shortNames: ["wdg"],
        categories: ["all"],
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: {
            status: {},
            scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
          },
          additionalPrinterColumns: [
            { name: "Size", type: "integer", jsonPath: ".spec.size" },
            {
              name: "Ready",
              type: "string",
              jsonPath: '.status.conditions[?(@.type=="Ready")].status',
            },
          ],
        },
        {
          name: "v1beta1",
          served: true,
          storage: false,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
          subresources: { status: {} },
        },
      ],
    },
  };
}
