/**
 * Documented `_example` blocks of the config maps: every key, its default and
 * what it does. `apis/manifests.ts` renders them into the install YAML.
 * @module
 */
import { DEFAULT_REQUEST_LOG_TEMPLATE } from "./observability.ts";

/** One documented key: name, default (as written in the map) and description. */
export interface ExampleKey {
  /** Key. */
  key: string;
  /** Default value. */
  value: string;
  /** Description (one or more sentences). */
  doc: string;
}

/** Documented keys per config map. */
export const CONFIG_EXAMPLES: Record<string, ExampleKey[]> = {
  "config-defaults": [
    {
      key: "revision-timeout-seconds",
      value: "300",
      doc:
        "Default number of seconds a request may take before the revision responds (timeoutSeconds).",
    },
    {
      key: "max-revision-timeout-seconds",
      value: "600",
      doc: "Maximum timeoutSeconds a revision may set.",
    },
    {
      key: "revision-response-start-timeout-seconds",
      value: "300",
      doc:
        "Default seconds to wait for the first byte of a response; defaults to revision-timeout-seconds.",
    },
    {
      key: "revision-idle-timeout-seconds",
      value: "0",
      doc: "Default maximum idle seconds between response bytes; 0 means unset.",
    },
    {
      key: "revision-cpu-request",
      value: "400m",
      doc: "CPU request of user containers when they set none (not set by default).",
    },
    {
      key: "revision-memory-request",
      value: "100M",
      doc: "Memory request of user containers when they set none (not set by default).",
    },
    {
      key: "revision-ephemeral-storage-request",
      value: "500M",
      doc: "Ephemeral storage request when none is set (not set by default).",
    },
    {
      key: "revision-cpu-limit",
      value: "1000m",
      doc: "CPU limit when none is set (not set by default).",
    },
    {
      key: "revision-memory-limit",
      value: "200M",
      doc: "Memory limit when none is set (not set by default).",
    },
    {
      key: "revision-ephemeral-storage-limit",
      value: "750M",
      doc: "Ephemeral storage limit when none is set (not set by default).",
    },
    {
      key: "container-name-template",
      value: "user-container",
      doc: "Go template for the name of unnamed user containers (over the parent's ObjectMeta).",
    },
    {
      key: "init-container-name-template",
      value: "init-container",
      doc: "Go template for the name of unnamed init containers.",
    },
    {
      key: "container-concurrency",
      value: "0",
      doc: "Default containerConcurrency; 0 means unlimited.",
    },
    {
      key: "container-concurrency-max-limit",
      value: "1000",
      doc: "Largest containerConcurrency a revision may set.",
    },
    {
      key: "allow-container-concurrency-zero",
      value: "true",
      doc: "Whether containerConcurrency 0 (unlimited) is allowed.",
    },
    {
      key: "enable-service-links",
      value: "false",
      doc: "Default enableServiceLinks on new revisions; 'default' leaves it unset.",
    },
  ],
  "config-autoscaler": [
    {
      key: "container-concurrency-target-percentage",
      value: "70",
      doc: "Percentage of the concurrency limit the autoscaler targets.",
    },
    {
      key: "container-concurrency-target-default",
      value: "100",
      doc: "Concurrency target when the revision sets no limit.",
    },
    {
      key: "requests-per-second-target-default",
      value: "200",
      doc: "Target requests per second per pod for the rps metric.",
    },
    {
      key: "target-burst-capacity",
      value: "211",
      doc:
        "Extra concurrent capacity to absorb bursts; -1 keeps the activator always in path, 0 only at zero.",
    },
    {
      key: "stable-window",
      value: "60s",
      doc: "Averaging window of the stable mode (6s..1h, whole seconds).",
    },
    {
      key: "panic-window-percentage",
      value: "10.0",
      doc: "Panic window as a percentage of the stable window (1..100).",
    },
    {
      key: "panic-threshold-percentage",
      value: "200.0",
      doc: "Panic mode starts when load exceeds this percentage of capacity (110..1000).",
    },
    {
      key: "max-scale-up-rate",
      value: "1000.0",
      doc: "Maximum ratio of desired to existing pods when scaling up.",
    },
    {
      key: "max-scale-down-rate",
      value: "2.0",
      doc: "Maximum ratio of existing to desired pods when scaling down.",
    },
    { key: "enable-scale-to-zero", value: "true", doc: "Whether revisions may scale to zero." },
    {
      key: "scale-to-zero-grace-period",
      value: "30s",
      doc: "Time the last pod stays after the activator is in path.",
    },
    {
      key: "scale-to-zero-pod-retention-period",
      value: "0s",
      doc: "Minimum time the last pod stays after traffic stops.",
    },
    {
      key: "scale-down-delay",
      value: "0s",
      doc: "Time a scale-down decision must hold before it is applied (0..1h).",
    },
    {
      key: "pod-autoscaler-class",
      value: "kpa.autoscaling.knative.dev",
      doc: "Default autoscaler class (kpa or hpa).",
    },
    {
      key: "activator-capacity",
      value: "100.0",
      doc: "Concurrent requests one activator can take.",
    },
    { key: "initial-scale", value: "1", doc: "Pods a new revision starts with." },
    { key: "allow-zero-initial-scale", value: "false", doc: "Whether initial-scale may be 0." },
    { key: "min-scale", value: "0", doc: "Default minimum number of pods." },
    { key: "max-scale", value: "0", doc: "Default maximum number of pods; 0 means unlimited." },
    { key: "max-scale-limit", value: "0", doc: "Upper bound on max-scale; 0 means none." },
  ],
  "config-network": [
    {
      key: "ingress-class",
      value: "istio.ingress.networking.knative.dev",
      doc: "Ingress implementation used for Routes (legacy key ingress.class).",
    },
    {
      key: "certificate-class",
      value: "cert-manager.certificate.networking.knative.dev",
      doc: "Certificate implementation for external TLS.",
    },
    {
      key: "domain-template",
      value: "{{.Name}}.{{.Namespace}}.{{.Domain}}",
      doc: "Go template of Route hostnames (legacy key domainTemplate).",
    },
    {
      key: "tag-template",
      value: "{{.Tag}}-{{.Name}}",
      doc: "Go template of tag host names (legacy key tagTemplate).",
    },
    {
      key: "external-domain-tls",
      value: "Disabled",
      doc: "Provision certificates for external domains (legacy keys auto-tls, autoTLS).",
    },
    {
      key: "cluster-local-domain-tls",
      value: "Disabled",
      doc: "Provision certificates for cluster-local domains.",
    },
    {
      key: "system-internal-tls",
      value: "Disabled",
      doc: "TLS between system components (legacy key internal-encryption).",
    },
    {
      key: "http-protocol",
      value: "Enabled",
      doc: "Enabled serves HTTP, Redirected redirects to HTTPS, Disabled refuses HTTP.",
    },
    {
      key: "rollout-duration",
      value: "0",
      doc: "Duration of gradual rollouts of new revisions (legacy key rolloutDuration).",
    },
    {
      key: "autocreate-cluster-domain-claims",
      value: "false",
      doc: "Create ClusterDomainClaims for DomainMappings automatically.",
    },
    {
      key: "enable-mesh-pod-addressability",
      value: "false",
      doc: "Allow pods to be addressed directly under a mesh.",
    },
    { key: "mesh-compatibility-mode", value: "auto", doc: "auto, enabled or disabled." },
    { key: "default-external-scheme", value: "http", doc: "Scheme of Route URLs: http or https." },
  ],
  "config-domain": [
    {
      key: "example.com",
      value: "",
      doc:
        "Default domain for Routes (no selector). Without any entry Routes get svc.cluster.local.",
    },
    {
      key: "example.org",
      value: "|\n  selector:\n    app: nonprofit",
      doc: "Routes whose labels match the selector get this domain.",
    },
    {
      key: "svc.cluster.local",
      value: "|\n  selector:\n    app: secret",
      doc: "Routes matching this selector are cluster-local.",
    },
  ],
  "config-gc": [
    {
      key: "retain-since-create-time",
      value: "48h",
      doc: "Non-active revisions younger than this are kept ('disabled' turns the check off).",
    },
    {
      key: "retain-since-last-active-time",
      value: "15h",
      doc: "Revisions active more recently than this are kept ('disabled' turns the check off).",
    },
    {
      key: "min-non-active-revisions",
      value: "20",
      doc: "Minimum number of non-active revisions to keep.",
    },
    {
      key: "max-non-active-revisions",
      value: "1000",
      doc: "Maximum number of non-active revisions to keep ('disabled' for no limit).",
    },
  ],
  "config-deployment": [
    {
      key: "progress-deadline",
      value: "600s",
      doc: "Time a Deployment may take to make progress (whole seconds).",
    },
    {
      key: "digest-resolution-timeout",
      value: "10s",
      doc: "Timeout of resolving image tags to digests.",
    },
    {
      key: "registries-skipping-tag-resolving",
      value: "kind.local,ko.local,dev.local",
      doc: "Registries whose tags are not resolved to digests.",
    },
    {
      key: "queue-sidecar-cpu-request",
      value: "25m",
      doc: "CPU request of the queue-proxy sidecar.",
    },
    {
      key: "queue-sidecar-cpu-limit",
      value: "1000m",
      doc: "CPU limit of the queue-proxy sidecar (not set by default).",
    },
    {
      key: "queue-sidecar-memory-request",
      value: "400Mi",
      doc: "Memory request of the queue-proxy sidecar (not set by default).",
    },
    {
      key: "queue-sidecar-memory-limit",
      value: "800Mi",
      doc: "Memory limit of the queue-proxy sidecar (not set by default).",
    },
    {
      key: "queue-sidecar-ephemeral-storage-request",
      value: "512Mi",
      doc: "Ephemeral storage request of the sidecar (not set by default).",
    },
    {
      key: "queue-sidecar-ephemeral-storage-limit",
      value: "1024Mi",
      doc: "Ephemeral storage limit of the sidecar (not set by default).",
    },
    {
      key: "queue-sidecar-token-audiences",
      value: "",
      doc: "Comma-separated audiences of projected service account tokens for the sidecar.",
    },
    {
      key: "default-affinity-type",
      value: "prefer-spread-revision-over-nodes",
      doc: "Default pod anti-affinity: prefer-spread-revision-over-nodes or none.",
    },
    {
      key: "pod-is-always-schedulable",
      value: "false",
      doc: "Treat pods as always schedulable (skip unschedulable checks).",
    },
  ],
  "config-features": [
    {
      key: "multi-container",
      value: "enabled",
      doc: "Allow more than one container per revision.",
    },
    {
      key: "multi-container-probing",
      value: "disabled",
      doc: "Allow probes on sidecar containers.",
    },
    { key: "kubernetes.podspec-affinity", value: "disabled", doc: "Allow spec.affinity." },
    {
      key: "kubernetes.podspec-topologyspreadconstraints",
      value: "disabled",
      doc: "Allow spec.topologySpreadConstraints.",
    },
    { key: "kubernetes.podspec-hostaliases", value: "disabled", doc: "Allow spec.hostAliases." },
    {
      key: "kubernetes.podspec-fieldref",
      value: "disabled",
      doc: "Allow env valueFrom.fieldRef / resourceFieldRef.",
    },
    { key: "kubernetes.podspec-nodeselector", value: "disabled", doc: "Allow spec.nodeSelector." },
    {
      key: "kubernetes.podspec-runtimeclassname",
      value: "disabled",
      doc: "Allow spec.runtimeClassName.",
    },
    {
      key: "kubernetes.podspec-securitycontext",
      value: "disabled",
      doc: "Allow the full pod securityContext.",
    },
    {
      key: "kubernetes.podspec-shareprocessnamespace",
      value: "disabled",
      doc: "Allow spec.shareProcessNamespace.",
    },
    { key: "kubernetes.podspec-hostipc", value: "disabled", doc: "Allow spec.hostIPC." },
    { key: "kubernetes.podspec-hostpid", value: "disabled", doc: "Allow spec.hostPID." },
    { key: "kubernetes.podspec-hostnetwork", value: "disabled", doc: "Allow spec.hostNetwork." },
    {
      key: "kubernetes.podspec-priorityclassname",
      value: "disabled",
      doc: "Allow spec.priorityClassName.",
    },
    {
      key: "kubernetes.podspec-schedulername",
      value: "disabled",
      doc: "Allow spec.schedulerName.",
    },
    { key: "kubernetes.podspec-tolerations", value: "disabled", doc: "Allow spec.tolerations." },
    {
      key: "kubernetes.podspec-volumes-emptydir",
      value: "enabled",
      doc: "Allow emptyDir volumes.",
    },
    {
      key: "kubernetes.podspec-volumes-hostpath",
      value: "disabled",
      doc: "Allow hostPath volumes.",
    },
    {
      key: "kubernetes.podspec-volumes-mount-propagation",
      value: "disabled",
      doc: "Allow volumeMounts mountPropagation.",
    },
    { key: "kubernetes.podspec-volumes-csi", value: "disabled", doc: "Allow CSI volumes." },
    {
      key: "kubernetes.podspec-volumes-ephemeral",
      value: "disabled",
      doc: "Allow ephemeral volumes.",
    },
    { key: "kubernetes.podspec-volumes-image", value: "disabled", doc: "Allow image volumes." },
    { key: "kubernetes.podspec-init-containers", value: "disabled", doc: "Allow init containers." },
    {
      key: "kubernetes.podspec-persistent-volume-claim",
      value: "disabled",
      doc: "Allow persistentVolumeClaim volumes.",
    },
    {
      key: "kubernetes.podspec-persistent-volume-write",
      value: "disabled",
      doc: "Allow writable persistentVolumeClaim mounts.",
    },
    { key: "kubernetes.podspec-dnspolicy", value: "disabled", doc: "Allow spec.dnsPolicy." },
    { key: "kubernetes.podspec-dnsconfig", value: "disabled", doc: "Allow spec.dnsConfig." },
    {
      key: "kubernetes.containerspec-addcapabilities",
      value: "disabled",
      doc: "Allow adding Linux capabilities.",
    },
    {
      key: "queueproxy.mount-podinfo",
      value: "disabled",
      doc: "Mount pod info into the queue-proxy.",
    },
    {
      key: "queueproxy.resource-defaults",
      value: "disabled",
      doc: "Apply default resources to the queue-proxy.",
    },
    {
      key: "secure-pod-defaults",
      value: "disabled",
      doc: "Secure securityContext defaults: disabled, AllowRootBounded or enabled.",
    },
    {
      key: "tag-header-based-routing",
      value: "disabled",
      doc: "Route by the Knative-Serving-Tag header.",
    },
    {
      key: "autodetect-http2",
      value: "disabled",
      doc: "Detect HTTP/2 support of user containers.",
    },
  ],
  "config-observability": [
    {
      key: "logging.enable-var-log-collection",
      value: "false",
      doc:
        "Collect the logs user containers write under /var/log (a fluentd sidecar tails them); needs logging.fluentd-sidecar-image.",
    },
    {
      key: "logging.fluentd-sidecar-image",
      value: "k8s.gcr.io/fluentd-elasticsearch:v2.0.4",
      doc: "Image of the fluentd sidecar added when var-log collection is on (not set by default).",
    },
    {
      key: "logging.fluentd-sidecar-output-config",
      value:
        "|\n  <match **>\n    @type elasticsearch\n    host elasticsearch-logging.knative-monitoring\n    port 9200\n    logstash_format true\n  </match>",
      doc: "The fluentd output section, mounted into the sidecar (not set by default).",
    },
    {
      key: "logging.revision-url-template",
      value: "http://logging.example.com/?revisionUID=${REVISION_UID}",
      doc:
        "Template of each Revision's status.logUrl; ${REVISION_UID} is replaced by the Revision's UID (empty by default: no logUrl).",
    },
    {
      key: "logging.request-log-template",
      value: DEFAULT_REQUEST_LOG_TEMPLATE,
      doc:
        "Go text/template of one request-log line (keep it on one line); it sees .Request (http.Request), .Response (Code, Size, Latency), .Revision (Name, Namespace, Service, Configuration, PodName, PodIP) and .TraceID.",
    },
    {
      key: "logging.enable-request-log",
      value: "false",
      doc:
        "Whether the queue-proxy and activator write request logs (needs a non-empty request-log template).",
    },
    {
      key: "logging.enable-probe-request-log",
      value: "false",
      doc: "Whether probe requests are logged too, with the same template.",
    },
    {
      key: "metrics-protocol",
      value: "none",
      doc:
        "How control-plane metrics are exported: none, prometheus, grpc (OTLP gRPC) or http/protobuf (OTLP HTTP). Replaces the seed's metrics.backend-destination (prometheus and none are still read).",
    },
    {
      key: "metrics-endpoint",
      value: "",
      doc:
        "Where metrics go, e.g. http://otel-collector.observability:4318/v1/metrics; required for grpc and http/protobuf, must be empty for none, an optional host:port to listen on for prometheus.",
    },
    {
      key: "metrics-export-interval",
      value: "0s",
      doc: "Metrics export period; 0 means the OpenTelemetry default (60s). Must not be negative.",
    },
    {
      key: "request-metrics-protocol",
      value: "none",
      doc:
        "How queue-proxy request metrics are exported (same values as metrics-protocol). Replaces metrics.request-metrics-backend-destination.",
    },
    {
      key: "request-metrics-endpoint",
      value: "",
      doc: "Where queue-proxy request metrics go (same rules as metrics-endpoint).",
    },
    {
      key: "request-metrics-export-interval",
      value: "0s",
      doc: "Queue-proxy metrics export period; 0 means the OpenTelemetry default (60s).",
    },
    {
      key: "runtime-profiling",
      value: "disabled",
      doc:
        "enabled exposes pprof data on port 8008 under /debug/pprof/ (replaces the seed's profiling.enable).",
    },
    {
      key: "runtime-export-interval",
      value: "15s",
      doc: "Export period of the runtime metrics (memory, event loop).",
    },
    {
      key: "tracing-protocol",
      value: "none",
      doc: "How traces are exported: none, stdout (debugging), grpc or http/protobuf.",
    },
    {
      key: "tracing-endpoint",
      value: "",
      doc:
        "Where traces go, e.g. http://jaeger-collector.observability:4318/v1/traces; required for grpc and http/protobuf, must be empty for none and stdout.",
    },
    {
      key: "tracing-sampling-rate",
      value: "0",
      doc: "Fraction of traces exported, from 0 (none) to 1 (all).",
    },
  ],
  "config-istio": [
    {
      key: "external-gateways",
      value:
        "|\n  - name: knative-ingress-gateway\n    namespace: knative-serving\n    service: istio-ingressgateway.istio-system.svc.cluster.local",
      doc:
        "Istio Gateways for public Ingress rules (name, namespace, service, optional labelSelector); exactly one entry without a labelSelector. [] with local-gateways [] means mesh only.",
    },
    {
      key: "local-gateways",
      value:
        "|\n  - name: knative-local-gateway\n    namespace: knative-serving\n    service: knative-local-gateway.istio-system.svc.cluster.local",
      doc: "Istio Gateways for cluster-local Ingress rules (same shape as external-gateways).",
    },
  ],
  "config-gateway": [
    {
      key: "external-gateways",
      value:
        "|\n  - class: istio\n    gateway: istio-system/knative-gateway\n    service: istio-system/istio-ingressgateway\n    supported-features:\n    - HTTPRouteRequestTimeout",
      doc:
        "The Gateway API Gateway (exactly one) for public routes: its GatewayClass, namespace/name, the Service behind it and the features the implementation supports.",
    },
    {
      key: "local-gateways",
      value:
        "|\n  - class: istio\n    gateway: istio-system/knative-local-gateway\n    service: istio-system/knative-local-gateway\n    supported-features:\n    - HTTPRouteRequestTimeout",
      doc: "The Gateway (exactly one) for cluster-local routes, same shape as external-gateways.",
    },
  ],
  "config-contour": [
    {
      key: "visibility",
      value:
        "|\n  ExternalIP:\n    class: contour-external\n    service: contour-external/envoy\n  ClusterLocal:\n    class: contour-internal\n    service: contour-internal/envoy",
      doc:
        "Contour ingress class and envoy Service (namespace/name) for each Ingress visibility; both entries are required.",
    },
    {
      key: "timeout-policy-response",
      value: "infinity",
      doc: "Response timeout of every HTTPProxy route (a duration or infinity).",
    },
    {
      key: "timeout-policy-idle",
      value: "infinity",
      doc: "Idle timeout of every HTTPProxy route (a duration or infinity).",
    },
    {
      key: "default-tls-secret",
      value: "some-namespace/some-secret",
      doc: "TLS secret (namespace/name) used by virtual hosts that name none (not set by default).",
    },
    {
      key: "cors-policy",
      value:
        '|\n  allowCredentials: true\n  allowOrigin:\n    - "*"\n  allowMethods:\n    - GET\n    - POST\n    - OPTIONS',
      doc: "CORS policy set on every HTTPProxy virtual host (not set by default).",
    },
  ],
};

const HEADER = `################################
#                              #
#    EXAMPLE CONFIGURATION     #
#                              #
################################

# This block is not actually functional configuration,
# but serves to illustrate the available configuration
# options and document them in a way that is accessible
# to users that \`kubectl edit\` this config map.
#
# These sample configuration options may be copied out of
# this example block and unindented to be in the data block
# to actually change the configuration.
`;

/** Renders the `_example` block of a config map. */
export function renderExample(name: string): string {
  const keys = CONFIG_EXAMPLES[name] ?? [];
  const body = keys.map((k) => {
    const doc = `# ${k.doc}`;
    const value = k.value.startsWith("|") ? ` ${k.value}` : ` ${JSON.stringify(k.value)}`;
    return `\n${doc}\n${k.key}:${value}`;
  }).join("\n");
  return `${HEADER}${body}\n`;
}
