/**
 * The `IngressProvider` adapter over a loaded WebAssembly plugin: every
 * plugin failure surfaces as `ProviderFailedError`, which the ingress
 * reconciler turns into `Ready=False` reason `PluginFailed`.
 * @module
 */
import {
  type GroupVersionKind,
  type IngressProvider,
  type KubeObject,
  type ProviderConfig,
  ProviderFailedError,
  type ProviderStatus,
} from "../runtime/mod.ts";
import type { WasmPlugin } from "./host.ts";

/** An ingress provider backed by a WebAssembly plugin. */
export interface WasmIngressProvider extends IngressProvider {
  /** The plugin behind it. */
  readonly plugin: WasmPlugin;
  /** Renders through the plugin; throws `ProviderFailedError` on any failure. */
  render(ingress: KubeObject, config: ProviderConfig): Promise<KubeObject[]>;
  /** Derives status through the plugin; throws `ProviderFailedError` on any failure. */
  status(
    ingress: KubeObject,
    observed: KubeObject[],
    config: ProviderConfig,
  ): Promise<ProviderStatus>;
  /** Stops the plugin's sandbox. */
  close(): void;
}

function fail(plugin: WasmPlugin, e: unknown): never {
  if (e instanceof ProviderFailedError) throw e;
  const msg = e instanceof Error ? e.message : String(e);
  throw new ProviderFailedError(`${plugin.manifest.name}@${plugin.manifest.version}`, msg);
}

/** Wraps a plugin as an `IngressProvider` whose class is the manifest's `className`. */
export function wasmProvider(plugin: WasmPlugin): WasmIngressProvider {
  const kinds: GroupVersionKind[] = plugin.manifest.provides.map((k) => ({ ...k }));
  return {
    className: plugin.manifest.className,
    kinds,
    plugin,
    async render(ingress: KubeObject, config: ProviderConfig): Promise<KubeObject[]> {
      try {
        return await plugin.render(ingress, config);
      } catch (e) {
        fail(plugin, e);
      }
    },
    async status(
      ingress: KubeObject,
      observed: KubeObject[],
      config: ProviderConfig,
    ): Promise<ProviderStatus> {
      try {
        return await plugin.status(ingress, observed, config);
      } catch (e) {
        fail(plugin, e);
      }
    },
    close(): void {
      plugin.close();
    },
  };
}
