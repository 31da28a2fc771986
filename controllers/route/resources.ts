/**
 * Pure builders of the Route controller (KNATIVE.md §5): domains and
 * visibility, status url/address/traffic, placeholder k8s Services and the
 * networking.internal.knative.dev Ingress.
 * @module
 */
import type {
  DomainConfig,
  FeaturesConfig,
  HTTPIngressPath,
  Ingress,
  IngressBackendSplit,
  IngressRule,
  IngressVisibility,
  NetworkConfig,
  Route,
  TrafficTarget,
} from "../../apis/mod.ts";
import {
  APP_PROTOCOL_H2C,
  CERTIFICATE_CLASS_ANNOTATION_ALT,
  DEFAULT_DOMAIN_TEMPLATE,
  DEFAULT_ROUTE_HEADER_NAME,
  featureOn,
  HTTP_OPTION_ANNOTATION,
  HTTP_PROTOCOL_ANNOTATION,
  INGRESS_CLASS_ANNOTATION,
  INGRESS_CLASS_ANNOTATION_ALT,
  INGRESS_CLASS_KEYS,
  lookupDomainForLabels,
  NETWORKING_V1ALPHA1,
  renderTemplate,
  REVISION_HEADER_NAME,
  REVISION_HEADER_NAMESPACE,
  ROLLOUT_ANNOTATION,
  ROUTE_LABEL,
  ROUTE_NAMESPACE_LABEL,
  SERVICE_HTTP2_PORT,
  SERVICE_HTTP_PORT,
  SERVICE_HTTPS_PORT,
  SERVICE_PORT_NAME_H2C,
  SERVICE_PORT_NAME_HTTP1,
  TAG_HEADER_NAME,
  TAG_TO_HOST_ANNOTATION,
  VISIBILITY_CLUSTER_LOCAL,
  VISIBILITY_LABEL,
} from "../../apis/mod.ts";
import type { KubeObject, LoadBalancerIngress } from "../../runtime/mod.ts";
import { childName, controllerRef, filter, keyPriority, union } from "../names.ts";
import { DEFAULT_TARGET, type RevisionTarget, type TrafficConfig } from "./traffic.ts";
import {
  type ConfigurationRollout,
  type Rollout,
  rolloutFor,
  rolloutsByTag,
  serializeRollout,
} from "./rollout.ts";
import { deepCopy } from "../../runtime/mod.ts";

/** kubectl's last-applied annotation, never copied to children. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** Everything the builders read from configuration. */
export interface RouteConfig {
  /** Parsed config-network. */
  network: NetworkConfig;
  /** Parsed config-domain. */
  domain: DomainConfig;
  /** Parsed config-features. */
  features: FeaturesConfig;
  /** Cluster domain (`cluster.local`). */
  clusterDomain: string;
}

/** A permanent configuration error in the domain templates (`domains.ErrDomainName`). */
export class DomainNameError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DomainNameError";
  }
}

/** `<name>.<ns>.svc.<clusterDomain>`. */
export function serviceHostname(name: string, ns: string, clusterDomain: string): string {
  return `${name}.${ns}.svc.${clusterDomain}`;
}

/**
 * `ExpandedHosts`: each host plus the host with `.<clusterDomain>` and
 * `.svc.<clusterDomain>` trimmed, dropping results whose last label is all
 * digits or longer than 63 characters. Sorted.
 */
export function expandHosts(hosts: Iterable<string>, clusterDomain: string): string[] {
  const out = new Set<string>();
  for (const h of hosts) {
    for (const suffix of ["", `.${clusterDomain}`, `.svc.${clusterDomain}`]) {
      if (suffix && !h.endsWith(suffix)) continue;
      const c = h.slice(0, h.length - suffix.length);
      const tld = c.split(".").pop() ?? "";
      if (tld.length <= 63 && !/^[0-9]+$/.test(tld)) out.add(c);
    }
  }
  return [...out].sort();
}

/** The Ingress name of a Route (`ChildName(route, "")`). */
export function ingressName(route: Route): string {
  return childName(route.metadata.name ?? "", "");
}

/** `HostnameFromTemplate`: the tag template result, or the route name for the default target. */
export function hostnameFromTemplate(cfg: RouteConfig, name: string, tag: string): string {
  if (!tag) return name;
  try {
    return renderTemplate(cfg.network.tagTemplate, { Name: name, Tag: tag });
  } catch (e) {
    throw new DomainNameError(`error executing the TagTemplate: ${(e as Error).message}`);
  }
}

/** `LookupDomainForLabels`, with the cluster-local label forcing `svc.<clusterDomain>`. */
export function domainForLabels(cfg: RouteConfig, labels: Record<string, string>): string {
  if (labels[VISIBILITY_LABEL] === VISIBILITY_CLUSTER_LOCAL) return `svc.${cfg.clusterDomain}`;
  return lookupDomainForLabels(cfg.domain, labels);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function fqdnError(name: string): string | undefined {
  if (name.length > 253) return "must be no more than 253 characters";
  const parts = name.split(".");
  if (parts.length < 2) return "should be a domain with at least two segments separated by dots";
  for (const p of parts) {
    if (p.length > 63 || !DNS_LABEL.test(p)) {
      return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    }
  }
  return undefined;
}

/**
 * `DomainNameFromTemplate`: the FQDN of `hostname` for an object with `meta`;
 * cluster-local objects always use the default template.
 */
export function domainNameFromTemplate(
  cfg: RouteConfig,
  meta: {
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  },
  hostname: string,
): string {
  const labels = meta.labels ?? {};
  const tpl = labels[VISIBILITY_LABEL] === VISIBILITY_CLUSTER_LOCAL
    ? DEFAULT_DOMAIN_TEMPLATE
    : cfg.network.domainTemplate;
  let out: string;
  try {
    out = renderTemplate(tpl, {
      Name: hostname,
      Namespace: meta.namespace ?? "",
      Domain: domainForLabels(cfg, labels),
      Annotations: meta.annotations ?? {},
      Labels: labels,
    });
  } catch (e) {
    throw new DomainNameError(`error executing the DomainTemplate: ${(e as Error).message}`);
  }
  const err = fqdnError(out);
  if (err) {
    throw new DomainNameError(`invalid domain name "${out}": url: Invalid value: "${out}": ${err}`);
  }
  return out;
}

/** Route metadata with the visibility label set (or removed). */
function withVisibility(route: Route, clusterLocal: boolean) {
  const labels = { ...(route.metadata.labels ?? {}) };
  if (clusterLocal) labels[VISIBILITY_LABEL] = VISIBILITY_CLUSTER_LOCAL;
  else delete labels[VISIBILITY_LABEL];
  return { ...route.metadata, labels };
}

/** Primary host and expanded hosts of one target name for one visibility. */
export function domainsForVisibility(
  cfg: RouteConfig,
  route: Route,
  name: string,
  visibility: IngressVisibility,
): { primary: string; expanded: string[] } {
  const host = hostnameFromTemplate(cfg, route.metadata.name ?? "", name);
  const local = visibility === "ClusterLocal";
  const primary = domainNameFromTemplate(cfg, withVisibility(route, local), host);
  return { primary, expanded: local ? expandHosts([primary], cfg.clusterDomain) : [primary] };
}

/** The traffic names of a Route's spec: `""` plus every tag. */
export function specTrafficNames(route: Route): string[] {
  const names = new Set<string>([DEFAULT_TARGET]);
  for (const t of route.spec?.traffic ?? []) if (t.tag) names.add(t.tag);
  return [...names].sort();
}

/**
 * Visibility per traffic name (`visibility.Resolver`): ClusterLocal when the
 * Route's domain is `svc.<clusterDomain>`, or when the existing placeholder
 * Service of that name carries the visibility label.
 */
export function resolveVisibility(
  cfg: RouteConfig,
  route: Route,
  placeholders: readonly KubeObject[],
): Map<string, IngressVisibility> {
  const routeLocal = domainForLabels(cfg, route.metadata.labels ?? {}) ===
    `svc.${cfg.clusterDomain}`;
  const byName = new Map(placeholders.map((s) => [s.metadata.name ?? "", s]));
  const out = new Map<string, IngressVisibility>();
  for (const name of specTrafficNames(route)) {
    const host = hostnameFromTemplate(cfg, route.metadata.name ?? "", name);
    const svcLocal = !!byName.get(host)?.metadata.labels?.[VISIBILITY_LABEL];
    out.set(name, routeLocal || svcLocal ? "ClusterLocal" : "ExternalIP");
  }
  return out;
}

/** `status.url` of the Route (scheme `http` when cluster-local, else `default-external-scheme`). */
export function routeStatusURL(
  cfg: RouteConfig,
  route: Route,
  visibility: Map<string, IngressVisibility>,
): string {
  const local = visibility.get(DEFAULT_TARGET) === "ClusterLocal";
  const host = domainNameFromTemplate(cfg, withVisibility(route, local), route.metadata.name ?? "");
  const scheme = local ? "http" : cfg.network.defaultExternalScheme;
  return `${scheme}://${host}`;
}

/** `status.address.url`: `http://<route>.<ns>.svc.<clusterDomain>`. */
export function routeAddressURL(cfg: RouteConfig, route: Route): string {
  return `http://${
    serviceHostname(route.metadata.name ?? "", route.metadata.namespace ?? "", cfg.clusterDomain)
  }`;
}

/**
 * `GetRevisionTrafficTargets`: one status entry per flattened target (expanded
 * into the revisions of a rollout in progress), with a url for tagged entries.
 */
export function statusTraffic(
  cfg: RouteConfig,
  route: Route,
  tc: TrafficConfig,
  visibility: Map<string, IngressVisibility>,
  rollout: Rollout = {},
): TrafficTarget[] {
  const out: TrafficTarget[] = [];
  for (const t of tc.revisionTargets) {
    let url: string | undefined;
    if (t.tag) {
      const local = visibility.get(t.tag) === "ClusterLocal";
      const host = hostnameFromTemplate(cfg, route.metadata.name ?? "", t.tag);
      const fqdn = domainNameFromTemplate(cfg, withVisibility(route, local), host);
      url = `${local ? "http" : cfg.network.defaultExternalScheme}://${fqdn}`;
    }
    const ro = rolloutFor(rolloutsByTag(rollout, t.tag ?? ""), t);
    const revs = ro?.revisions ?? [{ revisionName: t.revisionName, percent: t.percent ?? 0 }];
    for (const r of revs) {
      const e: TrafficTarget = {};
      if (t.tag) e.tag = t.tag;
      e.revisionName = r.revisionName;
      e.percent = r.percent;
      if (t.latestRevision !== undefined) e.latestRevision = t.latestRevision;
      if (url) e.url = url;
      out.push(e);
    }
  }
  return out;
}

function serviceMeta(route: Route, hostname: string) {
  return {
    name: hostname,
    namespace: route.metadata.namespace,
    labels: union(filter(route.metadata.labels, (k) => k === VISIBILITY_LABEL), {
      [ROUTE_LABEL]: route.metadata.name ?? "",
    }),
    annotations: { ...(route.metadata.annotations ?? {}) },
    ownerReferences: [controllerRef(route)],
  };
}

const H2C_PORT = {
  name: SERVICE_PORT_NAME_H2C,
  appProtocol: APP_PROTOCOL_H2C,
  port: SERVICE_HTTP_PORT,
  targetPort: SERVICE_HTTP_PORT,
};

/** `MakeK8sPlaceholderService`: ExternalName → the target's FQDN. */
export function makePlaceholderService(cfg: RouteConfig, route: Route, tag: string): KubeObject {
  const hostname = hostnameFromTemplate(cfg, route.metadata.name ?? "", tag);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: serviceMeta(route, hostname),
    spec: {
      type: "ExternalName",
      externalName: domainNameFromTemplate(cfg, route.metadata, hostname),
      sessionAffinity: "None",
      ports: [{ ...H2C_PORT }],
    },
  };
}

/** A Service and its optional Endpoints. */
export interface ServicePair {
  /** The Service. */
  service: KubeObject;
  /** The Endpoints (only for an IP load balancer). */
  endpoints?: KubeObject;
}

/**
 * `MakeK8sService`: the placeholder rewritten from the Ingress load balancer
 * (private preferred, or always for cluster-local). Returns undefined when the
 * Ingress reports no (or more than one) load balancer entry.
 */
export function makeK8sService(
  cfg: RouteConfig,
  route: Route,
  tag: string,
  ingress: Ingress,
  isPrivate: boolean,
): ServicePair | undefined {
  const priv = ingress.status?.privateLoadBalancer?.ingress ?? [];
  const lb = isPrivate || priv.length ? priv : ingress.status?.publicLoadBalancer?.ingress ?? [];
  if (lb.length !== 1) return undefined;
  const b: LoadBalancerIngress = lb[0];
  const meta = serviceMeta(route, hostnameFromTemplate(cfg, route.metadata.name ?? "", tag));
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta,
    spec: { ports: [{ ...H2C_PORT }] },
  };
  const spec = service.spec as Record<string, unknown>;
  if (b.ip) {
    spec.clusterIP = "None";
    spec.type = "ClusterIP";
    return {
      service,
      endpoints: {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: deepCopy(meta),
        subsets: [{
          addresses: [{ ip: b.ip }],
          ports: [{ name: SERVICE_PORT_NAME_H2C, appProtocol: APP_PROTOCOL_H2C, port: 80 }],
        }],
      },
    };
  }
  if (b.domainInternal) {
    spec.type = "ExternalName";
    spec.externalName = b.domainInternal;
    spec.sessionAffinity = "None";
  } else if (b.domain) {
    spec.type = "ExternalName";
    spec.externalName = b.domain;
  } else if (b.meshOnly) {
    spec.type = "ClusterIP";
    spec.ports = [{ name: SERVICE_PORT_NAME_HTTP1, port: SERVICE_HTTP_PORT }];
  } else return undefined;
  return { service };
}

/** The ingress class of a Route: its annotation, else config-network's. */
export function ingressClassForRoute(cfg: RouteConfig, route: Route): string {
  return keyPriority(route.metadata.annotations, INGRESS_CLASS_KEYS) ??
    cfg.network.defaultIngressClass;
}

/** `GetHTTPOption`: the route annotation (`enabled`/`redirected`) or config-network's. */
export function httpOption(cfg: RouteConfig, route: Route): "Enabled" | "Redirected" | undefined {
  const ann = keyPriority(route.metadata.annotations, [
    HTTP_PROTOCOL_ANNOTATION,
    HTTP_OPTION_ANNOTATION,
  ]);
  if (ann !== undefined) {
    const v = ann.toLowerCase();
    if (v === "enabled") return "Enabled";
    if (v === "redirected") return "Redirected";
    throw new DomainNameError(
      `annotation ${HTTP_PROTOCOL_ANNOTATION} has an unsupported value ${
        JSON.stringify(ann)
      }, want enabled or redirected`,
    );
  }
  if (cfg.network.httpProtocol === "Enabled") return "Enabled";
  if (cfg.network.httpProtocol === "Redirected") return "Redirected";
  return undefined;
}

function servicePort(cfg: RouteConfig, t: RevisionTarget): number {
  if (cfg.network.systemInternalTLS === "Enabled") return SERVICE_HTTPS_PORT;
  return t.protocol === "h2c" ? SERVICE_HTTP2_PORT : SERVICE_HTTP_PORT;
}

function makeSplit(
  cfg: RouteConfig,
  ns: string,
  t: RevisionTarget,
  rev: string,
  percent: number,
): IngressBackendSplit {
  return {
    serviceNamespace: ns,
    serviceName: rev,
    servicePort: servicePort(cfg, t),
    percent,
    appendHeaders: { [REVISION_HEADER_NAME]: rev, [REVISION_HEADER_NAMESPACE]: ns },
  };
}

function basePath(
  cfg: RouteConfig,
  ns: string,
  targets: RevisionTarget[],
  rollouts: ConfigurationRollout[],
): HTTPIngressPath {
  const splits: IngressBackendSplit[] = [];
  for (const t of targets) {
    const p = t.percent ?? 0;
    if (p === 0) continue;
    const ro = rolloutFor(rollouts, t);
    if (ro && (ro.revisions?.length ?? 0) > 1) {
      for (const r of ro.revisions!) splits.push(makeSplit(cfg, ns, t, r.revisionName, r.percent));
    } else splits.push(makeSplit(cfg, ns, t, t.revisionName, p));
  }
  return { splits };
}

/** The Ingress spec and tag-to-host map of a Route (`makeIngressSpec`). */
export function makeIngressSpec(
  cfg: RouteConfig,
  route: Route,
  tc: TrafficConfig,
  visibility: Map<string, IngressVisibility>,
  rollout: Rollout,
): { spec: Ingress["spec"]; tagToHost: Record<string, string[]> } {
  const ns = route.metadata.namespace ?? "";
  const names = [...tc.targets.keys()].sort();
  const tagHeaders = featureOn(cfg.features, "tag-header-based-routing");
  const rules: IngressRule[] = [];
  const tagToHost: Record<string, string[]> = {};
  for (const name of names) {
    const visibilities: IngressVisibility[] = ["ClusterLocal"];
    if (visibility.get(name) !== "ClusterLocal") visibilities.push("ExternalIP");
    for (const vis of visibilities) {
      const d = domainsForVisibility(cfg, route, name, vis);
      const targets = tc.targets.get(name) ?? [];
      const hostSets = vis === "ClusterLocal" ? [d.expanded] : d.expanded.map((h) => [h]);
      for (const hosts of hostSets) {
        const path = basePath(cfg, ns, targets, rolloutsByTag(rollout, name));
        const paths: HTTPIngressPath[] = [path];
        if (tagHeaders) {
          if (name === DEFAULT_TARGET) {
            path.appendHeaders = { [DEFAULT_ROUTE_HEADER_NAME]: "true" };
            const tagPaths = names.filter((n) => n !== DEFAULT_TARGET).map((tag) => ({
              headers: { [TAG_HEADER_NAME]: { exact: tag } },
              ...basePath(cfg, ns, tc.targets.get(tag) ?? [], rolloutsByTag(rollout, tag)),
            }));
            paths.unshift(...tagPaths);
          } else path.appendHeaders = { [TAG_HEADER_NAME]: name };
        }
        rules.push({ hosts, visibility: vis, http: { paths } });
      }
      if (name !== DEFAULT_TARGET) (tagToHost[name] ??= []).push(d.primary);
    }
  }
  const spec: Ingress["spec"] = { rules };
  const opt = httpOption(cfg, route);
  if (opt) spec.httpOption = opt;
  return { spec, tagToHost };
}

const EXCLUDED_ANNOTATIONS = [
  LAST_APPLIED_ANNOTATION,
  INGRESS_CLASS_ANNOTATION_ALT,
  CERTIFICATE_CLASS_ANNOTATION_ALT,
];

/** `MakeIngressWithRollout`: the Ingress of a Route. */
export function makeIngress(
  cfg: RouteConfig,
  route: Route,
  tc: TrafficConfig,
  visibility: Map<string, IngressVisibility>,
  rollout: Rollout,
  ingressClass: string,
): Ingress {
  const { spec, tagToHost } = makeIngressSpec(cfg, route, tc, visibility, rollout);
  const annotations = filter(
    union(
      { [INGRESS_CLASS_ANNOTATION]: ingressClass, [ROLLOUT_ANNOTATION]: serializeRollout(rollout) },
      route.metadata.annotations,
    ),
    (k) => EXCLUDED_ANNOTATIONS.includes(k),
  );
  if (Object.keys(tagToHost).length) {
    const sorted: Record<string, string[]> = {};
    for (const k of Object.keys(tagToHost).sort()) sorted[k] = tagToHost[k];
    annotations[TAG_TO_HOST_ANNOTATION] = JSON.stringify(sorted);
  }
  return {
    apiVersion: NETWORKING_V1ALPHA1,
    kind: "Ingress",
    metadata: {
      name: ingressName(route),
      namespace: route.metadata.namespace,
      labels: union(route.metadata.labels, {
        [ROUTE_LABEL]: route.metadata.name ?? "",
        [ROUTE_NAMESPACE_LABEL]: route.metadata.namespace ?? "",
      }),
      annotations,
      ownerReferences: [controllerRef(route)],
    },
    spec,
  };
}
