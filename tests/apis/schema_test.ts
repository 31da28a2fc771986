import assert from "node:assert/strict";
import { Ajv } from "ajv";
import {
  autoscalingSchemas,
  type Configuration,
  type Ingress,
  type JSONSchemaProps,
  type Metric,
  networkingSchemas,
  type PodAutoscaler,
  type Revision,
  type Route,
  type ServerlessService,
  type Service,
  servingV1Schemas,
  undeclaredPaths,
  type V1alpha1Service,
} from "../../apis/mod.ts";
import { v1alpha1ServiceSchema } from "../../apis/serving/v1alpha1/schema.ts";

/**
 * Every optional property made required, recursively: a sample of this type
 * must spell out every field of the TS type, so a field added to the type
 * without the schema (or vice versa in the sample) fails this test.
 */
type DeepRequired<T> = T extends (infer U)[] ? DeepRequired<U>[]
  : T extends Record<string, unknown> ? { [K in keyof T]-?: DeepRequired<T[K]> }
  : T extends object ? { [K in keyof T]-?: DeepRequired<T[K]> }
  : T;
type Full<T extends { spec: unknown; status?: unknown }> = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec: DeepRequired<T["spec"]>;
  status: DeepRequired<NonNullable<T["status"]>>;
};

const cond = {
  type: "Ready",
  status: "True" as const,
  severity: "",
  lastTransitionTime: "2026-01-01T00:00:00Z",
  reason: "r",
  message: "m",
};
const duck = { observedGeneration: 1, conditions: [cond], annotations: { a: "b" } };
const probe = {
  httpGet: {
    path: "/",
    port: 8080,
    host: "h",
    scheme: "HTTP",
    httpHeaders: [{ name: "a", value: "b" }],
  },
  tcpSocket: { port: "http", host: "h" },
  exec: { command: ["true"] },
  grpc: { port: 1, service: "" },
  initialDelaySeconds: 1,
  timeoutSeconds: 1,
  periodSeconds: 1,
  successThreshold: 1,
  failureThreshold: 1,
  terminationGracePeriodSeconds: 1,
};
const container = {
  name: "c",
  image: "i",
  command: ["a"],
  args: ["b"],
  workingDir: "/",
  ports: [{ name: "http1", containerPort: 8080, protocol: "TCP", hostPort: 0, hostIP: "" }],
  envFrom: [{ configMapRef: { name: "x" } }],
  env: [{ name: "A", value: "1", valueFrom: { fieldRef: { fieldPath: "x" } } }],
  resources: { requests: { cpu: "1" }, limits: { memory: "1Gi" } },
  volumeMounts: [{
    name: "v",
    mountPath: "/v",
    readOnly: true,
    subPath: "s",
    mountPropagation: "None",
  }],
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
  imagePullPolicy: "Always",
  securityContext: { runAsNonRoot: true },
  lifecycle: { preStop: {} },
  stdin: false,
  tty: false,
};
const revSpec: DeepRequired<Revision["spec"]> = {
  containers: [container],
  initContainers: [container],
  volumes: [{
    name: "v",
    secret: { secretName: "s" },
    configMap: { name: "c" },
    projected: {},
    emptyDir: {},
    persistentVolumeClaim: { claimName: "c" },
  }],
  serviceAccountName: "sa",
  imagePullSecrets: [{ name: "p" }],
  enableServiceLinks: false,
  automountServiceAccountToken: false,
  nodeSelector: { a: "b" },
  tolerations: [{ key: "k" }],
  affinity: { nodeAffinity: {} },
  topologySpreadConstraints: [{ maxSkew: 1 }],
  securityContext: { runAsUser: 1 },
  runtimeClassName: "r",
  priorityClassName: "p",
  schedulerName: "s",
  hostAliases: [{ ip: "1.2.3.4" }],
  dnsPolicy: "ClusterFirst",
  dnsConfig: { nameservers: ["1.1.1.1"] },
  shareProcessNamespace: false,
  hostIPC: false,
  hostPID: false,
  hostNetwork: false,
  containerConcurrency: 0,
  timeoutSeconds: 300,
  responseStartTimeoutSeconds: 1,
  idleTimeoutSeconds: 1,
};
const meta = { name: "n", namespace: "d" };
const tmeta = {
  name: "n-1",
  generateName: "n-",
  namespace: "d",
  labels: { a: "b" },
  annotations: { a: "b" },
  finalizers: ["f"],
};
const template = { metadata: tmeta, spec: revSpec };
const traffic = {
  tag: "t",
  revisionName: "r",
  configurationName: "c",
  latestRevision: false,
  percent: 100,
  url: "http://x",
};
const routeStatus = {
  url: "http://x",
  address: { url: "http://y", name: "n", CACerts: "c", audience: "a" },
  traffic: [traffic],
};
const cfgStatus = { latestReadyRevisionName: "a", latestCreatedRevisionName: "b" };

const service: Full<Service> = {
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  metadata: meta,
  spec: { template, traffic: [traffic] },
  status: { ...duck, ...cfgStatus, ...routeStatus },
};
const configuration: Full<Configuration> = {
  apiVersion: "serving.knative.dev/v1",
  kind: "Configuration",
  metadata: meta,
  spec: { template },
  status: { ...duck, ...cfgStatus },
};
const containerStatus = { name: "c", imageDigest: "sha256:x" };
const revision: Full<Revision> = {
  apiVersion: "serving.knative.dev/v1",
  kind: "Revision",
  metadata: meta,
  spec: revSpec,
  status: {
    ...duck,
    logUrl: "l",
    containerStatuses: [containerStatus],
    initContainerStatuses: [containerStatus],
    actualReplicas: 1,
    desiredReplicas: 1,
  },
};
const route: Full<Route> = {
  apiVersion: "serving.knative.dev/v1",
  kind: "Route",
  metadata: meta,
  spec: { traffic: [traffic] },
  status: { ...duck, ...routeStatus },
};
const lb = { ingress: [{ ip: "1.1.1.1", domain: "d", domainInternal: "i", meshOnly: false }] };
const ingress: Full<Ingress> = {
  apiVersion: "networking.internal.knative.dev/v1alpha1",
  kind: "Ingress",
  metadata: meta,
  spec: {
    tls: [{ hosts: ["h"], secretName: "s", secretNamespace: "n" }],
    rules: [{
      hosts: ["h"],
      visibility: "ExternalIP",
      http: {
        paths: [{
          path: "/",
          rewriteHost: "h",
          headers: { A: { exact: "b" } },
          appendHeaders: { A: "b" },
          splits: [{
            serviceNamespace: "n",
            serviceName: "s",
            servicePort: 80,
            percent: 100,
            appendHeaders: { A: "b" },
          }],
        }],
      },
    }],
    httpOption: "Enabled",
  },
  status: { ...duck, publicLoadBalancer: lb, privateLoadBalancer: lb },
};
const sks: Full<ServerlessService> = {
  apiVersion: "networking.internal.knative.dev/v1alpha1",
  kind: "ServerlessService",
  metadata: meta,
  spec: {
    mode: "Serve",
    objectRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
    protocolType: "http1",
    numActivators: 2,
  },
  status: { ...duck, serviceName: "s", privateServiceName: "p" },
};
const pa: Full<PodAutoscaler> = {
  apiVersion: "autoscaling.internal.knative.dev/v1alpha1",
  kind: "PodAutoscaler",
  metadata: meta,
  spec: {
    containerConcurrency: 0,
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
    reachability: "Reachable",
    protocolType: "http1",
  },
  status: { ...duck, serviceName: "s", metricsServiceName: "m", desiredScale: 1, actualScale: 1 },
};
const metric: Full<Metric> = {
  apiVersion: "autoscaling.internal.knative.dev/v1alpha1",
  kind: "Metric",
  metadata: meta,
  spec: { stableWindow: 60e9, panicWindow: 6e9, scrapeTarget: "s" },
  status: duck,
};
const oldConfig = {
  generation: 1,
  build: {},
  revisionTemplate: {
    metadata: tmeta,
    spec: { ...revSpec, container, concurrencyModel: "Multi", servingState: "Active" },
  },
  template: {
    metadata: tmeta,
    spec: { ...revSpec, container, concurrencyModel: "Multi", servingState: "Active" },
  },
};
const v1alpha1: Full<V1alpha1Service> = {
  apiVersion: "serving.knative.dev/v1alpha1",
  kind: "Service",
  metadata: meta,
  spec: {
    runLatest: { configuration: oldConfig },
    pinned: { revisionName: "r", configuration: oldConfig },
    release: { revisions: ["a", "@latest"], rolloutPercent: 10, configuration: oldConfig },
    manual: {},
    template: oldConfig.template,
    traffic: [traffic],
  },
  status: { ...duck, ...cfgStatus, ...routeStatus },
};

const table: [string, JSONSchemaProps, unknown][] = [
  ["Service", servingV1Schemas.Service, service],
  ["Configuration", servingV1Schemas.Configuration, configuration],
  ["Revision", servingV1Schemas.Revision, revision],
  ["Route", servingV1Schemas.Route, route],
  ["Ingress", networkingSchemas.Ingress, ingress],
  ["ServerlessService", networkingSchemas.ServerlessService, sks],
  ["PodAutoscaler", autoscalingSchemas.PodAutoscaler, pa],
  ["Metric", autoscalingSchemas.Metric, metric],
  ["Service v1alpha1", v1alpha1ServiceSchema, v1alpha1],
];

function structuralProblems(s: JSONSchemaProps, path = ""): string[] {
  const out: string[] = [];
  if (!s.type && !s["x-kubernetes-int-or-string"] && !s["x-kubernetes-preserve-unknown-fields"]) {
    out.push(`${path}: no type`);
  }
  if (s.properties && s.additionalProperties) {
    out.push(`${path}: properties and additionalProperties`);
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    out.push(...structuralProblems(v, `${path}.${k}`));
  }
  if (s.items) out.push(...structuralProblems(s.items, `${path}[]`));
  if (s.additionalProperties) out.push(...structuralProblems(s.additionalProperties, `${path}.{}`));
  return out;
}

Deno.test("TS types and OpenAPI schemas agree", async (t) => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("int32", true);
  ajv.addFormat("int64", true);
  for (const [name, schema, sample] of table) {
    await t.step(`${name}: every TS field is declared in the schema`, () => {
      assert.deepEqual(undeclaredPaths(schema, sample), []);
    });
    await t.step(`${name}: the full sample validates against the schema`, () => {
      const ok = ajv.validate(schema, sample);
      assert.ok(ok, JSON.stringify(ajv.errors));
    });
    await t.step(`${name}: the schema is structural`, () => {
      assert.deepEqual(structuralProblems(schema), []);
    });
  }
  await t.step("a field missing from the schema is detected", () => {
    const s = structuredClone(service) as unknown as {
      spec: { template: { spec: Record<string, unknown> } };
    };
    s.spec.template.spec.bogusField = 1;
    assert.deepEqual(undeclaredPaths(servingV1Schemas.Service, s), [
      ".spec.template.spec.bogusField",
    ]);
  });
  await t.step("a wrongly typed field fails the schema", () => {
    const s = structuredClone(service) as unknown as {
      spec: { template: { spec: Record<string, unknown> } };
    };
    s.spec.template.spec.timeoutSeconds = "300";
    assert.equal(ajv.validate(servingV1Schemas.Service, s), false);
  });
});
