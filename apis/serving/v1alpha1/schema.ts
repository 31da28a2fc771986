/**
 * OpenAPI schema of the legacy v1alpha1 Service (served, not stored).
 * @module
 */
import { arr, int, type JSONSchemaProps, obj, str } from "../../schema.ts";
import {
  containerSchema,
  revisionSpecSchema,
  statusSchemas,
  templateMetadataSchema,
  topLevelSchema,
  trafficTargetSchema,
} from "../v1/schema.ts";

const v1alpha1RevisionSpec: JSONSchemaProps = obj({
  ...revisionSpecSchema.properties,
  container: containerSchema,
  concurrencyModel: str("Deprecated: ConcurrencyModel (Single or Multi)."),
  servingState: str("Deprecated: ServingState."),
}, "RevisionSpec holds the desired state of the Revision (v1alpha1).");

const v1alpha1Template: JSONSchemaProps = obj({
  metadata: templateMetadataSchema,
  spec: v1alpha1RevisionSpec,
});

const v1alpha1Configuration: JSONSchemaProps = obj({
  generation: int("Deprecated generation."),
  build: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  revisionTemplate: v1alpha1Template,
  template: v1alpha1Template,
}, "ConfigurationSpec (v1alpha1).");

/** v1alpha1 Service spec schema: runLatest | pinned | release | manual (or inline). */
export const v1alpha1ServiceSpecSchema: JSONSchemaProps = obj({
  runLatest: obj({ configuration: v1alpha1Configuration }, "RunLatest defines a simple Service."),
  pinned: obj(
    { revisionName: str(), configuration: v1alpha1Configuration },
    "Pinned is DEPRECATED in favor of ReleaseType.",
  ),
  release: obj({
    revisions: arr(str(), "Revisions is an ordered list of 1 or 2 revisions; @latest is allowed."),
    rolloutPercent: int(
      "RolloutPercent is the percent of traffic for the second revision (0..99).",
    ),
    configuration: v1alpha1Configuration,
  }, "Release enables gradual promotion of new revisions."),
  manual: {
    type: "object",
    description: "Manual mode: the Service stops managing its Route and Configuration.",
    "x-kubernetes-preserve-unknown-fields": true,
  },
  template: v1alpha1Template,
  traffic: arr(trafficTargetSchema),
}, "ServiceSpec (v1alpha1): exactly one of runLatest, pinned, release, manual.");

/** The full v1alpha1 Service schema. */
export const v1alpha1ServiceSchema: JSONSchemaProps = topLevelSchema(
  v1alpha1ServiceSpecSchema,
  statusSchemas.Service,
  "Service (v1alpha1) acts as a top-level container that manages a Route and Configuration.",
);
