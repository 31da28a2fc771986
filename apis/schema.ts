/**
 * A small OpenAPI v3 (structural CRD schema) vocabulary and builders. The
 * per-type schemas in `*\/schema.ts` are the single source of truth for the
 * CRDs; tests check the TypeScript types against them.
 * @module
 */

/** A structural OpenAPI v3 schema node (apiextensions.k8s.io/v1 JSONSchemaProps subset). */
export interface JSONSchemaProps {
  /** JSON type. */
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  /** Description. */
  description?: string;
  /** Object properties. */
  properties?: Record<string, JSONSchemaProps>;
  /** Required properties. */
  required?: string[];
  /** Array items. */
  items?: JSONSchemaProps;
  /** Map values. */
  additionalProperties?: JSONSchemaProps;
  /** String format. */
  format?: string;
  /** Allowed values. */
  enum?: (string | number)[];
  /** Minimum. */
  minimum?: number;
  /** Maximum. */
  maximum?: number;
  /** Keep fields not in the schema. */
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  /** Integer or string. */
  "x-kubernetes-int-or-string"?: boolean;
}

/** String schema. */
export function str(description?: string): JSONSchemaProps {
  return description ? { type: "string", description } : { type: "string" };
}
/** Integer schema (int64 unless told). */
export function int(description?: string, format = "int64"): JSONSchemaProps {
  return description ? { type: "integer", format, description } : { type: "integer", format };
}
/** Boolean schema. */
export function bool(description?: string): JSONSchemaProps {
  return description ? { type: "boolean", description } : { type: "boolean" };
}
/** Object schema with properties. */
export function obj(
  properties: Record<string, JSONSchemaProps>,
  description?: string,
  required?: string[],
): JSONSchemaProps {
  const s: JSONSchemaProps = { type: "object", properties };
  if (description) s.description = description;
  if (required) s.required = required;
  return s;
}
/** Array schema. */
export function arr(items: JSONSchemaProps, description?: string): JSONSchemaProps {
  return description ? { type: "array", items, description } : { type: "array", items };
}
/** Map of strings. */
export function strMap(description?: string): JSONSchemaProps {
  const s: JSONSchemaProps = { type: "object", additionalProperties: { type: "string" } };
  if (description) s.description = description;
  return s;
}
/** Map of a value schema. */
export function mapOf(value: JSONSchemaProps, description?: string): JSONSchemaProps {
  const s: JSONSchemaProps = { type: "object", additionalProperties: value };
  if (description) s.description = description;
  return s;
}
/** An object whose fields are kept as-is (Kubernetes core types we do not spell out). */
export function open(description?: string, properties?: Record<string, JSONSchemaProps>) {
  const s: JSONSchemaProps = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  if (properties) s.properties = properties;
  if (description) s.description = description;
  return s;
}
/** Int-or-string schema. */
export function intOrString(description?: string): JSONSchemaProps {
  const s: JSONSchemaProps = { "x-kubernetes-int-or-string": true };
  if (description) s.description = description;
  return s;
}

/** Knative duck condition schema. */
export const conditionSchema: JSONSchemaProps = obj(
  {
    type: str("Type of condition."),
    status: str("Status of the condition, one of True, False, Unknown."),
    severity: str("Severity with which to treat failures of this type of condition."),
    lastTransitionTime: str("LastTransitionTime is the last time the condition transitioned."),
    reason: str("The reason for the condition's last transition."),
    message: str("A human readable message indicating details about the transition."),
  },
  "Condition defines a readiness condition for a Knative resource.",
  ["type", "status"],
);

/** Duck status fields shared by every Knative status. */
export function duckStatus(
  extra: Record<string, JSONSchemaProps>,
  description: string,
): JSONSchemaProps {
  return obj({
    observedGeneration: int("The 'Generation' of the object that was last processed."),
    conditions: arr(conditionSchema, "Conditions the latest available observations."),
    annotations: strMap("Annotations is additional Status fields for the Resource."),
    ...extra,
  }, description);
}

/** Collects every property path a schema declares; paths under preserve-unknown nodes end in `*`. */
export function schemaPaths(s: JSONSchemaProps, prefix = ""): Set<string> {
  const out = new Set<string>();
  const walk = (n: JSONSchemaProps, p: string) => {
    if (n["x-kubernetes-preserve-unknown-fields"]) out.add(`${p}.*`);
    if (n.additionalProperties) {
      out.add(`${p}.{}`);
      walk(n.additionalProperties, `${p}.{}`);
    }
    if (n.items) walk(n.items, `${p}[]`);
    for (const [k, v] of Object.entries(n.properties ?? {})) {
      out.add(`${p}.${k}`);
      walk(v, `${p}.${k}`);
    }
  };
  walk(s, prefix);
  return out;
}

/**
 * Returns the property paths of `value` that `schema` does not declare (empty
 * when the schema covers the value). Used to keep the TS types and schemas in step.
 */
export function undeclaredPaths(schema: JSONSchemaProps, value: unknown, path = ""): string[] {
  const out: string[] = [];
  if (schema["x-kubernetes-preserve-unknown-fields"] && !schema.properties) return out;
  // An object with neither properties nor additionalProperties is opaque (e.g. `metadata`).
  if (schema.type === "object" && !schema.properties && !schema.additionalProperties) return out;
  if (Array.isArray(value)) {
    if (!schema.items) return [`${path}[]`];
    value.forEach((v) => out.push(...undeclaredPaths(schema.items!, v, `${path}[]`)));
    return out;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = schema.properties?.[k];
      if (p) out.push(...undeclaredPaths(p, v, `${path}.${k}`));
      else if (schema.additionalProperties) {
        out.push(...undeclaredPaths(schema.additionalProperties, v, `${path}.{}`));
      } else if (!schema["x-kubernetes-preserve-unknown-fields"]) out.push(`${path}.${k}`);
    }
  }
  return out;
}
