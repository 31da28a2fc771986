/**
 * Install manifests: CRDs (from the schemas in this folder), namespace, RBAC,
 * controller Deployment and Services, webhook configurations, and the config
 * maps with documented `_example` blocks.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";
import type { JSONSchemaProps } from "./schema.ts";
import { servingV1Schemas } from "./serving/v1/schema.ts";
import { v1alpha1ServiceSchema } from "./serving/v1alpha1/schema.ts";
import { networkingSchemas } from "./networking/v1alpha1/schema.ts";
import { autoscalingSchemas } from "./autoscaling/v1alpha1/schema.ts";
import { SERVING_GROUP } from "./serving/register.ts";
import { NETWORKING_INTERNAL_GROUP } from "./networking/register.ts";
import { AUTOSCALING_INTERNAL_GROUP } from "./autoscaling/register.ts";
import { CONFIG_EXAMPLES, renderExample } from "./config/examples.ts";
import { SYSTEM_NAMESPACE } from "./config/mod.ts";

/** Version label put on every install object. */
export const RELEASE_LABEL = "app.kubernetes.io/version";
/** Name label value shared by install objects. */
export const PART_OF = "knative-serving";
/** Webhook service name. */
export const WEBHOOK_SERVICE_NAME = "webhook";
/** Webhook port inside the controller pod. */
export const WEBHOOK_PORT = 8443;
/** Name of the Secret holding the webhook CA and serving certificate. */
export const WEBHOOK_SECRET_NAME = "webhook-certs";
/** Mutating webhook configuration name. */
export const DEFAULTING_WEBHOOK_NAME = "webhook.serving.knative.dev";
/** Validating webhook configuration name. */
export const VALIDATION_WEBHOOK_NAME = "validation.webhook.serving.knative.dev";
/** Config-map validating webhook configuration name. */
export const CONFIG_WEBHOOK_NAME = "config.webhook.serving.knative.dev";
/** Webhook paths served by the webhook server. */
export const WebhookPaths = {
  defaulting: "/defaulting",
  validation: "/resource-validation",
  config: "/config-validation",
  conversion: "/resource-conversion",
} as const;

const READY = ".status.conditions[?(@.type=='Ready')].status";
const REASON = ".status.conditions[?(@.type=='Ready')].reason";

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
}

interface CrdDef {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  schema: JSONSchemaProps;
  columns: PrinterColumn[];
  labels?: Record<string, string>;
  v1alpha1?: JSONSchemaProps;
}

const readyCols: PrinterColumn[] = [
  { name: "Ready", type: "string", jsonPath: READY },
  { name: "Reason", type: "string", jsonPath: REASON },
];

const DEFS: CrdDef[] = [
  {
    group: SERVING_GROUP,
    kind: "Service",
    plural: "services",
    singular: "service",
    shortNames: ["kservice", "ksvc"],
    categories: ["all", "knative", "serving"],
    schema: servingV1Schemas.Service,
    v1alpha1: v1alpha1ServiceSchema,
    labels: { "duck.knative.dev/addressable": "true", "duck.knative.dev/podspecable": "true" },
    columns: [
      { name: "URL", type: "string", jsonPath: ".status.url" },
      { name: "LatestCreated", type: "string", jsonPath: ".status.latestCreatedRevisionName" },
      { name: "LatestReady", type: "string", jsonPath: ".status.latestReadyRevisionName" },
      ...readyCols,
    ],
  },
  {
    group: SERVING_GROUP,
    kind: "Configuration",
    plural: "configurations",
    singular: "configuration",
    shortNames: ["config", "cfg", "kcfg"],
    categories: ["all", "knative", "serving"],
    schema: servingV1Schemas.Configuration,
    labels: { "duck.knative.dev/podspecable": "true" },
    columns: [
      { name: "LatestCreated", type: "string", jsonPath: ".status.latestCreatedRevisionName" },
      { name: "LatestReady", type: "string", jsonPath: ".status.latestReadyRevisionName" },
      ...readyCols,
    ],
  },
  {
    group: SERVING_GROUP,
    kind: "Revision",
    plural: "revisions",
    singular: "revision",
    shortNames: ["rev"],
    categories: ["all", "knative", "serving"],
    schema: servingV1Schemas.Revision,
    columns: [
      {
        name: "Config Name",
        type: "string",
        jsonPath: ".metadata.labels['serving\\.knative\\.dev/configuration']",
      },
      {
        name: "Generation",
        type: "string",
        jsonPath: ".metadata.labels['serving\\.knative\\.dev/configurationGeneration']",
      },
      ...readyCols,
      { name: "Actual Replicas", type: "integer", jsonPath: ".status.actualReplicas" },
      { name: "Desired Replicas", type: "integer", jsonPath: ".status.desiredReplicas" },
    ],
  },
  {
    group: SERVING_GROUP,
    kind: "Route",
    plural: "routes",
    singular: "route",
    shortNames: ["rt"],
    categories: ["all", "knative", "serving"],
    schema: servingV1Schemas.Route,
    labels: { "duck.knative.dev/addressable": "true" },
    columns: [{ name: "URL", type: "string", jsonPath: ".status.url" }, ...readyCols],
  },
  {
    group: NETWORKING_INTERNAL_GROUP,
    kind: "Ingress",
    plural: "ingresses",
    singular: "ingress",
    shortNames: ["kingress", "king"],
    categories: ["knative-internal", "networking"],
    schema: networkingSchemas.Ingress,
    columns: readyCols,
  },
  {
    group: NETWORKING_INTERNAL_GROUP,
    kind: "ServerlessService",
    plural: "serverlessservices",
    singular: "serverlessservice",
    shortNames: ["sks"],
    categories: ["knative-internal", "networking"],
    schema: networkingSchemas.ServerlessService,
    columns: [
      { name: "Mode", type: "string", jsonPath: ".spec.mode" },
      { name: "Activators", type: "integer", jsonPath: ".spec.numActivators" },
      { name: "ServiceName", type: "string", jsonPath: ".status.serviceName" },
      { name: "PrivateServiceName", type: "string", jsonPath: ".status.privateServiceName" },
      ...readyCols,
    ],
  },
  {
    group: AUTOSCALING_INTERNAL_GROUP,
    kind: "PodAutoscaler",
    plural: "podautoscalers",
    singular: "podautoscaler",
    shortNames: ["kpa", "pa"],
    categories: ["knative-internal", "autoscaling"],
    schema: autoscalingSchemas.PodAutoscaler,
    columns: [
      { name: "DesiredScale", type: "integer", jsonPath: ".status.desiredScale" },
      { name: "ActualScale", type: "integer", jsonPath: ".status.actualScale" },
      ...readyCols,
    ],
  },
  {
    group: AUTOSCALING_INTERNAL_GROUP,
    kind: "Metric",
    plural: "metrics",
    singular: "metric",
    shortNames: [],
    categories: ["knative-internal", "autoscaling"],
    schema: autoscalingSchemas.Metric,
    columns: readyCols,
  },
];

function baseLabels(extra: Record<string, string> = {}): Record<string, string> {
  return { "app.kubernetes.io/part-of": PART_OF, ...extra };
}

/** Options of the generated manifests. */
export interface ManifestOptions {
  /** System namespace (`knative-serving`). */
  namespace?: string;
  /** Controller image. */
  image?: string;
  /** Queue-proxy image for config-deployment. */
  queueSidecarImage?: string;
  /** CA bundle (base64 PEM) for webhook and conversion client configs. */
  caBundle?: string;
}

/** The Knative CRDs (apiextensions.k8s.io/v1), with structural schemas. */
export function knativeCrds(opts: ManifestOptions = {}): KubeObject[] {
  const ns = opts.namespace ?? SYSTEM_NAMESPACE;
  return DEFS.map((d) => {
    const version = (name: string, schema: JSONSchemaProps, storage: boolean) => ({
      name,
      served: true,
      storage,
      subresources: { status: {} },
      schema: { openAPIV3Schema: schema },
      additionalPrinterColumns: d.columns,
    });
    const versions = d.group === SERVING_GROUP
      ? [version("v1", d.schema, true)]
      : [version("v1alpha1", d.schema, true)];
    if (d.v1alpha1) versions.push(version("v1alpha1", d.v1alpha1, false));
    const spec: Record<string, unknown> = {
      group: d.group,
      names: {
        kind: d.kind,
        listKind: `${d.kind}List`,
        plural: d.plural,
        singular: d.singular,
        ...(d.shortNames.length > 0 ? { shortNames: d.shortNames } : {}),
        categories: d.categories,
      },
      scope: "Namespaced",
      versions,
    };
    if (d.v1alpha1) {
      const clientConfig: Record<string, unknown> = {
        service: { name: WEBHOOK_SERVICE_NAME, namespace: ns, path: WebhookPaths.conversion },
      };
      if (opts.caBundle) clientConfig.caBundle = opts.caBundle;
      spec.conversion = {
        strategy: "Webhook",
        webhook: { conversionReviewVersions: ["v1"], clientConfig },
      };
    }
    return {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: {
        name: `${d.plural}.${d.group}`,
        labels: baseLabels({ "knative.dev/crd-install": "true", ...(d.labels ?? {}) }),
      },
      spec,
    };
  });
}

const RW = ["get", "list", "watch", "create", "update", "patch", "delete"];
const RO = ["get", "list", "watch"];

function rbac(ns: string): KubeObject[] {
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "controller", namespace: ns, labels: baseLabels() },
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "denative-controller", labels: baseLabels() },
      rules: [
        {
          apiGroups: [SERVING_GROUP, NETWORKING_INTERNAL_GROUP, AUTOSCALING_INTERNAL_GROUP],
          resources: ["*", "*/status", "*/finalizers"],
          verbs: RW,
        },
        { apiGroups: [""], resources: ["services", "endpoints"], verbs: RW },
        { apiGroups: [""], resources: ["configmaps", "namespaces", "pods"], verbs: RO },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "update", "patch"] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs: RW },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: RW },
        {
          apiGroups: ["admissionregistration.k8s.io"],
          resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
          verbs: ["get", "list", "watch", "update", "patch"],
        },
        {
          apiGroups: ["apiextensions.k8s.io"],
          resources: ["customresourcedefinitions"],
          verbs: ["get", "list", "watch", "update", "patch"],
        },
        {
          apiGroups: ["networking.istio.io"],
          resources: ["virtualservices", "gateways"],
          verbs: RW,
        },
        { apiGroups: ["gateway.networking.k8s.io"], resources: ["httproutes"], verbs: RW },
        {
          apiGroups: ["gateway.networking.k8s.io"],
          resources: ["gateways"],
          verbs: RO,
        },
        { apiGroups: ["projectcontour.io"], resources: ["httpproxies"], verbs: RW },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "denative-controller", labels: baseLabels() },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "denative-controller",
      },
      subjects: [{ kind: "ServiceAccount", name: "controller", namespace: ns }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "denative-webhook-certs", namespace: ns, labels: baseLabels() },
      rules: [{
        apiGroups: [""],
        resources: ["secrets"],
        verbs: ["get", "list", "watch", "create", "update"],
      }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "denative-webhook-certs", namespace: ns, labels: baseLabels() },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "Role",
        name: "denative-webhook-certs",
      },
      subjects: [{ kind: "ServiceAccount", name: "controller", namespace: ns }],
    },
  ];
}

function workloads(ns: string, image: string): KubeObject[] {
  const labels = baseLabels({ app: "controller" });
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "controller", namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "controller" } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "controller",
            containers: [{
              name: "controller",
              image,
              args: ["controller"],
              env: [
                {
                  name: "SYSTEM_NAMESPACE",
                  valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } },
                },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              ],
              ports: [
                { name: "metrics", containerPort: 9090 },
                { name: "https-webhook", containerPort: WEBHOOK_PORT },
              ],
              readinessProbe: { httpGet: { path: "/readyz", port: "metrics" } },
              livenessProbe: { httpGet: { path: "/healthz", port: "metrics" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
            }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "controller", namespace: ns, labels },
      spec: {
        selector: { app: "controller" },
        ports: [{ name: "http-metrics", port: 9090, targetPort: 9090 }],
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: WEBHOOK_SERVICE_NAME,
        namespace: ns,
        labels: baseLabels({ app: "webhook" }),
      },
      spec: {
        selector: { app: "controller" },
        ports: [{ name: "https-webhook", port: 443, targetPort: WEBHOOK_PORT }],
      },
    },
  ];
}

function webhookRules(ops: string[]) {
  return [
    {
      apiGroups: [SERVING_GROUP],
      apiVersions: ["*"],
      operations: ops,
      resources: ["services", "configurations", "revisions", "routes"],
      scope: "Namespaced",
    },
    {
      apiGroups: [NETWORKING_INTERNAL_GROUP],
      apiVersions: ["*"],
      operations: ops,
      resources: ["ingresses", "serverlessservices"],
      scope: "Namespaced",
    },
    {
      apiGroups: [AUTOSCALING_INTERNAL_GROUP],
      apiVersions: ["*"],
      operations: ops,
      resources: ["podautoscalers", "metrics"],
      scope: "Namespaced",
    },
  ];
}

/** The mutating and validating webhook configurations. */
export function webhookConfigurations(opts: ManifestOptions = {}): KubeObject[] {
  const ns = opts.namespace ?? SYSTEM_NAMESPACE;
  const client = (path: string) => {
    const c: Record<string, unknown> = {
      service: { name: WEBHOOK_SERVICE_NAME, namespace: ns, path },
    };
    if (opts.caBundle) c.caBundle = opts.caBundle;
    return c;
  };
  const common = {
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    timeoutSeconds: 10,
  };
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: DEFAULTING_WEBHOOK_NAME, labels: baseLabels() },
      webhooks: [{
        name: DEFAULTING_WEBHOOK_NAME,
        clientConfig: client(WebhookPaths.defaulting),
        rules: webhookRules(["CREATE", "UPDATE"]),
        reinvocationPolicy: "IfNeeded",
        ...common,
      }],
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: VALIDATION_WEBHOOK_NAME, labels: baseLabels() },
      webhooks: [{
        name: VALIDATION_WEBHOOK_NAME,
        clientConfig: client(WebhookPaths.validation),
        rules: webhookRules(["CREATE", "UPDATE", "DELETE"]),
        ...common,
      }],
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: CONFIG_WEBHOOK_NAME, labels: baseLabels() },
      webhooks: [{
        name: CONFIG_WEBHOOK_NAME,
        clientConfig: client(WebhookPaths.config),
        rules: [{
          apiGroups: [""],
          apiVersions: ["v1"],
          operations: ["CREATE", "UPDATE"],
          resources: ["configmaps"],
          scope: "Namespaced",
        }],
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
        objectSelector: { matchLabels: { "app.kubernetes.io/part-of": PART_OF } },
        ...common,
      }],
    },
  ];
}

/**
 * The config maps with `_example` blocks (and the required queue-sidecar-image):
 * the eight serving maps plus the ingress providers' `config-istio`,
 * `config-gateway` and `config-contour` (parsed by `networking/`).
 */
export function configMaps(opts: ManifestOptions = {}): KubeObject[] {
  const ns = opts.namespace ?? SYSTEM_NAMESPACE;
  return Object.keys(CONFIG_EXAMPLES).sort().map((name) => {
    const data: Record<string, string> = { _example: renderExample(name) };
    if (name === "config-deployment") {
      data["queue-sidecar-image"] = opts.queueSidecarImage ?? "ghcr.io/denative/queue-proxy:latest";
    }
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: ns, labels: baseLabels() },
      data,
    };
  });
}

/** Every install object, in apply order, grouped by output file name. */
export function installManifests(opts: ManifestOptions = {}): Record<string, KubeObject[]> {
  const ns = opts.namespace ?? SYSTEM_NAMESPACE;
  return {
    "100-namespace.yaml": [{
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns, labels: baseLabels() },
    }],
    "200-rbac.yaml": rbac(ns),
    "300-crds.yaml": knativeCrds(opts),
    "400-config.yaml": configMaps(opts),
    "500-controller.yaml": workloads(ns, opts.image ?? "ghcr.io/denative/denative:latest"),
    "600-webhooks.yaml": webhookConfigurations(opts),
  };
}
