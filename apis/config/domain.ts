/**
 * config-domain (`serving/pkg/reconciler/route/config/domain.go`).
 * @module
 */
import { parse as parseYaml } from "yaml";
import { ConfigError, type ConfigMapSpec, EXAMPLE_KEY } from "./parse.ts";

/** Name of the config map. */
export const DOMAIN_CONFIG_NAME = "config-domain";

/** One domain entry. */
export interface DomainEntry {
  /** Label selector the Route must match (empty: default domain). */
  selector: Record<string, string>;
  /** Domain type (`wildcard` for the default). */
  type?: string;
}

/** Parsed config-domain: domain → entry. */
export interface DomainConfig {
  /** Domains. */
  domains: Record<string, DomainEntry>;
}

/** Parses config-domain; adds `svc.<clusterDomain>` when no entry lacks a selector. */
export function parseDomainConfig(
  data: Record<string, string>,
  clusterDomain = "cluster.local",
): DomainConfig {
  const domains: Record<string, DomainEntry> = {};
  let hasDefault = false;
  for (const [k, v] of Object.entries(data)) {
    if (k === EXAMPLE_KEY) continue;
    let parsed: unknown;
    try {
      parsed = v.trim() === "" ? {} : parseYaml(v);
    } catch (e) {
      throw new ConfigError(DOMAIN_CONFIG_NAME, `failed to parse "${k}": ${(e as Error).message}`);
    }
    const p = (parsed ?? {}) as { selector?: Record<string, unknown>; type?: string };
    if (typeof p !== "object" || Array.isArray(p)) {
      throw new ConfigError(
        DOMAIN_CONFIG_NAME,
        `failed to parse "${k}": ${JSON.stringify(v)} is not a map`,
      );
    }
    const selector: Record<string, string> = {};
    for (const [sk, sv] of Object.entries(p.selector ?? {})) selector[sk] = String(sv);
    const entry: DomainEntry = { selector };
    if (Object.keys(selector).length === 0) {
      hasDefault = true;
      entry.type = p.type ?? "wildcard";
    } else if (p.type) entry.type = p.type;
    domains[k] = entry;
  }
  if (!hasDefault) domains[`svc.${clusterDomain}`] = { selector: {}, type: "wildcard" };
  return { domains };
}

/**
 * Picks the domain for a Route's labels: the matching selector with most
 * labels, ties broken by the lexicographically smallest domain.
 */
export function lookupDomainForLabels(cfg: DomainConfig, labels: Record<string, string>): string {
  let best = "";
  let bestSize = -1;
  for (const [domain, entry] of Object.entries(cfg.domains)) {
    const sel = Object.entries(entry.selector);
    if (!sel.every(([k, v]) => labels[k] === v)) continue;
    if (sel.length > bestSize || (sel.length === bestSize && domain < best)) {
      best = domain;
      bestSize = sel.length;
    }
  }
  return best;
}

/** config-domain spec. */
export const domainConfigSpec: ConfigMapSpec<DomainConfig> = {
  name: DOMAIN_CONFIG_NAME,
  parse: (d) => parseDomainConfig(d),
};
