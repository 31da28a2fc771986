/**
 * Well-known networking keys, headers and ports — Knative's
 * `networking/pkg/apis/networking/register.go` and `ports.go`.
 * @module
 */

/** API group of the internal networking types. */
export const NETWORKING_INTERNAL_GROUP = "networking.internal.knative.dev";
/** `networking.internal.knative.dev/v1alpha1`. */
export const NETWORKING_V1ALPHA1 = "networking.internal.knative.dev/v1alpha1";
/** Public networking group used in annotation keys. */
export const NETWORKING_GROUP = "networking.knative.dev";

/** Annotation: ingress class. */
export const INGRESS_CLASS_ANNOTATION = "networking.knative.dev/ingress.class";
/** Alias of {@link INGRESS_CLASS_ANNOTATION}. */
export const INGRESS_CLASS_ANNOTATION_ALT = "networking.knative.dev/ingress-class";
/** Ingress class keys in priority order. */
export const INGRESS_CLASS_KEYS = [INGRESS_CLASS_ANNOTATION, INGRESS_CLASS_ANNOTATION_ALT] as const;
/** Annotation: certificate class. */
export const CERTIFICATE_CLASS_ANNOTATION = "networking.knative.dev/certificate.class";
/** Alias of {@link CERTIFICATE_CLASS_ANNOTATION}. */
export const CERTIFICATE_CLASS_ANNOTATION_ALT = "networking.knative.dev/certificate-class";
/** Annotation: per-route HTTP protocol (`enabled`/`redirected`). */
export const HTTP_PROTOCOL_ANNOTATION = "networking.knative.dev/http-protocol";
/** Legacy alias of {@link HTTP_PROTOCOL_ANNOTATION}. */
export const HTTP_OPTION_ANNOTATION = "networking.knative.dev/httpOption";
/** Annotation: opt out of external domain TLS. */
export const DISABLE_EXTERNAL_DOMAIN_TLS_ANNOTATION =
  "networking.knative.dev/disable-external-domain-tls";
/** Legacy alias. */
export const DISABLE_AUTO_TLS_ANNOTATION = "networking.knative.dev/disableAutoTLS";
/** Legacy alias. */
export const DISABLE_AUTO_TLS_ANNOTATION_ALT = "networking.knative.dev/disable-auto-tls";

/** Default ingress class (Istio). */
export const ISTIO_INGRESS_CLASS = "istio.ingress.networking.knative.dev";
/** Contour ingress class. */
export const CONTOUR_INGRESS_CLASS = "contour.ingress.networking.knative.dev";
/** Gateway API ingress class. */
export const GATEWAY_API_INGRESS_CLASS = "gateway-api.ingress.networking.knative.dev";
/** Default certificate class. */
export const CERT_MANAGER_CERTIFICATE_CLASS = "cert-manager.certificate.networking.knative.dev";

/** Label on network-programming children: Ingress name. */
export const INGRESS_LABEL = "networking.internal.knative.dev/ingress";
/** Annotation on Ingress: JSON rollout state. */
export const ROLLOUT_ANNOTATION = "networking.internal.knative.dev/rollout";
/** Annotation on Ingress: JSON `{tag: [hosts]}`. */
export const TAG_TO_HOST_ANNOTATION = "networking.internal.knative.dev/tag-to-host";
/** Label on SKS Services: SKS name. */
export const SKS_LABEL = "networking.internal.knative.dev/serverlessservice";
/** Label on SKS Services: `Public` / `Private`. */
export const SERVICE_TYPE_LABEL = "networking.internal.knative.dev/serviceType";
/** Values of {@link SERVICE_TYPE_LABEL}. */
export const ServiceType = { Public: "Public", Private: "Private" } as const;

/** Header: revision name for activator routing. */
export const REVISION_HEADER_NAME = "Knative-Serving-Revision";
/** Header: revision namespace for activator routing. */
export const REVISION_HEADER_NAMESPACE = "Knative-Serving-Namespace";
/** Header: tag routing. */
export const TAG_HEADER_NAME = "Knative-Serving-Tag";
/** Header: default route marker for tag header routing. */
export const DEFAULT_ROUTE_HEADER_NAME = "Knative-Serving-Default-Route";
/** Header: probe hash. */
export const HASH_HEADER_NAME = "K-Network-Hash";
/** Match value of the probe hash header. */
export const HASH_HEADER_OVERRIDE_VALUE = "override";
/** Header: probe marker. */
export const PROBE_HEADER_NAME = "K-Network-Probe";
/** Values of {@link PROBE_HEADER_NAME}. */
export const ProbeHeaderValue = {
  Probe: "probe",
  Queue: "queue",
  Activator: "activator",
} as const;
/** Header: original host. */
export const ORIGINAL_HOST_HEADER = "K-Original-Host";
/** Header: proxied request marker. */
export const PROXY_HEADER_NAME = "K-Proxy-Request";
/** Header: kubelet probe marker. */
export const KUBELET_PROBE_HEADER_NAME = "K-Kubelet-Probe";

/** Service port for HTTP/1. */
export const SERVICE_HTTP_PORT = 80;
/** Service port for h2c. */
export const SERVICE_HTTP2_PORT = 81;
/** Service port for HTTPS. */
export const SERVICE_HTTPS_PORT = 443;
/** Port name `http`. */
export const SERVICE_PORT_NAME_HTTP1 = "http";
/** Port name `http2`. */
export const SERVICE_PORT_NAME_H2C = "http2";
/** Port name `https`. */
export const SERVICE_PORT_NAME_HTTPS = "https";
/** Queue/backend HTTP/1 port. */
export const BACKEND_HTTP_PORT = 8012;
/** Queue/backend h2c port. */
export const BACKEND_HTTP2_PORT = 8013;
/** Queue/backend HTTPS port. */
export const BACKEND_HTTPS_PORT = 8112;
/** Queue admin port. */
export const QUEUE_ADMIN_PORT = 8022;
/** Autoscaler metrics port. */
export const AUTOSCALING_QUEUE_METRICS_PORT = 9090;
/** Autoscaler metrics port name. */
export const AUTOSCALING_QUEUE_METRICS_PORT_NAME = "http-autometric";
/** User metrics port. */
export const USER_QUEUE_METRICS_PORT = 9091;
/** User metrics port name. */
export const USER_QUEUE_METRICS_PORT_NAME = "http-usermetric";
/** Profiling port. */
export const PROFILING_PORT = 8008;
/** Profiling port name. */
export const PROFILING_PORT_NAME = "profiling-port";
/** App protocol for h2c. */
export const APP_PROTOCOL_H2C = "kubernetes.io/h2c";
