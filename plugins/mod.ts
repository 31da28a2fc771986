/**
 * The `plugins` layer: the `denative-json/1` WebAssembly plugin host, its
 * loader and the `IngressProvider` adapter. See `plugins/ABI.md`.
 * @module
 */
export * from "./manifest.ts";
export * from "./envelope.ts";
export {
  type CheckResult,
  type Inspection,
  inspectPlugin,
  type LoadOptions,
  loadPlugin,
  PluginCallError,
  PluginLoadError,
  sha256Hex,
  WasmPlugin,
} from "./host.ts";
export { GuestError, type GuestErrorKind, GuestInstance, HOST_MODULE } from "./instance.ts";
export {
  InProcessRunner,
  type PluginRunner,
  type RunMode,
  type RunnerOptions,
  WorkerRunner,
} from "./runner.ts";
export { WASI_ALLOWED, WASI_MODULE, WASI_PREVIEW1_FUNCTIONS } from "./wasi.ts";
export { capMemory, type MemoryLimits, readMemories, withCustomSection } from "./wasm_binary.ts";
export { type WasmIngressProvider, wasmProvider } from "./provider.ts";
export {
  CONFIG_PLUGINS,
  loadPlugins,
  type LoadPluginsOptions,
  parsePluginFlag,
  parsePluginsConfig,
  type PluginSpec,
  PluginSpecError,
  readSidecar,
  sidecarPath,
} from "./loader.ts";
