/**
 * Typed configuration from ConfigMaps: each map has a parser; a missing map
 * means defaults (`parse({})`); a bad value is logged and evented and the last
 * good value stays in force.
 * @module
 */
import type { ConfigSource, EventRecorder, Logger } from "./plugin.ts";
import { nullLogger } from "./logging.ts";
import type { KubeObject } from "./types.ts";
import { jsonEqual } from "./patch.ts";

/** A config map the runtime watches and parses. */
export interface ConfigMapSpec<T = unknown> {
  /** ConfigMap name in the system namespace. */
  name: string;
  /** Parses `data` into typed config; throws on a bad value. */
  parse(data: Record<string, string>): T;
}

/** Options for {@link ConfigStore}. */
export interface ConfigStoreOptions {
  /** Logger for parse failures. */
  logger?: Logger;
  /** Recorder for Warning events on the ConfigMap. */
  recorder?: EventRecorder;
}

/** Holds the last good parsed value of each config map. */
export class ConfigStore implements ConfigSource {
  readonly #specs = new Map<string, ConfigMapSpec>();
  readonly #values = new Map<string, unknown>();
  /** Why a map's defaults did not parse (cleared once the map loads). */
  readonly #defaultErrors = new Map<string, string>();
  readonly #o: ConfigStoreOptions;
  readonly #listeners: ((name: string) => void)[] = [];

  /**
   * Creates the store and loads every map's defaults. A map whose defaults do
   * not parse (a required key, such as `queue-sidecar-image`) stays unloaded
   * until its ConfigMap arrives; {@link unloaded} lists it with the reason.
   */
  constructor(specs: ConfigMapSpec[], opts: ConfigStoreOptions = {}) {
    this.#o = opts;
    for (const s of specs) {
      this.#specs.set(s.name, s);
      try {
        this.#values.set(s.name, s.parse({}));
      } catch (e) {
        this.#defaultErrors.set(s.name, e instanceof Error ? e.message : String(e));
      }
    }
  }

  /** Names of the managed maps. */
  get names(): string[] {
    return [...this.#specs.keys()];
  }

  /** The last good value; throws for an unknown name or a map never parsed. */
  get<T>(name: string): T {
    if (!this.#values.has(name)) {
      if (!this.#specs.has(name)) throw new Error(`config ${name} is not registered`);
      const why = this.#defaultErrors.get(name);
      throw new Error(
        `config ${name} is not loaded: the ConfigMap is missing or invalid` +
          (why ? ` and its defaults are not usable (${why})` : ""),
      );
    }
    return this.#values.get(name) as T;
  }

  /** Sets a value directly (tests and embedders). */
  set(name: string, value: unknown): void {
    this.#values.set(name, value);
    this.#notify(name);
  }

  /** Maps that have no value yet (absent or invalid, with unusable defaults), with the reason. */
  unloaded(): { name: string; reason: string }[] {
    return [...this.#specs.keys()].filter((n) => !this.#values.has(n)).map((name) => ({
      name,
      reason: this.#defaultErrors.get(name) ?? "never parsed",
    }));
  }

  /** Calls `fn(name)` whenever a value changes. */
  onChange(fn: (name: string) => void): void {
    this.#listeners.push(fn);
  }

  /** Applies a ConfigMap; returns true when the parsed value changed. */
  update(cm: KubeObject): boolean {
    const name = cm.metadata.name ?? "";
    const spec = this.#specs.get(name);
    if (!spec) return false;
    let value: unknown;
    try {
      value = spec.parse((cm.data as Record<string, string> | undefined) ?? {});
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      (this.#o.logger ?? nullLogger).error("invalid config; keeping the last good value", {
        config: name,
        error: msg,
      });
      this.#o.recorder?.event(cm, "Warning", "InvalidConfig", `Invalid ${name}: ${msg}`);
      return false;
    }
    if (this.#values.has(name) && jsonEqual(this.#values.get(name), value)) return false;
    this.#values.set(name, value);
    this.#notify(name);
    return true;
  }

  /** A deleted map returns to its defaults; returns true when that changed the value. */
  remove(name: string): boolean {
    const spec = this.#specs.get(name);
    if (!spec) return false;
    return this.update({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: {} });
  }

  #notify(name: string): void {
    for (const l of this.#listeners) l(name);
  }
}
