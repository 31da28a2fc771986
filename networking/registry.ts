/**
 * The ingress provider registry: providers by ingress class. Built-in
 * providers and providers loaded from WebAssembly plugins register here; the
 * generic ingress reconciler looks them up by class.
 * @module
 */
import type { GroupVersionKind, IngressProvider } from "../runtime/mod.ts";

/** Ingress providers keyed by class name. */
export class ProviderRegistry {
  #providers = new Map<string, IngressProvider>();
  #listeners = new Set<(className: string) => void>();

  /**
   * Registers a provider. Throws if another provider already serves the class,
   * unless `replace` is set (a reloaded plugin).
   */
  register(provider: IngressProvider, opts: { replace?: boolean } = {}): void {
    if (!provider.className) throw new Error("ingress provider has no className");
    if (this.#providers.has(provider.className) && !opts.replace) {
      throw new Error(
        `an ingress provider for class "${provider.className}" is already registered`,
      );
    }
    this.#providers.set(provider.className, provider);
    for (const l of this.#listeners) l(provider.className);
  }

  /** Removes the provider of a class; returns whether one was registered. */
  unregister(className: string): boolean {
    const had = this.#providers.delete(className);
    if (had) { for (const l of this.#listeners) l(className); }
    return had;
  }

  /** The provider for a class, if any. */
  get(className: string): IngressProvider | undefined {
    return this.#providers.get(className);
  }

  /** Whether a provider serves the class. */
  has(className: string): boolean {
    return this.#providers.has(className);
  }

  /** Registered class names, sorted. */
  classes(): string[] {
    return [...this.#providers.keys()].sort();
  }

  /** Every kind any registered provider may render, deduplicated. */
  kinds(): GroupVersionKind[] {
    const seen = new Map<string, GroupVersionKind>();
    for (const p of this.#providers.values()) {
      for (const k of p.kinds) seen.set(`${k.apiVersion}/${k.kind}`, k);
    }
    return [...seen.values()];
  }

  /** Calls `fn` with the class name whenever a provider is (un)registered. */
  onChange(fn: (className: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}

/** Creates a registry holding the given providers. */
export function createProviderRegistry(providers: IngressProvider[] = []): ProviderRegistry {
  const r = new ProviderRegistry();
  for (const p of providers) r.register(p);
  return r;
}
