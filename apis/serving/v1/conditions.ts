/**
 * Condition types and condition sets of the serving types (KNATIVE.md §2.4).
 * @module
 */

/** A living condition set: the happy condition and its dependents. */
export interface ConditionSetSpec {
  /** The happy condition. */
  readonly happy: string;
  /** Dependent conditions that roll up into `happy`. */
  readonly dependents: readonly string[];
}

/** The `Ready` condition type. */
export const READY = "Ready";

/** Service condition types. */
export const ServiceConditions = {
  Ready: READY,
  ConfigurationsReady: "ConfigurationsReady",
  RoutesReady: "RoutesReady",
} as const;
/** Configuration condition types. */
export const ConfigurationConditions = { Ready: READY } as const;
/** Revision condition types. */
export const RevisionConditions = {
  Ready: READY,
  ResourcesAvailable: "ResourcesAvailable",
  ContainerHealthy: "ContainerHealthy",
  Active: "Active",
} as const;
/** Route condition types. */
export const RouteConditions = {
  Ready: READY,
  AllTrafficAssigned: "AllTrafficAssigned",
  IngressReady: "IngressReady",
  CertificateProvisioned: "CertificateProvisioned",
} as const;

/** Service: Ready ← ConfigurationsReady, RoutesReady. */
export const serviceConditionSet: ConditionSetSpec = {
  happy: READY,
  dependents: [ServiceConditions.ConfigurationsReady, ServiceConditions.RoutesReady],
};
/** Configuration: Ready only. */
export const configurationConditionSet: ConditionSetSpec = { happy: READY, dependents: [] };
/** Revision: Ready ← ResourcesAvailable, ContainerHealthy (Active informational). */
export const revisionConditionSet: ConditionSetSpec = {
  happy: READY,
  dependents: [RevisionConditions.ResourcesAvailable, RevisionConditions.ContainerHealthy],
};
/** Route: Ready ← AllTrafficAssigned, IngressReady, CertificateProvisioned. */
export const routeConditionSet: ConditionSetSpec = {
  happy: READY,
  dependents: [
    RouteConditions.AllTrafficAssigned,
    RouteConditions.IngressReady,
    RouteConditions.CertificateProvisioned,
  ],
};

/** Reason and message set on a `manual` (v1alpha1) Service's dependents. */
export const MANUAL_REASON = "Manual";
/** Message of {@link MANUAL_REASON}. */
export const MANUAL_MESSAGE = "Service is set to Manual, and is not managing underlying resources.";

/**
 * IsReady as Knative defines it: observedGeneration matches generation and Ready is True.
 */
export function isReady(
  obj: {
    metadata: { generation?: number };
    status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
  },
): boolean {
  const st = obj.status;
  if (!st || st.observedGeneration !== obj.metadata.generation) return false;
  return st.conditions?.find((c) => c.type === READY)?.status === "True";
}
