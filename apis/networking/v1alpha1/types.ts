/**
 * networking.internal.knative.dev/v1alpha1 Ingress and ServerlessService
 * (`networking/pkg/apis/networking/v1alpha1`).
 * @module
 */
import type { KubeObject } from "../../../runtime/mod.ts";
import type { Status } from "../../serving/v1/types.ts";
import type { ConditionSetSpec } from "../../serving/v1/conditions.ts";

/** Rule visibility. */
export type IngressVisibility = "ExternalIP" | "ClusterLocal";
/** HTTP option. */
export type HTTPOption = "Enabled" | "Redirected";

/** TLS entry. */
export interface IngressTLS {
  /** Hosts the certificate covers. */
  hosts?: string[];
  /** Secret name. */
  secretName?: string;
  /** Secret namespace. */
  secretNamespace?: string;
}

/** Header match. */
export interface HeaderMatch {
  /** Exact value. */
  exact: string;
}

/** One weighted backend. */
export interface IngressBackendSplit {
  /** Backend service namespace. */
  serviceNamespace: string;
  /** Backend service name. */
  serviceName: string;
  /** Backend service port (number or name). */
  servicePort: number | string;
  /** Percent of traffic. */
  percent?: number;
  /** Headers appended when this split is chosen. */
  appendHeaders?: Record<string, string>;
}

/** A path rule. */
export interface HTTPIngressPath {
  /** Literal path prefix. */
  path?: string;
  /** Host rewrite. */
  rewriteHost?: string;
  /** Header matches. */
  headers?: Record<string, HeaderMatch>;
  /** Headers appended to matched requests. */
  appendHeaders?: Record<string, string>;
  /** Weighted splits. */
  splits: IngressBackendSplit[];
}

/** A host rule. */
export interface IngressRule {
  /** Hosts. */
  hosts?: string[];
  /** Visibility (defaults to ExternalIP). */
  visibility?: IngressVisibility;
  /** HTTP paths. */
  http?: { paths: HTTPIngressPath[] };
}

/** IngressSpec. */
export interface IngressSpec {
  /** TLS settings. */
  tls?: IngressTLS[];
  /** Rules. */
  rules?: IngressRule[];
  /** HTTP option. */
  httpOption?: HTTPOption;
}

/** Load balancer ingress status. */
export interface LoadBalancerIngressStatus {
  /** IP. */
  ip?: string;
  /** External domain. */
  domain?: string;
  /** Internal domain. */
  domainInternal?: string;
  /** Mesh-only. */
  meshOnly?: boolean;
}

/** Load balancer status. */
export interface LoadBalancerStatus {
  /** Ingress points. */
  ingress?: LoadBalancerIngressStatus[];
}

/** IngressStatus. */
export interface IngressStatus extends Status {
  /** Public load balancer. */
  publicLoadBalancer?: LoadBalancerStatus;
  /** Private load balancer. */
  privateLoadBalancer?: LoadBalancerStatus;
}

/** A networking.internal.knative.dev/v1alpha1 Ingress. */
export interface Ingress extends KubeObject {
  /** Spec. */
  spec: IngressSpec;
  /** Status. */
  status?: IngressStatus;
}

/** SKS operation mode. */
export type ServerlessServiceMode = "Serve" | "Proxy";

/** ServerlessServiceSpec. */
export interface ServerlessServiceSpec {
  /** Mode. */
  mode?: ServerlessServiceMode;
  /** Scale target reference. */
  objectRef: { apiVersion?: string; kind?: string; name?: string };
  /** `http1` or `h2c`. */
  protocolType?: string;
  /** Activators to use in Proxy mode (0 = all). */
  numActivators?: number;
}

/** ServerlessServiceStatus. */
export interface ServerlessServiceStatus extends Status {
  /** Public service name. */
  serviceName?: string;
  /** Private service name. */
  privateServiceName?: string;
}

/** A networking.internal.knative.dev/v1alpha1 ServerlessService. */
export interface ServerlessService extends KubeObject {
  /** Spec. */
  spec: ServerlessServiceSpec;
  /** Status. */
  status?: ServerlessServiceStatus;
}

/** Ingress condition types. */
export const IngressConditions = {
  Ready: "Ready",
  NetworkConfigured: "NetworkConfigured",
  LoadBalancerReady: "LoadBalancerReady",
} as const;
/** Ingress: Ready ← NetworkConfigured, LoadBalancerReady. */
export const ingressConditionSet: ConditionSetSpec = {
  happy: "Ready",
  dependents: [IngressConditions.NetworkConfigured, IngressConditions.LoadBalancerReady],
};
/** ServerlessService condition types. */
export const ServerlessServiceConditions = {
  Ready: "Ready",
  EndpointsPopulated: "EndpointsPopulated",
  ActivatorEndpointsPopulated: "ActivatorEndpointsPopulated",
} as const;
/** SKS: Ready ← EndpointsPopulated (ActivatorEndpointsPopulated informational). */
export const serverlessServiceConditionSet: ConditionSetSpec = {
  happy: "Ready",
  dependents: [ServerlessServiceConditions.EndpointsPopulated],
};
