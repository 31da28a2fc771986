/**
 * A registry of controller plugins (by name) and ingress providers (by class).
 * @module
 */
import type { ControllerPlugin, IngressProvider } from "./plugin.ts";

/** Holds plugins and providers. */
export class PluginRegistry {
  readonly #controllers = new Map<string, ControllerPlugin>();
  readonly #providers = new Map<string, IngressProvider>();

  /** Registers a controller plugin; a duplicate name throws. */
  registerController<T extends ControllerPlugin>(p: T): T {
    if (this.#controllers.has(p.name)) throw new Error(`controller ${p.name} already registered`);
    this.#controllers.set(p.name, p as unknown as ControllerPlugin);
    return p;
  }
  /** A controller plugin by name. */
  controller(name: string): ControllerPlugin | undefined {
    return this.#controllers.get(name);
  }
  /** All controller plugins in registration order. */
  controllers(): ControllerPlugin[] {
    return [...this.#controllers.values()];
  }
  /** Registers an ingress provider; a duplicate class throws unless `replace`. */
  registerProvider(p: IngressProvider, replace = false): IngressProvider {
    if (!replace && this.#providers.has(p.className)) {
      throw new Error(`ingress provider ${p.className} already registered`);
    }
    this.#providers.set(p.className, p);
    return p;
  }
  /** The provider for an ingress class. */
  provider(className: string): IngressProvider | undefined {
    return this.#providers.get(className);
  }
  /** All providers. */
  providers(): IngressProvider[] {
    return [...this.#providers.values()];
  }
}

/** The process-wide default registry. */
export const defaultRegistry: PluginRegistry = new PluginRegistry();
