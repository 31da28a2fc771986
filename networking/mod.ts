/**
 * The `networking` layer: the ingress provider contract, the provider
 * registry, the Istio, Gateway API, Contour and local providers, and the
 * generic Ingress reconciler.
 * @module
 */
export * from "./ingress.ts";
export * from "./config.ts";
export * from "./status.ts";
export * from "./registry.ts";
export * from "./reconciler.ts";
export {
  DEFAULT_INGRESS_GATEWAY,
  DEFAULT_LOCAL_GATEWAY as DEFAULT_ISTIO_LOCAL_GATEWAY,
  distinctHostPrefixes,
  gatewaysFor,
  ingressVirtualServiceName,
  ISTIO_API_VERSION,
  ISTIO_CLASS,
  type IstioConfig,
  type IstioGateway,
  istioLoadBalancers,
  istioProvider,
  makeIngressVirtualService,
  makeMeshVirtualService,
  makeVirtualServices,
  meshVirtualServiceName,
  parseIstioConfig,
} from "./istio/mod.ts";
export {
  DEFAULT_EXTERNAL_GATEWAY,
  DEFAULT_LOCAL_GATEWAY as DEFAULT_GATEWAY_API_LOCAL_GATEWAY,
  GATEWAY_API_CLASS,
  GATEWAY_API_VERSION,
  gatewayApiProvider,
  type GatewayConfig,
  gatewayLoadBalancers,
  type GatewayRef,
  httpRouteAccepted,
  longestHost,
  makeHTTPRoute,
  makeHTTPRoutes,
  parseGatewayConfig,
  TAG_LABEL_KEY,
} from "./gateway_api/mod.ts";
export {
  CONTOUR_API_VERSION,
  CONTOUR_CLASS,
  type ContourConfig,
  contourLoadBalancers,
  contourProvider,
  DEFAULT_CONTOUR_CONFIG,
  makeHTTPProxies,
  parseContourConfig,
} from "./contour/mod.ts";
export * from "./local/mod.ts";
