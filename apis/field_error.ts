/**
 * A port of knative.dev/pkg/apis FieldError: validation errors that carry
 * field paths, compose with `also`, are re-rooted with `viaField`/`viaIndex`,
 * and print exactly as Knative prints them.
 * @module
 */

/** The path of the current field (an empty path element). */
export const CURRENT_FIELD = "";

/** Severity of a field error. */
export type DiagnosticLevel = "Error" | "Warning";

/** One flat error record. */
interface FlatError {
  message: string;
  paths: string[];
  level: DiagnosticLevel;
  details: string;
}

function isIndex(part: string): boolean {
  return part.startsWith("[") && part.endsWith("]");
}

function flatten(path: string[]): string {
  const out: string[] = [];
  for (const part of path) {
    for (const p of part.split(".")) {
      if (p === CURRENT_FIELD) continue;
      if (out.length > 0 && isIndex(p)) out[out.length - 1] += p;
      else out.push(p);
    }
  }
  return out.join(".");
}

/**
 * A validation error with field paths, mirroring knative.dev/pkg/apis.FieldError.
 * Instances are immutable: every combinator returns a new error.
 */
export class FieldError extends Error {
  readonly #errors: FlatError[];

  /** Builds an error from one message and its paths (and optional details and level). */
  constructor(
    message: string,
    paths: string[] = [],
    details = "",
    level: DiagnosticLevel = "Error",
  ) {
    super();
    this.name = "FieldError";
    this.#errors = message === "" && paths.length === 0 ? [] : [{ message, paths, details, level }];
    this.#refresh();
  }

  static #fromFlat(errs: FlatError[]): FieldError | undefined {
    if (errs.length === 0) return undefined;
    const fe = new FieldError("");
    fe.#errors.push(...errs);
    fe.#refresh();
    return fe;
  }

  #refresh(): void {
    this.message = this.toString();
  }

  /** The flattened list of individual errors (message, paths, details, level). */
  get errors(): ReadonlyArray<Readonly<FlatError>> {
    return this.#errors;
  }

  /** All paths of all errors, merged, sorted and de-duplicated. */
  get paths(): string[] {
    return [...new Set(this.#errors.flatMap((e) => e.paths))].sort();
  }

  /** Prefixes every path with the given field names (e.g. `viaField("spec")`). */
  viaField(...prefix: string[]): FieldError {
    return FieldError.#fromFlat(this.#errors.map((e) => ({
      ...e,
      paths: e.paths.map((p) => flatten([...prefix, p])),
    })))!;
  }

  /** Prefixes every path with `[index]`. */
  viaIndex(index: number): FieldError {
    return this.viaField(`[${index}]`);
  }

  /** Prefixes every path with `field[index]`. */
  viaFieldIndex(field: string, index: number): FieldError {
    return this.viaIndex(index).viaField(field);
  }

  /** Prefixes every path with `[key]`. */
  viaKey(key: string): FieldError {
    return this.viaField(`[${key}]`);
  }

  /** Prefixes every path with `field[key]`. */
  viaFieldKey(field: string, key: string): FieldError {
    return this.viaKey(key).viaField(field);
  }

  /** Returns only the errors of one level, or undefined when none. */
  filter(level: DiagnosticLevel): FieldError | undefined {
    return FieldError.#fromFlat(this.#errors.filter((e) => e.level === level));
  }

  /** Knative's `Error()` string: merged by message+details, sorted, one per line. */
  override toString(): string {
    const m = new Map<string, FlatError>();
    for (const e of this.#errors) {
      const k = `${e.message}\u0000${e.details}`;
      const v = m.get(k);
      if (v) v.paths = [...v.paths, ...e.paths];
      else m.set(k, { ...e, paths: [...e.paths] });
    }
    const merged = [...m.values()].map((e) => ({ ...e, paths: [...new Set(e.paths)].sort() }));
    merged.sort((a, b) =>
      a.message === b.message ? cmp(a.details, b.details) : cmp(a.message, b.message)
    );
    return merged.map((e) =>
      e.details === ""
        ? `${e.message}: ${e.paths.join(", ")}`
        : `${e.message}: ${e.paths.join(", ")}\n${e.details}`
    ).join("\n");
  }

  /** Combines this error (possibly undefined) with others; undefined when all are empty. */
  static also(
    base: FieldError | undefined,
    ...errs: (FieldError | undefined)[]
  ): FieldError | undefined {
    const all: FlatError[] = [];
    for (const e of [base, ...errs]) if (e) all.push(...e.#errors);
    return FieldError.#fromFlat(all);
  }

  /** Instance form of {@link FieldError.also}. */
  also(...errs: (FieldError | undefined)[]): FieldError {
    return FieldError.also(this, ...errs)!;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Combines possibly-undefined errors. */
export function also(...errs: (FieldError | undefined)[]): FieldError | undefined {
  return FieldError.also(undefined, ...errs);
}

/** Re-roots a possibly-undefined error under a field path. */
export function via(err: FieldError | undefined, ...prefix: string[]): FieldError | undefined {
  return err?.viaField(...prefix);
}

/** Re-roots a possibly-undefined error under an index. */
export function viaIndex(err: FieldError | undefined, i: number): FieldError | undefined {
  return err?.viaIndex(i);
}

/** `missing field(s)`. */
export function errMissingField(...paths: string[]): FieldError {
  return new FieldError("missing field(s)", paths);
}

/** `must not set the field(s)`. */
export function errDisallowedFields(...paths: string[]): FieldError {
  return new FieldError("must not set the field(s)", paths);
}

/** `must not update deprecated field(s)`. */
export function errDisallowedUpdateDeprecatedFields(...paths: string[]): FieldError {
  return new FieldError("must not update deprecated field(s)", paths);
}

/** `invalid value: V`. */
export function errInvalidValue(value: unknown, path: string, ...details: string[]): FieldError {
  return new FieldError(`invalid value: ${goFmt(value)}`, [path], details.join(", "));
}

/** `invalid value: V` at `field[index]`. */
export function errInvalidArrayValue(value: unknown, field: string, index: number): FieldError {
  return errInvalidValue(value, CURRENT_FIELD).viaFieldIndex(field, index);
}

/** A free-form message at the given paths. */
export function errGeneric(message: string, ...paths: string[]): FieldError {
  return new FieldError(message, paths);
}

/** `expected exactly one, got both`. */
export function errMultipleOneOf(...paths: string[]): FieldError {
  return new FieldError("expected exactly one, got both", paths);
}

/** `expected exactly one, got neither`. */
export function errMissingOneOf(...paths: string[]): FieldError {
  return new FieldError("expected exactly one, got neither", paths);
}

/** `invalid key name "K"`. */
export function errInvalidKeyName(key: string, path: string, ...details: string[]): FieldError {
  return new FieldError(`invalid key name ${JSON.stringify(key)}`, [path], details.join(", "));
}

/** `expected LOWER <= VALUE <= UPPER`. */
export function errOutOfBoundsValue(
  value: unknown,
  lower: unknown,
  upper: unknown,
  path: string,
): FieldError {
  return new FieldError(
    `expected ${goFmt(lower)} <= ${goFmt(value)} <= ${goFmt(upper)}`,
    [path],
  );
}

/** `Immutable field changed` style error (Knative's ErrImmutableField… not used widely). */
export function errImmutableField(path: string, details = ""): FieldError {
  return new FieldError("Immutable field changed", [path], details);
}

function goFmt(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === undefined || v === null) return "<nil>";
  return JSON.stringify(v);
}
