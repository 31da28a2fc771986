/**
 * The `istio` ingress provider (class `istio.ingress.networking.knative.dev`).
 * @module
 */
import type {
  IngressProvider,
  KubeObject,
  LoadBalancerIngress,
  ProviderConfig,
  ProviderStatus,
} from "../../runtime/mod.ts";
import { clusterDomainOf, configMapData } from "../config.ts";
import { asIngress } from "../ingress.ts";
import { observedMatches } from "../status.ts";
import { type IstioConfig, parseIstioConfig } from "./config.ts";
import { ISTIO_API_VERSION, makeVirtualServices, selectGateways } from "./virtual_service.ts";

export * from "./config.ts";
export * from "./virtual_service.ts";

/** The Istio ingress class. */
export const ISTIO_CLASS = "istio.ingress.networking.knative.dev";

/** Load balancers as net-istio reports them for an Ingress. */
export function istioLoadBalancers(
  ing: KubeObject,
  cfg: IstioConfig,
): Pick<ProviderStatus, "publicLoadBalancer" | "privateLoadBalancer"> {
  if (cfg.ingressGateways.length === 0 && cfg.localGateways.length === 0) {
    return {
      publicLoadBalancer: { ingress: [{ meshOnly: true }] },
      privateLoadBalancer: { ingress: [{ meshOnly: true }] },
    };
  }
  const lb = (gws: typeof cfg.ingressGateways): LoadBalancerIngress[] => {
    const sel = selectGateways(gws, ing.metadata.labels);
    return sel.length > 0 ? [{ domainInternal: sel[0].service }] : [{ meshOnly: true }];
  };
  return {
    publicLoadBalancer: { ingress: lb(cfg.ingressGateways) },
    privateLoadBalancer: { ingress: lb(cfg.localGateways) },
  };
}

/** Creates the Istio provider. */
export function istioProvider(): IngressProvider {
  const render = (ing: KubeObject, config: ProviderConfig): KubeObject[] =>
    makeVirtualServices(
      asIngress(ing),
      parseIstioConfig(configMapData(config, "config-istio")),
      clusterDomainOf(config),
    );
  return {
    className: ISTIO_CLASS,
    kinds: [{ apiVersion: ISTIO_API_VERSION, kind: "VirtualService" }],
    render,
    status(ing, observed, config): ProviderStatus {
      const want = render(ing, config);
      const missing = observedMatches(want, observed);
      if (missing) {
        return { ready: false, reason: "ReconcileVirtualServiceFailed", message: missing };
      }
      return {
        ready: true,
        ...istioLoadBalancers(ing, parseIstioConfig(configMapData(config, "config-istio"))),
      };
    },
  };
}
