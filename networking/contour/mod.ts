/**
 * The `contour` ingress provider (class `contour.ingress.networking.knative.dev`).
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
import { type ContourConfig, parseContourConfig } from "./config.ts";
import { CONTOUR_API_VERSION, makeHTTPProxies } from "./httpproxy.ts";

export * from "./config.ts";
export * from "./httpproxy.ts";

/** The Contour ingress class. */
export const CONTOUR_CLASS = "contour.ingress.networking.knative.dev";

/** Load balancers: the envoy Service of each visibility. */
export function contourLoadBalancers(cfg: ContourConfig, clusterDomain = "cluster.local") {
  const lb = (v: "ExternalIP" | "ClusterLocal") => ({
    ingress: [{
      domainInternal: serviceHostname(
        cfg.visibility[v].service.name,
        cfg.visibility[v].service.namespace,
        clusterDomain,
      ),
    }],
  });
  return { publicLoadBalancer: lb("ExternalIP"), privateLoadBalancer: lb("ClusterLocal") };
}

/** Creates the Contour provider. */
export function contourProvider(): IngressProvider {
  const render = (ing: KubeObject, config: ProviderConfig): KubeObject[] =>
    makeHTTPProxies(
      asIngress(ing),
      parseContourConfig(configMapData(config, "config-contour")),
      clusterDomainOf(config),
    );
  return {
    className: CONTOUR_CLASS,
    kinds: [{ apiVersion: CONTOUR_API_VERSION, kind: "HTTPProxy" }],
    render,
    status(ing, observed, config): ProviderStatus {
      const missing = observedMatches(render(ing, config), observed);
      if (missing) return { ready: false, reason: "HTTPProxyNotReady", message: missing };
      return {
        ready: true,
        ...contourLoadBalancers(
          parseContourConfig(configMapData(config, "config-contour")),
          clusterDomainOf(config),
        ),
      };
    },
  };
}
