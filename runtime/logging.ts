/**
 * Structured JSON-lines logging with levels and child loggers.
 * @module
 */
import type { Logger } from "./plugin.ts";

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** One log record. */
export interface LogRecord {
  /** Level. */
  level: LogLevel;
  /** RFC3339 time. */
  ts: string;
  /** Message. */
  msg: string;
  /** Context fields. */
  [field: string]: unknown;
}

/** Options for {@link JsonLogger}. */
export interface JsonLoggerOptions {
  /** Minimum level (default `info`, or `LOG_LEVEL` from the environment if readable). */
  level?: LogLevel;
  /** Where records go (default: one JSON line to stderr). */
  sink?: (rec: LogRecord) => void;
  /** Fields on every line. */
  fields?: Record<string, unknown>;
}

function errorFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message } : v;
  }
  return out;
}

/** A logger writing JSON lines. */
export class JsonLogger implements Logger {
  readonly #level: LogLevel;
  readonly #sink: (rec: LogRecord) => void;
  readonly #fields: Record<string, unknown>;

  /** Creates a logger. */
  constructor(opts: JsonLoggerOptions = {}) {
    let envLevel: string | undefined;
    try {
      envLevel = Deno.env.get("LOG_LEVEL");
    } catch { /* no env permission */ }
    this.#level = opts.level ?? (envLevel && envLevel in RANK ? envLevel as LogLevel : "info");
    this.#sink = opts.sink ?? ((rec) => console.error(JSON.stringify(rec)));
    this.#fields = opts.fields ?? {};
  }
  /** True when `level` would be written. */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.#level];
  }
  /** Debug line. */
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.#log("debug", msg, fields);
  }
  /** Info line. */
  info(msg: string, fields?: Record<string, unknown>): void {
    this.#log("info", msg, fields);
  }
  /** Warning line. */
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.#log("warn", msg, fields);
  }
  /** Error line. */
  error(msg: string, fields?: Record<string, unknown>): void {
    this.#log("error", msg, fields);
  }
  /** Child logger. */
  with(fields: Record<string, unknown>): JsonLogger {
    return new JsonLogger({
      level: this.#level,
      sink: this.#sink,
      fields: { ...this.#fields, ...fields },
    });
  }
  #log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    this.#sink({
      level,
      ts: new Date().toISOString(),
      msg,
      ...errorFields(this.#fields),
      ...(fields ? errorFields(fields) : {}),
    });
  }
}

/** A logger that keeps records in memory (for tests). */
export class MemoryLogger extends JsonLogger {
  /** Captured records. */
  readonly records: LogRecord[];
  /** Creates it; all levels are kept. */
  constructor(records: LogRecord[] = []) {
    super({ level: "debug", sink: (r) => records.push(r) });
    this.records = records;
  }
}

/** A logger that drops everything. */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  with() {
    return nullLogger;
  },
};
