/**
 * The `gateway-api` ingress provider (class `gateway-api.ingress.networking.knative.dev`).
 * @module
 */
import type {
  IngressProvider,
  KubeObject,
  ProviderConfig,
  ProviderStatus,
} from "../../runtime/mod.ts";
import { clusterDomainOf, configMapData } from "../config.ts";
import { asIngress, serviceHostname } from "../ingress.ts";
import { observedMatches } from "../status.ts";
import { type GatewayConfig, type GatewayRef, parseGatewayConfig } from "./config.ts";
import { GATEWAY_API_VERSION, makeHTTPRoutes } from "./httproute.ts";

export * from "./config.ts";
export * from "./httproute.ts";

/** The Gateway API ingress class. */
export const GATEWAY_API_CLASS = "gateway-api.ingress.networking.knative.dev";

interface RouteStatus {
  parents?: { conditions?: { type: string; status: string }[] }[];
}

/** Whether every parent of an observed HTTPRoute reports `Accepted=True` (and there is one). */
export function httpRouteAccepted(route: KubeObject): boolean {
  const parents = (route.status as RouteStatus | undefined)?.parents ?? [];
  return parents.length > 0 &&
    parents.every((p) =>
      (p.conditions ?? []).some((c) => c.type === "Accepted" && c.status === "True")
    );
}

function lbFor(gw: GatewayRef, clusterDomain: string) {
  return gw.service
    ? {
      ingress: [{
        domainInternal: serviceHostname(gw.service.name, gw.service.namespace, clusterDomain),
      }],
    }
    : { ingress: [] };
}

/** Load balancers from the configured gateway services. */
export function gatewayLoadBalancers(cfg: GatewayConfig, clusterDomain = "cluster.local") {
  return {
    publicLoadBalancer: lbFor(cfg.external, clusterDomain),
    privateLoadBalancer: lbFor(cfg.local, clusterDomain),
  };
}

/** Creates the Gateway API provider. */
export function gatewayApiProvider(): IngressProvider {
  const render = (ing: KubeObject, config: ProviderConfig): KubeObject[] =>
    makeHTTPRoutes(asIngress(ing), parseGatewayConfig(configMapData(config, "config-gateway")));
  return {
    className: GATEWAY_API_CLASS,
    kinds: [{ apiVersion: GATEWAY_API_VERSION, kind: "HTTPRoute" }],
    render,
    status(ing, observed, config): ProviderStatus {
      const want = render(ing, config);
      const missing = observedMatches(want, observed);
      if (missing) return { ready: false, reason: "HTTPRouteNotReady", message: missing };
      for (const w of want) {
        const got = observed.find((o) =>
          o.kind === "HTTPRoute" && o.metadata.name === w.metadata.name
        )!;
        if (!httpRouteAccepted(got)) {
          return {
            ready: false,
            reason: "HTTPRouteNotReady",
            message: `Waiting for HTTPRoute "${w.metadata.name}" to be accepted by its gateway.`,
          };
        }
      }
      const cfg = parseGatewayConfig(configMapData(config, "config-gateway"));
      return { ready: true, ...gatewayLoadBalancers(cfg, clusterDomainOf(config)) };
    },
  };
}
