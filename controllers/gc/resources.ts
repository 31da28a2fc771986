/**
 * Revision garbage collection, pure (KNATIVE.md §7, `gc.go`): which
 * Revisions of a Configuration to delete under `config-gc`.
 * @module
 */
import type { Configuration, GCConfig, Revision } from "../../apis/mod.ts";
import {
  CONFIGURATION_LABEL,
  REVISION_PRESERVE_ANNOTATION,
  ROUTING_STATE_LABEL,
  ROUTING_STATE_MODIFIED_ANNOTATION,
  RoutingState,
} from "../../apis/mod.ts";

const DISABLED = -1;

function isActive(rev: Revision, config: Configuration): boolean {
  if (config.status?.latestReadyRevisionName === rev.metadata.name) return true;
  if ((rev.metadata.annotations?.[REVISION_PRESERVE_ANNOTATION] ?? "").toLowerCase() === "true") {
    return true;
  }
  return rev.metadata.labels?.[ROUTING_STATE_LABEL] !== RoutingState.Reserve;
}

/** Last active time (ms): `routingStateModified` when parseable, else creation. */
export function lastActiveMs(rev: Revision): number {
  const t = Date.parse(rev.metadata.annotations?.[ROUTING_STATE_MODIFIED_ANNOTATION] ?? "");
  if (!Number.isNaN(t)) return t;
  return Date.parse(rev.metadata.creationTimestamp ?? "") || 0;
}

function isStale(cfg: GCConfig, rev: Revision, nowMs: number): boolean {
  const sinceCreate = cfg.retainSinceCreateTimeMs, sinceActive = cfg.retainSinceLastActiveTimeMs;
  if (sinceCreate === DISABLED && sinceActive === DISABLED) return false;
  const created = Date.parse(rev.metadata.creationTimestamp ?? "") || 0;
  if (sinceCreate !== DISABLED && nowMs - created < sinceCreate) return false;
  if (sinceActive !== DISABLED && nowMs - lastActiveMs(rev) < sinceActive) return false;
  return true;
}

/**
 * Names of the Revisions of `config` (among `revisions`) to delete, oldest
 * last-active first: stale non-active ones down to `min`, then the oldest
 * non-active ones above `max`.
 */
export function revisionsToCollect(
  cfg: GCConfig,
  config: Configuration,
  revisions: readonly Revision[],
  nowMs: number,
): string[] {
  const min = cfg.minNonActiveRevisions, max = cfg.maxNonActiveRevisions;
  if (
    max === DISABLED && cfg.retainSinceCreateTimeMs === DISABLED &&
    cfg.retainSinceLastActiveTimeMs === DISABLED
  ) return [];
  const own = revisions.filter((r) =>
    r.metadata.labels?.[CONFIGURATION_LABEL] === config.metadata.name
  );
  if (own.length <= min) return [];
  const nonActive = own.filter((r) => !isActive(r, config));
  if (nonActive.length <= min) return [];
  nonActive.sort((a, b) => lastActiveMs(a) - lastActiveMs(b));
  const out: string[] = [];
  const remaining: (Revision | undefined)[] = [...nonActive];
  const maxIdx = nonActive.length - min;
  for (let i = 0; i < nonActive.length; i++) {
    if (!isStale(cfg, nonActive[i], nowMs)) continue;
    out.push(nonActive[i].metadata.name ?? "");
    remaining[i] = undefined;
    if (out.length >= maxIdx) return out;
  }
  const nonStale = nonActive.length - out.length;
  if (max === DISABLED || nonStale <= max) return out;
  let need = nonStale - max;
  for (const r of remaining) {
    if (need === 0) break;
    if (!r) continue;
    out.push(r.metadata.name ?? "");
    need--;
  }
  return out;
}
