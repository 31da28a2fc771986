/**
 * Traffic resolution of a Route (KNATIVE.md §5.2, §5.3): `spec.traffic` →
 * revision targets grouped by tag, and the target errors that become the
 * `AllTrafficAssigned` condition. Pure: lookups are passed in.
 * @module
 */
import type { Configuration, Revision, Route, TrafficTarget } from "../../apis/mod.ts";
import { CONFIGURATION_LABEL, isReady, SERVICE_LABEL } from "../../apis/mod.ts";

/** The name of the default (untagged) traffic group. */
export const DEFAULT_TARGET = "";

/** Backend protocol of a revision. */
export type Protocol = "http1" | "h2c";

/** A resolved traffic target: a TrafficTarget with its revision and protocol. */
export interface RevisionTarget {
  /** Tag (may be empty). */
  tag?: string;
  /** The resolved revision. */
  revisionName: string;
  /** The Configuration the revision came from, when known. */
  configurationName?: string;
  /** True when the target follows the latest ready revision. */
  latestRevision?: boolean;
  /** Share of the route's traffic. */
  percent?: number;
  /** Backend protocol of the revision. */
  protocol: Protocol;
}

/** A condition outcome of a bad target (applied to `AllTrafficAssigned`). */
export interface TargetError {
  /** `False` for failures, `Unknown` while waiting. */
  status: "False" | "Unknown";
  /** Condition reason. */
  reason: string;
  /** Condition message. */
  message: string;
  /** Failures override earlier non-failures. */
  isFailure: boolean;
}

/** A referenced object that does not exist (for tracking). */
export interface MissingTarget {
  /** `Revision` or `Configuration`. */
  kind: "Revision" | "Configuration";
  /** Name. */
  name: string;
}

/** The resolved traffic of a Route (`traffic.Config`). */
export interface TrafficConfig {
  /** Groups: `""` (every target) and one per tag; consolidated. Empty on error. */
  targets: Map<string, RevisionTarget[]>;
  /** Flat, merged target list (status.traffic order). Empty on error. */
  revisionTargets: RevisionTarget[];
  /** Configurations referenced, by name. */
  configurations: Map<string, Configuration>;
  /** Revisions referenced, by name. */
  revisions: Map<string, Revision>;
  /** Referenced objects that were not found. */
  missingTargets: MissingTarget[];
}

/** Object lookups the resolver needs (namespace-scoped to the Route). */
export interface TrafficLookup {
  /** Returns a Configuration by name. */
  configuration(name: string): Configuration | undefined;
  /** Returns a Revision by name. */
  revision(name: string): Revision | undefined;
}

/** Result of {@link buildTrafficConfiguration}. */
export interface TrafficResult {
  /** The resolved configuration. */
  config: TrafficConfig;
  /** The deciding target error, if any target could not be resolved. */
  error?: TargetError;
}

function readyStatus(obj: { status?: { conditions?: { type: string; status: string }[] } }) {
  return obj.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

/** `Revision.GetProtocol`: `h2c` when the serving container's first port is named `h2c`. */
export function revisionProtocol(rev: Revision): Protocol {
  const containers = rev.spec?.containers ?? [];
  const serving = containers.find((c) => (c.ports?.length ?? 0) > 0) ?? containers[0];
  return serving?.ports?.[0]?.name === "h2c" ? "h2c" : "http1";
}

function missing(kind: "Revision" | "Configuration", name: string): TargetError {
  return {
    status: "False",
    reason: `${kind}Missing`,
    message: `${kind} "${name}" referenced in traffic not found.`,
    isFailure: true,
  };
}

function unreadyConfiguration(cfg: Configuration): TargetError {
  const name = cfg.metadata.name ?? "";
  const failed = readyStatus(cfg) === "False";
  return failed
    ? {
      status: "False",
      reason: "RevisionMissing",
      message: `Configuration "${name}" does not have any ready Revision.`,
      isFailure: true,
    }
    : {
      status: "Unknown",
      reason: "RevisionMissing",
      message: `Configuration "${name}" is waiting for a Revision to become ready.`,
      isFailure: false,
    };
}

function unreadyRevision(rev: Revision): TargetError {
  const name = rev.metadata.name ?? "";
  const failed = readyStatus(rev) === "False";
  return failed
    ? {
      status: "False",
      reason: "RevisionMissing",
      message: `Revision "${name}" failed to become ready.`,
      isFailure: true,
    }
    : {
      status: "Unknown",
      reason: "RevisionMissing",
      message: `Revision "${name}" is not yet ready.`,
      isFailure: false,
    };
}

function notOwned(rev: string, expected: string, actual: string | undefined): TargetError {
  return {
    status: "False",
    reason: "RevisionNotOwned",
    message: actual
      ? `Revision "${rev}" belongs to Service "${actual}", not Service "${expected}".`
      : `Revision "${rev}" does not belong to Service "${expected}".`,
    isFailure: true,
  };
}

/**
 * Consolidates a group: entries with the same revision are summed (first
 * position kept); a group left with one entry gets 100%.
 */
export function consolidate(targets: RevisionTarget[]): RevisionTarget[] {
  const byName = new Map<string, RevisionTarget>();
  for (const t of targets) {
    const cur = byName.get(t.revisionName);
    if (!cur) byName.set(t.revisionName, { ...t });
    else cur.percent = (cur.percent ?? 0) + (t.percent ?? 0);
  }
  const out = [...byName.values()];
  if (out.length === 1) out[0].percent = 100;
  return out;
}

/**
 * `traffic.BuildTrafficConfiguration`: resolves every `spec.traffic` entry of
 * `route`. All targets are examined; a failure error overrides an earlier
 * non-failure. When any target fails, the target lists are empty.
 */
export function buildTrafficConfiguration(route: Route, lookup: TrafficLookup): TrafficResult {
  const cfg: TrafficConfig = {
    targets: new Map(),
    revisionTargets: [],
    configurations: new Map(),
    revisions: new Map(),
    missingTargets: [],
  };
  const routeService = route.metadata.labels?.[SERVICE_LABEL];

  const getConfiguration = (name: string): Configuration | TargetError => {
    const c = lookup.configuration(name);
    if (!c) {
      cfg.missingTargets.push({ kind: "Configuration", name });
      return missing("Configuration", name);
    }
    cfg.configurations.set(name, c);
    return c;
  };
  const getRevision = (name: string): Revision | TargetError => {
    const r = lookup.revision(name);
    if (!r) {
      cfg.missingTargets.push({ kind: "Revision", name });
      return missing("Revision", name);
    }
    cfg.revisions.set(name, r);
    return r;
  };
  const isErr = (v: unknown): v is TargetError =>
    typeof v === "object" && v !== null && "isFailure" in v;

  const addFlattened = (t: RevisionTarget) => {
    const same = cfg.revisionTargets.find((x) =>
      (x.tag ?? "") === (t.tag ?? "") && x.revisionName === t.revisionName &&
      (x.latestRevision ?? false) === (t.latestRevision ?? false)
    );
    if (same) same.percent = (same.percent ?? 0) + (t.percent ?? 0);
    else cfg.revisionTargets.push({ ...t });
    const groups = [DEFAULT_TARGET, ...(t.tag ? [t.tag] : [])];
    for (const g of groups) {
      const list = cfg.targets.get(g) ?? [];
      list.push({ ...t });
      cfg.targets.set(g, list);
    }
  };

  const addRevisionTarget = (tt: TrafficTarget): TargetError | undefined => {
    const rev = getRevision(tt.revisionName!);
    if (isErr(rev)) return rev;
    if (routeService !== undefined) {
      const revService = rev.metadata.labels?.[SERVICE_LABEL];
      if (revService !== routeService) return notOwned(tt.revisionName!, routeService, revService);
    }
    if (!isReady(rev)) return unreadyRevision(rev);
    const target = toTarget(tt, rev);
    const configName = rev.metadata.labels?.[CONFIGURATION_LABEL];
    if (configName !== undefined) {
      target.configurationName = configName;
      const c = getConfiguration(configName);
      if (isErr(c)) return c;
    }
    addFlattened(target);
    return undefined;
  };

  const addConfigurationTarget = (tt: TrafficTarget): TargetError | undefined => {
    const c = getConfiguration(tt.configurationName!);
    if (isErr(c)) return c;
    const lrr = c.status?.latestReadyRevisionName;
    if (!lrr) return unreadyConfiguration(c);
    const rev = getRevision(lrr);
    if (isErr(rev)) return rev;
    if (!isReady(rev)) return unreadyRevision(rev);
    addFlattened({ ...toTarget(tt, rev), revisionName: lrr });
    return undefined;
  };

  let error: TargetError | undefined;
  for (const tt of route.spec?.traffic ?? []) {
    let e: TargetError | undefined;
    if (tt.revisionName) e = addRevisionTarget(tt);
    else if (tt.configurationName) e = addConfigurationTarget(tt);
    if (e && (!error || (!error.isFailure && e.isFailure))) error = e;
  }
  if (error) {
    cfg.targets = new Map();
    cfg.revisionTargets = [];
  } else {
    for (const [k, v] of cfg.targets) cfg.targets.set(k, consolidate(v));
  }
  return error ? { config: cfg, error } : { config: cfg };
}

function toTarget(tt: TrafficTarget, rev: Revision): RevisionTarget {
  const t: RevisionTarget = {
    revisionName: rev.metadata.name ?? "",
    protocol: revisionProtocol(rev),
  };
  if (tt.tag) t.tag = tt.tag;
  if (tt.configurationName) t.configurationName = tt.configurationName;
  if (tt.latestRevision !== undefined) t.latestRevision = tt.latestRevision;
  if (tt.percent !== undefined) t.percent = tt.percent;
  return t;
}

/** The sorted traffic group names (`""` first). */
export function targetNames(cfg: TrafficConfig): string[] {
  return [...cfg.targets.keys()].sort();
}
