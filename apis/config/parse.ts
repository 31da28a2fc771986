/**
 * Config-map parsing helpers: Go durations, typed keys with legacy aliases,
 * and errors that name the key and value.
 * @module
 */

/** A config map spec: a name and a parser of its data (throws {@link ConfigError}). */
export interface ConfigMapSpec<T> {
  /** Config map name in the system namespace. */
  readonly name: string;
  /** Parses the data (a missing map means `{}`); throws on a bad value. */
  parse(data: Record<string, string>): T;
}

/** A bad config-map value. */
export class ConfigError extends Error {
  /** Builds an error for a config map key. */
  constructor(configMap: string, message: string) {
    super(`${configMap}: ${message}`);
    this.name = "ConfigError";
  }
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go `time.Duration` string into milliseconds; undefined if invalid. */
export function parseGoDuration(s: string): number | undefined {
  let str = s.trim();
  if (str === "") return undefined;
  let sign = 1;
  if (str[0] === "-" || str[0] === "+") {
    if (str[0] === "-") sign = -1;
    str = str.slice(1);
  }
  if (str === "0") return 0;
  if (str === "") return undefined;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  let total = 0;
  while (str.length > 0) {
    const m = re.exec(str);
    if (!m) return undefined;
    total += parseFloat(m[1]) * UNITS[m[2]];
    str = str.slice(m[0].length);
  }
  return sign * total;
}

/** Formats milliseconds as a Go duration string (`1m0s`, `30s`, `1h0m0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let rest = Math.abs(ms);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  let out = "";
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${Number(s.toFixed(9))}s`;
  return (neg ? "-" : "") + out;
}

/** Reads keys of one config map with the first-present-alias rule. */
export class Reader {
  /** Builds a reader. */
  constructor(readonly cm: string, readonly data: Record<string, string>) {}

  #get(keys: string[]): { key: string; value: string } | undefined {
    for (const k of keys) {
      if (k in this.data) return { key: k, value: this.data[k] };
    }
    return undefined;
  }

  #fail(key: string, value: string, what: string): never {
    throw new ConfigError(this.cm, `failed to parse "${key}": ${JSON.stringify(value)} ${what}`);
  }

  /** A string (trimmed) or the default. */
  string(keys: string | string[], def: string): string {
    const kv = this.#get(typeof keys === "string" ? [keys] : keys);
    return kv ? kv.value.trim() : def;
  }

  /** An optional string. */
  optString(keys: string | string[]): string | undefined {
    const kv = this.#get(typeof keys === "string" ? [keys] : keys);
    return kv ? kv.value.trim() : undefined;
  }

  /** An integer. */
  int(keys: string | string[], def: number): number {
    const kv = this.#get(typeof keys === "string" ? [keys] : keys);
    if (!kv) return def;
    const v = kv.value.trim();
    if (!/^[-+]?\d+$/.test(v)) this.#fail(kv.key, kv.value, "is not an integer");
    return parseInt(v, 10);
  }

  /** A float. */
  float(keys: string | string[], def: number): number {
    const kv = this.#get(typeof keys === "string" ? [keys] : keys);
    if (!kv) return def;
    const v = kv.value.trim();
    const n = Number(v);
    if (v === "" || !Number.isFinite(n)) this.#fail(kv.key, kv.value, "is not a number");
    return n;
  }

  /** A boolean (Go strconv.ParseBool). */
  bool(keys: string | string[], def: boolean): boolean {
    const kv = this.#get(typeof keys === "string" ? [keys] : keys);
    if (!kv) return def;
    const v = kv.value.trim();
    if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
    return this.#fail(kv.key, kv.value, "is not a boolean");
  }

  /** A Go duration, in milliseconds. */
  duration(keys: string | string[], def: number): number {
    const kv = this.#get(typeof keys === "string" ? [keys] : keys);
    if (!kv) return def;
    const d = parseGoDuration(kv.value);
    if (d === undefined) this.#fail(kv.key, kv.value, "is not a duration");
    return d;
  }

  /** A duration or `disabled` (→ -1), in milliseconds. */
  durationOrDisabled(key: string, def: number): number {
    const v = this.data[key];
    if (v === undefined) return def;
    if (v.trim().toLowerCase() === "disabled") return -1;
    return this.duration(key, def);
  }

  /** An int or `disabled` (→ -1). */
  intOrDisabled(key: string, def: number): number {
    const v = this.data[key];
    if (v === undefined) return def;
    if (v.trim().toLowerCase() === "disabled") return -1;
    return this.int(key, def);
  }

  /** Throws a validation error naming the key. */
  invalid(key: string, message: string): never {
    throw new ConfigError(this.cm, `${key}: ${message}`);
  }
}

/** Example-block key ignored by every config map. */
export const EXAMPLE_KEY = "_example";
