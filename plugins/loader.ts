/**
 * Loading plugins from the command line (`--plugin FILE.wasm[=sha256]`) and
 * from the `config-plugins` config map (clusters; pins required).
 * @module
 */
import { parse as parseYaml } from "yaml";
import type { Logger } from "../runtime/mod.ts";
import { type LoadOptions, loadPlugin } from "./host.ts";
import type { RunMode } from "./runner.ts";
import { type WasmIngressProvider, wasmProvider } from "./provider.ts";

/** Where a plugin comes from and how to run it. */
export interface PluginSpec {
  /** Path of the `.wasm` file. */
  path: string;
  /** Expected sha256 (64 hex digits). */
  sha256?: string;
  /** The plugin's configuration. */
  config?: Record<string, unknown>;
  /** Sandbox mode (default `worker`). */
  mode?: RunMode;
  /** A name for messages (the config-map key). */
  name?: string;
}

/** Thrown for a malformed `--plugin` flag or `config-plugins` entry. */
export class PluginSpecError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "PluginSpecError";
  }
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

/** Parses `FILE.wasm` or `FILE.wasm=<sha256 hex>`. */
export function parsePluginFlag(flag: string): PluginSpec {
  const eq = flag.lastIndexOf("=");
  if (eq < 0) {
    if (!flag) throw new PluginSpecError("--plugin needs a file path");
    return { path: flag };
  }
  const path = flag.slice(0, eq);
  const sha = flag.slice(eq + 1);
  if (!path) throw new PluginSpecError(`--plugin ${flag}: missing file path`);
  if (!SHA256.test(sha)) {
    throw new PluginSpecError(
      `--plugin ${flag}: ${JSON.stringify(sha)} is not a sha256 (64 hex digits)`,
    );
  }
  return { path, sha256: sha.toLowerCase() };
}

/** The name of the cluster config map listing plugins. */
export const CONFIG_PLUGINS = "config-plugins";

/**
 * Parses `config-plugins` data: each key is a plugin name, each value YAML or
 * JSON `{path, sha256, config?, mode?}`. Keys starting with `_` (e.g.
 * `_example`) are ignored. Every entry must be pinned.
 */
export function parsePluginsConfig(data: Record<string, string>): PluginSpec[] {
  const out: PluginSpec[] = [];
  for (const [name, raw] of Object.entries(data).sort(([a], [b]) => a.localeCompare(b))) {
    if (name.startsWith("_")) continue;
    let v: unknown;
    try {
      v = parseYaml(raw);
    } catch (e) {
      throw new PluginSpecError(`${CONFIG_PLUGINS}[${name}]: ${(e as Error).message}`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new PluginSpecError(`${CONFIG_PLUGINS}[${name}]: must be a map with path and sha256`);
    }
    const o = v as Record<string, unknown>;
    if (typeof o.path !== "string" || o.path === "") {
      throw new PluginSpecError(`${CONFIG_PLUGINS}[${name}]: path is required`);
    }
    if (typeof o.sha256 !== "string" || !SHA256.test(o.sha256)) {
      throw new PluginSpecError(`${CONFIG_PLUGINS}[${name}]: sha256 (64 hex digits) is required`);
    }
    if (
      o.config !== undefined &&
      (typeof o.config !== "object" || o.config === null || Array.isArray(o.config))
    ) {
      throw new PluginSpecError(`${CONFIG_PLUGINS}[${name}]: config must be a map`);
    }
    if (o.mode !== undefined && o.mode !== "worker" && o.mode !== "in-process") {
      throw new PluginSpecError(`${CONFIG_PLUGINS}[${name}]: mode must be worker or in-process`);
    }
    out.push({
      name,
      path: o.path,
      sha256: o.sha256.toLowerCase(),
      config: o.config as Record<string, unknown> | undefined,
      mode: o.mode as RunMode | undefined,
    });
  }
  return out;
}

/** Where the sidecar manifest of `FILE.wasm` lives: `FILE.manifest.json`. */
export function sidecarPath(wasmPath: string): string {
  return wasmPath.replace(/\.wasm$/, "") + ".manifest.json";
}

/** Reads the sidecar manifest of a module, if there is one. */
export async function readSidecar(wasmPath: string): Promise<unknown> {
  const path = sidecarPath(wasmPath);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new PluginSpecError(`${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PluginSpecError(`${path}: ${(e as Error).message}`);
  }
}

/** Options for {@link loadPlugins}. */
export interface LoadPluginsOptions {
  /** Logger for plugin output. */
  logger?: Logger;
  /** Refuse unpinned specs (clusters). Default false. */
  requirePins?: boolean;
  /** Default mode for specs without one (default `worker`). */
  mode?: RunMode;
  /** Extra host options (limits, backoff, clock). */
  host?: Omit<LoadOptions, "sha256" | "source" | "config" | "mode" | "logger">;
}

/**
 * Loads plugins (flags like `FILE.wasm=sha256` or specs) and returns their
 * ingress providers. Fails as a whole, closing what it loaded, if any plugin
 * is refused or two plugins claim the same ingress class.
 */
export async function loadPlugins(
  specs: (string | PluginSpec)[],
  opts: LoadPluginsOptions = {},
): Promise<WasmIngressProvider[]> {
  const loaded: WasmIngressProvider[] = [];
  try {
    for (const s of specs) {
      const spec = typeof s === "string" ? parsePluginFlag(s) : s;
      if (opts.requirePins && !spec.sha256) {
        throw new PluginSpecError(`plugin ${spec.path}: a sha256 pin is required`);
      }
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(spec.path);
      } catch (e) {
        throw new PluginSpecError(`plugin ${spec.path}: ${(e as Error).message}`);
      }
      const plugin = await loadPlugin(bytes, {
        ...opts.host,
        source: spec.name ?? spec.path,
        sha256: spec.sha256,
        config: spec.config,
        mode: spec.mode ?? opts.mode ?? "worker",
        logger: opts.logger,
        sidecarManifest: await readSidecar(spec.path),
      });
      const provider = wasmProvider(plugin);
      const clash = loaded.find((p) => p.className === provider.className);
      loaded.push(provider);
      if (clash) {
        throw new PluginSpecError(
          `plugins ${clash.plugin.manifest.name} and ${plugin.manifest.name} both serve ${provider.className}`,
        );
      }
    }
    return loaded;
  } catch (e) {
    for (const p of loaded) p.close();
    throw e;
  }
}
