/**
 * OpenAPI schemas of the serving.knative.dev/v1 types: the source of truth for
 * the CRDs. `tests/apis/schema_test.ts` checks the TS types against them.
 * @module
 */
import {
  arr,
  bool,
  duckStatus,
  int,
  intOrString,
  type JSONSchemaProps,
  mapOf,
  obj,
  open,
  str,
  strMap,
} from "../../schema.ts";

const probe: JSONSchemaProps = obj({
  httpGet: open("HTTPGet specifies the http request to perform.", {
    path: str(),
    port: intOrString(),
    host: str(),
    scheme: str(),
    httpHeaders: arr(obj({ name: str(), value: str() }, undefined, ["name", "value"])),
  }),
  tcpSocket: open("TCPSocket specifies an action involving a TCP port.", {
    port: intOrString(),
    host: str(),
  }),
  exec: open("Exec specifies the action to take.", { command: arr(str()) }),
  grpc: open("GRPC specifies an action involving a GRPC port.", {
    port: int(undefined, "int32"),
    service: str(),
  }),
  initialDelaySeconds: int(undefined, "int32"),
  timeoutSeconds: int(undefined, "int32"),
  periodSeconds: int(undefined, "int32"),
  successThreshold: int(undefined, "int32"),
  failureThreshold: int(undefined, "int32"),
  terminationGracePeriodSeconds: int(),
}, "Probe describes a health check to be performed against a container.");

/** Container schema (Knative's allowed subset of core/v1 Container). */
export const containerSchema: JSONSchemaProps = obj({
  name: str("Name of the container."),
  image: str("Container image name."),
  command: arr(str()),
  args: arr(str()),
  workingDir: str(),
  ports: arr(
    obj(
      {
        name: str(),
        containerPort: int(undefined, "int32"),
        protocol: str(),
        hostPort: int(undefined, "int32"),
        hostIP: str(),
      },
      undefined,
      ["containerPort"],
    ),
    "List of ports to expose from the container.",
  ),
  envFrom: arr(open()),
  env: arr(
    obj({ name: str(), value: str(), valueFrom: open() }, undefined, ["name"]),
    "List of environment variables to set in the container.",
  ),
  resources: obj({
    requests: mapOf(intOrString()),
    limits: mapOf(intOrString()),
  }, "Compute Resources required by this container."),
  volumeMounts: arr(
    obj(
      {
        name: str(),
        mountPath: str(),
        readOnly: bool(),
        subPath: str(),
        mountPropagation: str(),
      },
      undefined,
      ["name", "mountPath"],
    ),
  ),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  terminationMessagePath: str(),
  terminationMessagePolicy: str(),
  imagePullPolicy: str(),
  securityContext: open(),
  lifecycle: open(),
  stdin: bool(),
  tty: bool(),
}, "A single application container.");

/** RevisionSpec schema. */
export const revisionSpecSchema: JSONSchemaProps = obj({
  containers: arr(containerSchema, "List of containers belonging to the pod."),
  initContainers: arr(containerSchema),
  volumes: arr(open(undefined, { name: str() })),
  serviceAccountName: str(),
  imagePullSecrets: arr(obj({ name: str() })),
  enableServiceLinks: bool(),
  automountServiceAccountToken: bool(),
  nodeSelector: strMap(),
  tolerations: arr(open()),
  affinity: open(),
  topologySpreadConstraints: arr(open()),
  securityContext: open(),
  runtimeClassName: str(),
  priorityClassName: str(),
  schedulerName: str(),
  hostAliases: arr(open()),
  dnsPolicy: str(),
  dnsConfig: open(),
  shareProcessNamespace: bool(),
  hostIPC: bool(),
  hostPID: bool(),
  hostNetwork: bool(),
  containerConcurrency: int(
    "ContainerConcurrency specifies the maximum allowed in-flight (concurrent) requests per container of the Revision. Defaults to `0` which means concurrency to the application is not limited, and the system decides the target concurrency for the autoscaler.",
  ),
  timeoutSeconds: int(
    "TimeoutSeconds is the maximum duration in seconds that the request instance is allowed to respond to a request.",
  ),
  responseStartTimeoutSeconds: int(
    "ResponseStartTimeoutSeconds is the maximum duration in seconds that the request routing layer will wait for a request delivered to a container to begin sending any network traffic.",
  ),
  idleTimeoutSeconds: int(
    "IdleTimeoutSeconds is the maximum duration in seconds a request will be allowed to stay open while not receiving any bytes from the user's application.",
  ),
}, "RevisionSpec holds the desired state of the Revision (from the client).");

/** Template metadata schema (the fields a template may carry). */
export const templateMetadataSchema: JSONSchemaProps = obj({
  name: str(),
  generateName: str(),
  namespace: str(),
  labels: strMap(),
  annotations: strMap(),
  finalizers: arr(str()),
}, undefined);

/** ConfigurationSpec schema. */
export const configurationSpecSchema: JSONSchemaProps = obj({
  template: obj({
    metadata: templateMetadataSchema,
    spec: revisionSpecSchema,
  }, "Template holds the latest specification for the Revision to be stamped out."),
}, "ConfigurationSpec holds the desired state of the Configuration (from the client).");

/** TrafficTarget schema. */
export const trafficTargetSchema: JSONSchemaProps = obj({
  tag: str(
    "Tag is optionally used to expose a dedicated url for referencing this target exclusively.",
  ),
  revisionName: str(
    "RevisionName of a specific revision to which to send this portion of traffic.",
  ),
  configurationName: str(
    "ConfigurationName of a configuration to whose latest revision we will send this portion of traffic.",
  ),
  latestRevision: bool(
    "LatestRevision may be optionally provided to indicate that the latest ready Revision of the Configuration should be used for this traffic target.",
  ),
  percent: int(
    "Percent indicates that percentage based routing should be used and the value indicates the percent of traffic that is be routed to this Revision or Configuration.",
  ),
  url: str("URL displays the URL for accessing named traffic targets."),
}, "TrafficTarget holds a single entry of the routing table for a Route.");

const addressSchema: JSONSchemaProps = obj({
  url: str(),
  name: str(),
  CACerts: str(),
  audience: str(),
}, "Address holds the information needed for a Route to be the target of an event.");

const configurationStatusFields = {
  latestReadyRevisionName: str(
    'LatestReadyRevisionName holds the name of the latest Revision stamped out from this Configuration that has had its "Ready" condition become "True".',
  ),
  latestCreatedRevisionName: str(
    "LatestCreatedRevisionName is the last revision that was created from this Configuration.",
  ),
};
const routeStatusFields = {
  url: str("URL holds the url that will distribute traffic over the provided traffic targets."),
  address: addressSchema,
  traffic: arr(trafficTargetSchema, "Traffic holds the configured traffic distribution."),
};

/** RouteSpec schema. */
export const routeSpecSchema: JSONSchemaProps = obj({
  traffic: arr(
    trafficTargetSchema,
    "Traffic specifies how to distribute traffic over a collection of revisions and configurations.",
  ),
}, "RouteSpec holds the desired state of the Route (from the client).");

/** Service spec schema (ConfigurationSpec + RouteSpec). */
export const serviceSpecSchema: JSONSchemaProps = obj({
  ...configurationSpecSchema.properties,
  ...routeSpecSchema.properties,
}, "ServiceSpec represents the configuration for the Service object.");

const containerStatus = obj({ name: str(), imageDigest: str() });

/** Per-kind status schemas. */
export const statusSchemas: Record<
  "Service" | "Configuration" | "Revision" | "Route",
  JSONSchemaProps
> = {
  Service: duckStatus(
    { ...configurationStatusFields, ...routeStatusFields },
    "ServiceStatus represents the Status stanza of the Service resource.",
  ),
  Configuration: duckStatus(
    configurationStatusFields,
    "ConfigurationStatus communicates the observed state of the Configuration (from the controller).",
  ),
  Revision: duckStatus({
    logUrl: str(),
    containerStatuses: arr(containerStatus),
    initContainerStatuses: arr(containerStatus),
    actualReplicas: int(undefined, "int32"),
    desiredReplicas: int(undefined, "int32"),
  }, "RevisionStatus communicates the observed state of the Revision (from the controller)."),
  Route: duckStatus(
    routeStatusFields,
    "RouteStatus communicates the observed state of the Route (from the controller).",
  ),
};

/** Full top-level schema of one kind (apiVersion, kind, metadata, spec, status). */
export function topLevelSchema(
  spec: JSONSchemaProps,
  status: JSONSchemaProps,
  description: string,
): JSONSchemaProps {
  return obj({
    apiVersion: str(),
    kind: str(),
    metadata: { type: "object" },
    spec,
    status,
  }, description);
}

/** The four serving v1 kinds' schemas. */
export const servingV1Schemas: Record<
  "Service" | "Configuration" | "Revision" | "Route",
  JSONSchemaProps
> = {
  Service: topLevelSchema(
    serviceSpecSchema,
    statusSchemas.Service,
    "Service acts as a top-level container that manages a Route and Configuration which implement a network service.",
  ),
  Configuration: topLevelSchema(
    configurationSpecSchema,
    statusSchemas.Configuration,
    'Configuration represents the "floating HEAD" of a linear history of Revisions.',
  ),
  Revision: topLevelSchema(
    revisionSpecSchema,
    statusSchemas.Revision,
    "Revision is an immutable snapshot of code and configuration.",
  ),
  Route: topLevelSchema(
    routeSpecSchema,
    statusSchemas.Route,
    "Route is responsible for configuring ingress over a collection of Revisions.",
  ),
};
