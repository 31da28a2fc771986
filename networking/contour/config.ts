/**
 * `config-contour` parsing (net-contour `pkg/reconciler/contour/config/contour.go`).
 * @module
 */
import { parse as parseYaml } from "yaml";
import type { IngressVisibility } from "../ingress.ts";

/** Class and envoy Service of one visibility. */
export interface ContourVisibility {
  /** Contour ingress class. */
  class: string;
  /** Envoy Service `namespace/name`. */
  service: { namespace: string; name: string };
}

/** Parsed `config-contour`. */
export interface ContourConfig {
  /** Per-visibility class and service. */
  visibility: Record<IngressVisibility, ContourVisibility>;
  /** Route response timeout. */
  timeoutPolicyResponse: string;
  /** Route idle timeout. */
  timeoutPolicyIdle: string;
  /** Default TLS secret `namespace/name`. */
  defaultTLSSecret?: string;
  /** CORS policy applied to every virtual host. */
  corsPolicy?: Record<string, unknown>;
}

/** The defaults net-contour ships. */
export const DEFAULT_CONTOUR_CONFIG: ContourConfig = {
  visibility: {
    ExternalIP: {
      class: "contour-external",
      service: { namespace: "contour-external", name: "envoy" },
    },
    ClusterLocal: {
      class: "contour-internal",
      service: { namespace: "contour-internal", name: "envoy" },
    },
  },
  timeoutPolicyResponse: "infinity",
  timeoutPolicyIdle: "infinity",
};

function parseService(v: unknown, key: string): { namespace: string; name: string } {
  const parts = typeof v === "string" ? v.split("/") : [];
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(`config-contour ${key}: service must be "namespace/name"`);
  }
  return { namespace: parts[0], name: parts[1] };
}

/** Parses `config-contour` data; absent keys take the defaults. */
export function parseContourConfig(data: Record<string, string>): ContourConfig {
  const cfg: ContourConfig = structuredClone(DEFAULT_CONTOUR_CONFIG);
  if (data.visibility !== undefined) {
    const v = (parseYaml(data.visibility) ?? {}) as Record<string, Record<string, unknown>>;
    for (const vis of ["ExternalIP", "ClusterLocal"] as const) {
      const e = v[vis];
      if (!e) throw new Error(`config-contour visibility: missing ${vis}`);
      if (typeof e.class !== "string" || !e.class) {
        throw new Error(`config-contour visibility.${vis}: class is required`);
      }
      cfg.visibility[vis] = { class: e.class, service: parseService(e.service, vis) };
    }
  }
  if (data["timeout-policy-response"]) cfg.timeoutPolicyResponse = data["timeout-policy-response"];
  if (data["timeout-policy-idle"]) cfg.timeoutPolicyIdle = data["timeout-policy-idle"];
  if (data["default-tls-secret"]) {
    const s = parseService(data["default-tls-secret"], "default-tls-secret");
    cfg.defaultTLSSecret = `${s.namespace}/${s.name}`;
  }
  if (data["cors-policy"]) {
    cfg.corsPolicy = parseYaml(data["cors-policy"]) as Record<string, unknown>;
  }
  return cfg;
}
