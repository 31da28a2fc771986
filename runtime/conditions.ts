/**
 * Knative's living ConditionSet (`pkg/apis/condition_set.go`): a happy
 * condition derived from its dependents, Info severity for the rest, sorted
 * by type, and `lastTransitionTime` changed only when content changes.
 * @module
 */
import type { Condition, ConditionStatus, DuckStatus } from "./types.ts";

/** Severity of conditions that do not affect the happy condition. */
export const SEVERITY_INFO = "Info";

/** Formats a time the way Kubernetes serialises metav1.Time (RFC3339, seconds). */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Declares a condition set: the happy condition type and its dependents. */
export interface ConditionSetSpec {
  /** Happy (top-level) condition, usually `Ready`. */
  happy: string;
  /** Conditions the happy condition is derived from. */
  dependents: string[];
}

/** A condition set; `manage(status)` returns the mutating accessor. */
export class ConditionSet {
  /** The happy condition type. */
  readonly happy: string;
  /** Dependent condition types. */
  readonly dependents: readonly string[];

  /** Creates a set; duplicates and the happy type are removed from dependents. */
  constructor(spec: ConditionSetSpec) {
    this.happy = spec.happy;
    this.dependents = [...new Set(spec.dependents)].filter((d) => d !== spec.happy);
  }

  /** True when `t` is the happy condition or a dependent. */
  isTerminal(t: string): boolean {
    return t === this.happy || this.dependents.includes(t);
  }

  /** Severity for a type: `""` (Error) for terminal conditions, else `Info`. */
  severity(t: string): string {
    return this.isTerminal(t) ? "" : SEVERITY_INFO;
  }

  /** Returns a manager that mutates `status.conditions` in place. */
  manage(status: DuckStatus, now: () => Date = () => new Date()): ConditionManager {
    return new ConditionManager(this, status, now);
  }
}

/** Convenience constructor for a {@link ConditionSet}. */
export function conditionSet(spec: ConditionSetSpec): ConditionSet {
  return new ConditionSet(spec);
}

function normalise(c: Condition): Condition {
  const out: Condition = { type: c.type, status: c.status };
  if (c.severity) out.severity = c.severity;
  if (c.lastTransitionTime) out.lastTransitionTime = c.lastTransitionTime;
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}

/** True when two conditions are equal ignoring `lastTransitionTime`. */
export function sameCondition(a: Condition | undefined, b: Condition | undefined): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.status === b.status && (a.severity ?? "") === (b.severity ?? "") &&
    (a.reason ?? "") === (b.reason ?? "") && (a.message ?? "") === (b.message ?? "");
}

/** Mutates one status's conditions with Knative's semantics. */
export class ConditionManager {
  readonly #set: ConditionSet;
  readonly #status: DuckStatus;
  readonly #now: () => Date;

  /** Use {@link ConditionSet.manage}. */
  constructor(set: ConditionSet, status: DuckStatus, now: () => Date) {
    this.#set = set;
    this.#status = status;
    this.#now = now;
  }

  /** All conditions (sorted by type). */
  conditions(): Condition[] {
    return this.#status.conditions ?? [];
  }

  /** The condition of type `t`, if set. */
  get(t: string): Condition | undefined {
    return this.conditions().find((c) => c.type === t);
  }

  /** The happy condition. */
  topLevel(): Condition | undefined {
    return this.get(this.#set.happy);
  }

  /** True when the happy condition is True. */
  isHappy(): boolean {
    return this.topLevel()?.status === "True";
  }

  /** Sets a condition; keeps its transition time when only that would change. */
  set(cond: Condition): void {
    const next = normalise(cond);
    const rest: Condition[] = [];
    for (const c of this.conditions()) {
      if (c.type !== next.type) {
        rest.push(c);
      } else if (sameCondition(c, next)) {
        return;
      }
    }
    next.lastTransitionTime = formatTime(this.#now());
    rest.push(next);
    rest.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    this.#status.conditions = rest;
  }

  /** Removes a non-terminal condition; terminal ones cannot be cleared. */
  clear(t: string): void {
    if (this.#set.isTerminal(t)) throw new Error("clearing terminal conditions not implemented");
    if (!this.get(t)) return;
    this.#status.conditions = this.conditions().filter((c) => c.type !== t);
  }

  /** Adds the happy condition (Unknown) and every missing dependent. */
  initialize(): void {
    let happy = this.topLevel();
    if (!happy) {
      happy = { type: this.#set.happy, status: "Unknown" };
      this.set(happy);
    }
    const status: ConditionStatus = happy.status === "True" ? "True" : "Unknown";
    for (const t of this.#set.dependents) {
      if (!this.get(t)) this.set({ type: t, status });
    }
  }

  /** Marks `t` True and recomputes the happy condition. */
  markTrue(t: string): void {
    this.set({ type: t, status: "True", severity: this.#set.severity(t) });
    this.#recompute(t);
  }

  /** Marks `t` True with a reason and message and recomputes the happy condition. */
  markTrueWithReason(t: string, reason: string, message: string): void {
    this.set({ type: t, status: "True", reason, message, severity: this.#set.severity(t) });
    this.#recompute(t);
  }

  /** Marks `t` False; a dependent also makes the happy condition False with the same text. */
  markFalse(t: string, reason: string, message: string): void {
    const types = [t];
    if (this.#set.dependents.includes(t)) types.push(this.#set.happy);
    for (const ty of types) {
      this.set({ type: ty, status: "False", reason, message, severity: this.#set.severity(ty) });
    }
  }

  /** Marks `t` Unknown; propagates to the happy condition unless a dependent is False. */
  markUnknown(t: string, reason: string, message: string): void {
    this.set({ type: t, status: "Unknown", reason, message, severity: this.#set.severity(t) });
    let isDependent = false;
    for (const d of this.#set.dependents) {
      const c = this.get(d);
      if (c?.status === "False") {
        if (this.topLevel()?.status !== "False") this.markFalse(this.#set.happy, reason, message);
        return;
      }
      if (d === t) isDependent = true;
    }
    if (isDependent) {
      this.set({
        type: this.#set.happy,
        status: "Unknown",
        reason,
        message,
        severity: this.#set.severity(this.#set.happy),
      });
    }
  }

  #recompute(t: string): void {
    const c = this.#findUnhappyDependent();
    if (c) {
      this.set({
        type: this.#set.happy,
        status: c.status,
        reason: c.reason,
        message: c.message,
        severity: this.#set.severity(this.#set.happy),
      });
    } else if (t !== this.#set.happy) {
      this.set({
        type: this.#set.happy,
        status: "True",
        severity: this.#set.severity(this.#set.happy),
      });
    }
  }

  #findUnhappyDependent(): Condition | undefined {
    if (this.#set.dependents.length === 0) return undefined;
    const conds = this.conditions()
      .filter((c) => !c.severity && c.type !== this.#set.happy)
      .map((c, i) => ({ c, i, t: Date.parse(c.lastTransitionTime ?? "") || 0 }))
      .sort((a, b) => b.t - a.t || a.i - b.i)
      .map((x) => x.c);
    const f = conds.find((c) => c.status === "False");
    if (f) return f;
    const u = conds.find((c) => c.status === "Unknown");
    if (u) return u;
    if (this.#set.dependents.length > conds.length) return { type: "", status: "Unknown" };
    return undefined;
  }
}

/**
 * Keeps `lastTransitionTime` of every condition in `next` equal to the one in
 * `prev` when the condition did not change, and gives every changed condition
 * one shared timestamp (Knative's `groomConditionsTransitionTime`).
 */
export function groomTransitionTimes(
  prev: DuckStatus | undefined,
  next: DuckStatus,
  now: Date,
): void {
  const old = new Map((prev?.conditions ?? []).map((c) => [c.type, c]));
  const ts = formatTime(now);
  for (const c of next.conditions ?? []) {
    const o = old.get(c.type);
    if (o && sameCondition(o, c)) {
      if (o.lastTransitionTime) c.lastTransitionTime = o.lastTransitionTime;
    } else {
      c.lastTransitionTime = ts;
    }
  }
}
