/**
 * Gradual rollout of the latest revision(s) of a Route (KNATIVE.md §5.8,
 * `traffic/rollout.go`). The rollout state travels as JSON in the Ingress
 * annotation `networking.internal.knative.dev/rollout`. Pure functions;
 * times are Unix nanoseconds as in Knative's annotation.
 * @module
 */
import type { RevisionTarget, TrafficConfig } from "./traffic.ts";

/** One revision's share in a configuration rollout. */
export interface RevisionRollout {
  /** Revision name. */
  revisionName: string;
  /** Share of the whole Route's traffic. */
  percent: number;
}

/** Timing and sizing of a configuration rollout (zero values omitted in JSON). */
export interface RolloutParams {
  /** Start, Unix ns. */
  starttime?: number;
  /** Next step, Unix ns. */
  nextStepTime?: number;
  /** Nanoseconds between steps. */
  stepDuration?: number;
  /** Percent moved per step. */
  stepSize?: number;
}

/** Rollout of one configuration within one tag. */
export interface ConfigurationRollout {
  /** Configuration name. */
  configurationName: string;
  /** Tag (empty for the default target). */
  tag?: string;
  /** Total percent of the configuration. */
  percent: number;
  /** Revisions, oldest first. */
  revisions?: RevisionRollout[];
  /** Step parameters. */
  stepParams: RolloutParams;
}

/** The whole rollout state. */
export interface Rollout {
  /** Sorted by tag then configuration name. */
  configurations?: ConfigurationRollout[];
}

function sortRollout(ro: Rollout): void {
  ro.configurations?.sort((a, b) => {
    const ta = a.tag ?? "", tb = b.tag ?? "";
    if (ta !== tb) return ta < tb ? -1 : 1;
    return a.configurationName < b.configurationName
      ? -1
      : a.configurationName > b.configurationName
      ? 1
      : 0;
  });
}

/** `Config.BuildRollout`: one entry per `latestRevision` target with traffic, per group. */
export function buildRollout(tc: TrafficConfig): Rollout {
  const configurations: ConfigurationRollout[] = [];
  for (const [tag, targets] of tc.targets) {
    for (const t of targets) {
      if (!t.latestRevision || !(t.percent ?? 0)) continue;
      const cr: ConfigurationRollout = {
        configurationName: t.configurationName ?? "",
        percent: t.percent ?? 0,
        revisions: [{ revisionName: t.revisionName, percent: t.percent ?? 0 }],
        stepParams: {},
      };
      if (tag) cr.tag = tag;
      configurations.push(cr);
    }
  }
  const ro: Rollout = configurations.length ? { configurations } : {};
  sortRollout(ro);
  return ro;
}

/** The rollouts of one tag. */
export function rolloutsByTag(ro: Rollout, tag: string): ConfigurationRollout[] {
  return (ro.configurations ?? []).filter((c) => (c.tag ?? "") === tag);
}

/** True when no configuration has two or more revisions in flight. */
export function rolloutDone(ro: Rollout): boolean {
  return (ro.configurations ?? []).every((c) => (c.revisions?.length ?? 0) < 2);
}

/** Serialises as Go's `json.Marshal` would (field order, omitempty). */
export function serializeRollout(ro: Rollout): string {
  if (!ro.configurations?.length) return "{}";
  const configurations = ro.configurations.map((c) => {
    const o: Record<string, unknown> = { configurationName: c.configurationName };
    if (c.tag) o.tag = c.tag;
    o.percent = c.percent;
    if (c.revisions?.length) {
      o.revisions = c.revisions.map((r) => ({ revisionName: r.revisionName, percent: r.percent }));
    }
    const sp: Record<string, number> = {};
    if (c.stepParams.starttime) sp.starttime = c.stepParams.starttime;
    if (c.stepParams.nextStepTime) sp.nextStepTime = c.stepParams.nextStepTime;
    if (c.stepParams.stepDuration) sp.stepDuration = c.stepParams.stepDuration;
    if (c.stepParams.stepSize) sp.stepSize = c.stepParams.stepSize;
    o.stepParams = sp;
    return o;
  });
  return JSON.stringify({ configurations });
}

/** Validates a deserialised rollout (percent sums, step size bounds). */
export function validateRollout(ro: Rollout): boolean {
  for (const c of ro.configurations ?? []) {
    if (c.percent > 100) return false;
    const ss = c.stepParams?.stepSize ?? 0;
    if (ss < 0 || ss > c.percent) return false;
    const tot = (c.revisions ?? []).reduce((s, r) => s + r.percent, 0);
    if (tot !== c.percent) return false;
  }
  return true;
}

/** Parses the annotation; undefined when empty, corrupt or invalid. */
export function deserializeRollout(s: string | undefined): Rollout | undefined {
  if (!s) return undefined;
  try {
    const ro = JSON.parse(s) as Rollout;
    if (typeof ro !== "object" || ro === null) return undefined;
    for (const c of ro.configurations ?? []) c.stepParams ??= {};
    return validateRollout(ro) ? ro : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `Rollout.ObserveReady`: once the Ingress turned ready, computes the step
 * size and duration of every rollout that has started but has no steps yet.
 */
export function observeReady(ro: Rollout, nowNs: number, durationSecs: number): void {
  for (const c of ro.configurations ?? []) {
    const sp = c.stepParams;
    if (!sp.stepDuration && (sp.starttime ?? 0) > 0) {
      const minStepSec = Math.max(1, Math.ceil((nowNs - sp.starttime!) / 1e9));
      const dur = Math.max(1, durationSecs - minStepSec);
      let numSteps = Math.max(1, dur / minStepSec);
      const rem = c.percent - 1;
      if (rem < numSteps) numSteps = rem;
      const stepSize = Math.round(rem / numSteps);
      const stepDuration = Math.trunc(dur / numSteps * 1e9);
      sp.stepDuration = stepDuration;
      sp.stepSize = stepSize;
      sp.nextStepTime = Math.trunc(nowNs + dur / numSteps * 1e9);
    }
  }
}

function adjustPercentage(goal: number, cr: ConfigurationRollout): void {
  const revs = cr.revisions ?? [];
  let diff = goal - cr.percent;
  if (goal === 0) cr.revisions = [];
  else if (diff > 0) revs[revs.length - 1].percent += diff;
  else if (diff < 0) {
    diff = -diff;
    let i = 0;
    while (diff > 0 && i < revs.length) {
      if (revs[i].percent > diff) {
        revs[i].percent -= diff;
        break;
      }
      diff -= revs[i].percent;
      i++;
    }
    cr.revisions = revs.slice(i);
  }
}

function stepRevisions(goal: ConfigurationRollout, nowNs: number): void {
  const revs = goal.revisions ?? [];
  if (nowNs < (goal.stepParams.nextStepTime ?? 0) || revs.length < 2) return;
  const stepSize = goal.stepParams.stepSize ?? 0;
  let remaining = stepSize;
  let write = revs.length - 1;
  let read = revs.length - 2;
  while (remaining > 0 && read >= 0) {
    if (revs[read].percent > remaining) {
      revs[read].percent -= remaining;
      break;
    }
    remaining -= revs[read].percent;
    write--;
    read--;
  }
  // Move the newest revision down over the drained ones (Knative's in-place compaction).
  revs[write] = revs[revs.length - 1];
  revs[write].percent = Math.min(goal.percent, revs[write].percent + stepSize);
  goal.revisions = revs.slice(0, write + 1);
  if (goal.revisions.length > 1) {
    goal.stepParams.nextStepTime = nowNs + (goal.stepParams.stepDuration ?? 0);
  } else goal.stepParams = {};
}

function stepConfig(
  goal: ConfigurationRollout,
  prev: ConfigurationRollout,
  nowNs: number,
): ConfigurationRollout {
  const ret: ConfigurationRollout = {
    configurationName: goal.configurationName,
    percent: goal.percent,
    revisions: goal.revisions,
    stepParams: {},
  };
  if (goal.tag) ret.tag = goal.tag;
  const prevRevs = prev.revisions ?? [];
  const lastPrev = prevRevs.length ? prevRevs[prevRevs.length - 1].revisionName : undefined;
  if (prevRevs.length) adjustPercentage(goal.percent, prev);
  const adjusted = prev.revisions ?? [];
  const goalRev = goal.revisions![0];
  if (adjusted.length === 0 || goalRev.revisionName === lastPrev) {
    if (adjusted.length > 1) {
      ret.revisions = adjusted;
      ret.stepParams = { ...prev.stepParams };
      if ((ret.stepParams.stepSize ?? 0) > 0) stepRevisions(ret, nowNs);
    }
    return ret;
  }
  // A new revision: it starts at 1%, taken from the newest revision with traffic.
  ret.stepParams.starttime = nowNs;
  for (let i = adjusted.length - 1; i >= 0; i--) {
    if (adjusted[i].percent > 0) {
      adjusted[i].percent--;
      break;
    }
  }
  ret.revisions = [
    ...adjusted.filter((r) => r.percent !== 0),
    { revisionName: goalRev.revisionName, percent: 1 },
  ];
  return ret;
}

/**
 * `Rollout.Step`: merges the desired rollout `cur` with the previous state and
 * returns the effective rollout and the next step time (Unix ns, 0 = none).
 */
export function stepRollout(
  cur: Rollout,
  prev: Rollout | undefined,
  nowNs: number,
): { rollout: Rollout; nextStepTime: number } {
  if (!prev?.configurations?.length) return { rollout: cur, nextStepTime: 0 };
  const byTag = (ro: Rollout) => {
    const m = new Map<string, ConfigurationRollout[]>();
    for (const c of ro.configurations ?? []) {
      const l = m.get(c.tag ?? "") ?? [];
      l.push(c);
      m.set(c.tag ?? "", l);
    }
    return m;
  };
  const curBy = byTag(cur), prevBy = byTag(prev);
  const ret: ConfigurationRollout[] = [];
  let next = Infinity;
  for (const [tag, cc] of curBy) {
    const pc = prevBy.get(tag);
    if (!pc) {
      ret.push(cc[0]);
      continue;
    }
    for (let i = 0, j = 0; i < cc.length;) {
      if (j >= pc.length) {
        ret.push(cc[i++]);
      } else if (cc[i].configurationName === pc[j].configurationName) {
        const p = cc[i].percent;
        if (p > 1) {
          const sc = stepConfig(cc[i], pc[j], nowNs);
          ret.push(sc);
          const nst = sc.stepParams.nextStepTime ?? 0;
          if (nst > 0 && nst < next) next = nst;
        } else if (p === 1) ret.push(cc[i]);
        i++;
        j++;
      } else if (cc[i].configurationName < pc[j].configurationName) {
        if (cc[i].percent !== 0) ret.push(cc[i]);
        i++;
      } else j++;
    }
  }
  const rollout: Rollout = ret.length ? { configurations: ret } : {};
  sortRollout(rollout);
  return { rollout, nextStepTime: next === Infinity ? 0 : next };
}

/** The rollout entry of a `latestRevision` target in a tag group, if any. */
export function rolloutFor(
  rollouts: ConfigurationRollout[],
  t: RevisionTarget,
): ConfigurationRollout | undefined {
  if (!t.latestRevision) return undefined;
  return rollouts.find((c) => c.configurationName === t.configurationName);
}
