/**
 * The `apis` layer: Knative's serving, networking and autoscaling types, their
 * schemas, webhook defaulting and validation (Knative FieldError wording),
 * v1alpha1 conversion, typed config maps, admission hooks and install manifests.
 * @module
 */
export * from "./field_error.ts";
export * from "./schema.ts";
export * from "./context.ts";
export * from "./k8s_names.ts";
export * from "./serving/register.ts";
export * from "./networking/register.ts";
export * from "./autoscaling/register.ts";
export * from "./serving/v1/types.ts";
export * from "./serving/v1/conditions.ts";
export * from "./serving/v1/schema.ts";
export * from "./serving/v1/defaults.ts";
export * from "./serving/v1/validation.ts";
export * from "./serving/v1alpha1/types.ts";
export * from "./serving/v1alpha1/conversion.ts";
export * from "./networking/v1alpha1/types.ts";
export * from "./networking/v1alpha1/schema.ts";
export * from "./networking/v1alpha1/defaults_validation.ts";
export * from "./autoscaling/v1alpha1/types.ts";
export * from "./autoscaling/v1alpha1/schema.ts";
export * from "./autoscaling/v1alpha1/defaults_validation.ts";
export * from "./autoscaling/annotation_validation.ts";
export * from "./config/mod.ts";
export * from "./admission.ts";
export * from "./manifests.ts";
export { manifestsCommand, renderManifestFiles, toYamlStream } from "./cli.ts";
export * from "./webhook/mod.ts";
