/**
 * The WebAssembly plugin host: checks a module before use (sha256 pin, ABI
 * marker and exports, import allowlist, manifest, host-version compatibility,
 * memory cap), runs it through a runner, validates every response, and backs
 * off a crash loop.
 * @module
 */
import { Ajv } from "ajv";
import type { KubeObject, Logger, ProviderConfig, ProviderStatus } from "../runtime/mod.ts";
import { nullLogger } from "../runtime/mod.ts";
import {
  ABI_MAJOR,
  ABI_NAME,
  compareVersions,
  effectiveLimits,
  ENVELOPE_API_VERSION,
  EXPORTS,
  HOST_LIMITS,
  HOST_VERSION,
  MANIFEST_SECTION,
  parseManifest,
  type PluginLimits,
  type PluginManifest,
} from "./manifest.ts";
import {
  parseResponse,
  type TransformRequest,
  type TransformResponse,
  validateObjects,
  validateStatus,
} from "./envelope.ts";
import { capMemory, readMemories, WasmFormatError } from "./wasm_binary.ts";
import { WASI_MODULE, WASI_PREVIEW1_FUNCTIONS } from "./wasi.ts";
import { GuestError, HOST_MODULE } from "./instance.ts";
import { InProcessRunner, type PluginRunner, type RunMode, WorkerRunner } from "./runner.ts";

/** The result of one pre-use check. */
export interface CheckResult {
  /** Check name, e.g. `sha256`, `imports`. */
  name: string;
  /** Passed. */
  ok: boolean;
  /** What was found. */
  message: string;
}

/** Thrown when a module fails its checks; lists them all. */
export class PluginLoadError extends Error {
  /** All checks, passed and failed. */
  readonly checks: CheckResult[];
  /** Creates the error from the checks. */
  constructor(source: string, checks: CheckResult[]) {
    const failed = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message}`);
    super(`plugin ${source} refused: ${failed.join("; ")}`);
    this.name = "PluginLoadError";
    this.checks = checks;
  }
}

/** Thrown when a plugin call fails (crash, timeout, invalid response, domain error). */
export class PluginCallError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "PluginCallError";
  }
}

/** Options for {@link loadPlugin} and {@link inspectPlugin}. */
export interface LoadOptions {
  /** A label for messages (usually the file path). */
  source?: string;
  /** Expected sha256 (hex) of the bytes; required unless `allowUnpinned`. */
  sha256?: string;
  /** Accept a module without a pin (development). Default true. */
  allowUnpinned?: boolean;
  /** Worker sandbox (default) or in-process (trusted plugins, benchmarks). */
  mode?: RunMode;
  /**
   * Deno permissions of the sandbox Worker (default `"inherit"`). `"none"`
   * needs `--unstable-worker-options`.
   */
  workerPermissions?: "inherit" | "none";
  /** The plugin's configuration (validated against its `configSchema`). */
  config?: Record<string, unknown>;
  /** Host ceilings (default {@link HOST_LIMITS}). */
  hostLimits?: PluginLimits;
  /** Host version (default {@link HOST_VERSION}). */
  hostVersion?: string;
  /** Logger for plugin output and warnings. */
  logger?: Logger;
  /** Consecutive crashes before backing off (default 3). */
  crashLoopThreshold?: number;
  /** First backoff in ms (default 1000, doubling, capped at `maxBackoffMs`). */
  baseBackoffMs?: number;
  /** Backoff ceiling in ms (default 60000). */
  maxBackoffMs?: number;
  /** Clock (tests replace it). */
  now?: () => number;
  /** A manifest shipped beside the module (parsed JSON), used when there is no custom section. */
  sidecarManifest?: unknown;
}

/** The outcome of {@link inspectPlugin}. */
export interface Inspection {
  /** The manifest, when one could be read. */
  manifest?: PluginManifest;
  /** Where the manifest came from. */
  manifestSource?: "custom-section" | "sidecar" | "describe";
  /** sha256 of the bytes (hex). */
  sha256: string;
  /** Every check. */
  checks: CheckResult[];
  /** True when every check passed. */
  ok: boolean;
}

/** Hex sha256 of bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

interface Prepared {
  inspection: Inspection;
  runner?: PluginRunner;
  limits?: PluginLimits;
}

const REQUIRED_EXPORTS = [
  [EXPORTS.memory, "memory"],
  [EXPORTS.alloc, "function"],
  [EXPORTS.free, "function"],
  [EXPORTS.describe, "function"],
  [EXPORTS.transform, "function"],
] as const;

function checkImports(module: WebAssembly.Module): CheckResult {
  const bad: string[] = [];
  let wasi = 0;
  for (const imp of WebAssembly.Module.imports(module)) {
    const ok = (imp.module === WASI_MODULE && imp.kind === "function" &&
      WASI_PREVIEW1_FUNCTIONS.includes(imp.name)) ||
      (imp.module === HOST_MODULE && imp.name === "log" && imp.kind === "function");
    if (!ok) bad.push(`${imp.module}.${imp.name} (${imp.kind})`);
    if (imp.module === WASI_MODULE) wasi++;
  }
  if (bad.length) {
    return { name: "imports", ok: false, message: `forbidden imports: ${bad.join(", ")}` };
  }
  return {
    name: "imports",
    ok: true,
    message: wasi ? `${wasi} WASI preview1 imports (served by the deny-by-default stub)` : "none",
  };
}

function checkExports(module: WebAssembly.Module): CheckResult[] {
  const exports = WebAssembly.Module.exports(module);
  const markers = exports.map((e) => /^denative_abi_v(\d+)$/.exec(e.name)).filter((m) => m !== null)
    .map((m) => Number(m![1]));
  const abi: CheckResult = markers.includes(ABI_MAJOR)
    ? { name: "abi-marker", ok: true, message: `exports ${EXPORTS.marker}` }
    : {
      name: "abi-marker",
      ok: false,
      message: markers.length
        ? `ABI major version(s) ${
          markers.join(", ")
        } unsupported; this host speaks ${ABI_NAME}/${ABI_MAJOR}`
        : `no denative_abi_v<major> marker export`,
    };
  const missing = REQUIRED_EXPORTS.filter(([n, kind]) =>
    !exports.some((e) => e.name === n && e.kind === kind)
  ).map(([n]) => n);
  return [abi, {
    name: "exports",
    ok: missing.length === 0,
    message: missing.length
      ? `missing exports: ${missing.join(", ")}`
      : "all required exports present",
  }];
}

function checkMemory(bytes: Uint8Array, capPages: number): CheckResult {
  const mem = readMemories(bytes);
  if (mem.imported > 0) {
    return {
      name: "memory",
      ok: false,
      message: "imports its memory; it must define and export one",
    };
  }
  if (mem.defined.length !== 1) {
    return { name: "memory", ok: false, message: `defines ${mem.defined.length} memories, not 1` };
  }
  const m = mem.defined[0];
  if (m.memory64 || m.shared) {
    return { name: "memory", ok: false, message: "64-bit or shared memories are not supported" };
  }
  if (m.initial > capPages) {
    return {
      name: "memory",
      ok: false,
      message: `initial memory ${m.initial} pages exceeds the cap of ${capPages} pages`,
    };
  }
  if (m.maximum !== undefined && m.maximum > capPages) {
    return {
      name: "memory",
      ok: false,
      message: `declared maximum ${m.maximum} pages exceeds the cap of ${capPages} pages`,
    };
  }
  return {
    name: "memory",
    ok: true,
    message: `initial ${m.initial} pages, capped at ${Math.min(m.maximum ?? capPages, capPages)}`,
  };
}

function manifestChecks(m: PluginManifest, hostVersion: string): CheckResult[] {
  const out: CheckResult[] = [];
  const abiOk = m.abi.name === ABI_NAME && m.abi.major === ABI_MAJOR;
  out.push({
    name: "abi-version",
    ok: abiOk,
    message: abiOk
      ? `${m.abi.name}/${m.abi.major}.${m.abi.minor}`
      : `manifest declares ${m.abi.name}/${m.abi.major}.${m.abi.minor}; this host speaks ${ABI_NAME}/${ABI_MAJOR}`,
  });
  let hostOk = false;
  try {
    hostOk = compareVersions(m.minHostVersion, hostVersion) <= 0;
  } catch { /* reported below */ }
  out.push({
    name: "host-version",
    ok: hostOk,
    message: hostOk
      ? `needs host >= ${m.minHostVersion}; host is ${hostVersion}`
      : `needs host >= ${m.minHostVersion}, but this host is ${hostVersion}`,
  });
  return out;
}

function decodeManifest(bytes: ArrayBuffer | Uint8Array): PluginManifest {
  return parseManifest(JSON.parse(new TextDecoder().decode(bytes)));
}

async function prepare(
  bytes: Uint8Array,
  opts: LoadOptions,
  keepRunner: boolean,
): Promise<Prepared> {
  const checks: CheckResult[] = [];
  const sha = await sha256Hex(bytes);
  const inspection: Inspection = { sha256: sha, checks, ok: false };
  const hostLimits = opts.hostLimits ?? HOST_LIMITS;
  const hostVersion = opts.hostVersion ?? HOST_VERSION;
  const log = opts.logger ?? nullLogger;
  const done = (): Prepared => {
    inspection.ok = checks.every((c) => c.ok);
    return { inspection };
  };

  if (opts.sha256 !== undefined) {
    const want = opts.sha256.toLowerCase();
    checks.push(
      want === sha
        ? { name: "sha256", ok: true, message: `matches pin ${sha}` }
        : { name: "sha256", ok: false, message: `digest ${sha} does not match pin ${want}` },
    );
    if (want !== sha) return done();
  } else {
    checks.push({
      name: "sha256",
      ok: opts.allowUnpinned ?? true,
      message: `not pinned (digest ${sha})`,
    });
  }

  let module: WebAssembly.Module;
  try {
    readMemories(bytes);
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    const msg = e instanceof WasmFormatError
      ? e.message
      : `does not compile: ${(e as Error).message}`;
    checks.push({ name: "format", ok: false, message: msg });
    return done();
  }
  checks.push({ name: "format", ok: true, message: `core module, ${bytes.length} bytes` });
  checks.push(...checkExports(module), checkImports(module));
  if (checks.some((c) => !c.ok)) return done();

  // Manifest: the custom section, else the describe export (run sandboxed).
  let manifest: PluginManifest | undefined;
  const sections = WebAssembly.Module.customSections(module, MANIFEST_SECTION);
  if (sections.length > 0) {
    try {
      manifest = decodeManifest(sections[0]);
      inspection.manifestSource = "custom-section";
    } catch (e) {
      checks.push({
        name: "manifest",
        ok: false,
        message: `custom section: ${(e as Error).message}`,
      });
      return done();
    }
  }
  if (opts.sidecarManifest !== undefined) {
    let side: PluginManifest;
    try {
      side = parseManifest(opts.sidecarManifest);
    } catch (e) {
      checks.push({ name: "manifest", ok: false, message: `sidecar: ${(e as Error).message}` });
      return done();
    }
    if (manifest && (side.name !== manifest.name || side.version !== manifest.version)) {
      checks.push({
        name: "manifest",
        ok: false,
        message: `sidecar says ${side.name}@${side.version}, custom section says ` +
          `${manifest.name}@${manifest.version}`,
      });
      return done();
    }
    if (!manifest) {
      manifest = side;
      inspection.manifestSource = "sidecar";
    }
  }
  const memCheckFirst = checkMemory(
    bytes,
    manifest ? effectiveLimits(manifest, hostLimits).memoryMaxPages : hostLimits.memoryMaxPages,
  );
  if (!memCheckFirst.ok) {
    checks.push(memCheckFirst);
    return done();
  }

  const makeRunner = (limits: PluginLimits): PluginRunner => {
    const capped = capMemory(bytes, limits.memoryMaxPages);
    const compiled = new WebAssembly.Module(capped);
    const ropts = {
      module: compiled,
      maxOutputBytes: limits.maxOutputBytes,
      memoryMaxPages: limits.memoryMaxPages,
      timeoutMs: limits.timeoutMs,
      workerPermissions: opts.workerPermissions,
      log: (stream: "stdout" | "stderr", line: string) =>
        (stream === "stderr" ? log.warn : log.info).call(log, line, {
          plugin: manifest?.name ?? opts.source,
          stream,
        }),
    };
    return (opts.mode ?? "worker") === "worker"
      ? new WorkerRunner(ropts)
      : new InProcessRunner(ropts);
  };

  const provisional = manifest ? effectiveLimits(manifest, hostLimits) : {
    ...hostLimits,
    timeoutMs: Math.min(hostLimits.timeoutMs, 2000),
  };
  let runner = makeRunner(provisional);
  let described: PluginManifest | undefined;
  try {
    described = decodeManifest(await runner.describe());
    manifest ??= described;
    inspection.manifestSource ??= "describe";
  } catch (e) {
    runner.close();
    checks.push({ name: "manifest", ok: false, message: `describe: ${(e as Error).message}` });
    return done();
  }
  inspection.manifest = manifest;
  if (described.name !== manifest.name || described.version !== manifest.version) {
    checks.push({
      name: "manifest",
      ok: false,
      message:
        `${
          inspection.manifestSource?.replace("-", " ")
        } says ${manifest.name}@${manifest.version}, describe says ` +
        `${described.name}@${described.version}`,
    });
  } else {
    checks.push({
      name: "manifest",
      ok: true,
      message: `${manifest.name}@${manifest.version} from ${inspection.manifestSource}`,
    });
  }
  checks.push(...manifestChecks(manifest, hostVersion));
  const limits = effectiveLimits(manifest, hostLimits);
  checks.push(checkMemory(bytes, limits.memoryMaxPages));
  if (manifest.configSchema) {
    try {
      const validate = new Ajv({ strict: false, allErrors: true }).compile(manifest.configSchema);
      const ok = validate(opts.config ?? {});
      checks.push({
        name: "config",
        ok: ok === true,
        message: ok
          ? "matches configSchema"
          : `does not match configSchema: ${
            (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join(", ")
          }`,
      });
    } catch (e) {
      checks.push({
        name: "config",
        ok: false,
        message: `bad configSchema: ${(e as Error).message}`,
      });
    }
  }
  if (checks.some((c) => !c.ok) || !keepRunner) {
    runner.close();
    return done();
  }
  if (
    limits.memoryMaxPages !== provisional.memoryMaxPages ||
    limits.timeoutMs !== provisional.timeoutMs ||
    limits.maxOutputBytes !== provisional.maxOutputBytes
  ) {
    runner.close();
    runner = makeRunner(limits);
  }
  const p = done();
  return { ...p, runner, limits };
}

/** Runs every check on a module and reports them (starts and stops one sandbox). */
export async function inspectPlugin(
  bytes: Uint8Array,
  opts: LoadOptions = {},
): Promise<Inspection> {
  return (await prepare(bytes, opts, false)).inspection;
}

/** Checks a module and returns a ready plugin, or throws {@link PluginLoadError}. */
export async function loadPlugin(bytes: Uint8Array, opts: LoadOptions = {}): Promise<WasmPlugin> {
  const p = await prepare(bytes, opts, true);
  if (!p.inspection.ok || !p.runner || !p.limits || !p.inspection.manifest) {
    throw new PluginLoadError(opts.source ?? "module", p.inspection.checks);
  }
  return new WasmPlugin(p.inspection.manifest, p.inspection.sha256, p.limits, p.runner, opts);
}

/** A loaded, checked plugin. */
export class WasmPlugin {
  /** The manifest. */
  readonly manifest: PluginManifest;
  /** sha256 of the module. */
  readonly sha256: string;
  /** Effective limits. */
  readonly limits: PluginLimits;
  /** The runner (exposed for benchmarks and diagnostics). */
  readonly runner: PluginRunner;
  readonly #config: Record<string, unknown>;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #threshold: number;
  readonly #base: number;
  readonly #max: number;
  #crashes = 0;
  #backoffUntil = 0;
  #lastCrash = "";
  readonly #encoder = new TextEncoder();

  /** Use {@link loadPlugin}. */
  constructor(
    manifest: PluginManifest,
    sha256: string,
    limits: PluginLimits,
    runner: PluginRunner,
    opts: LoadOptions,
  ) {
    this.manifest = manifest;
    this.sha256 = sha256;
    this.limits = limits;
    this.runner = runner;
    this.#config = opts.config ?? {};
    this.#log = (opts.logger ?? nullLogger).with({ plugin: manifest.name });
    this.#now = opts.now ?? Date.now;
    this.#threshold = opts.crashLoopThreshold ?? 3;
    this.#base = opts.baseBackoffMs ?? 1000;
    this.#max = opts.maxBackoffMs ?? 60_000;
  }

  /** Consecutive crashes so far (reset by a successful call). */
  get consecutiveCrashes(): number {
    return this.#crashes;
  }

  /** Sends one request; returns the checked envelope. */
  async call(request: TransformRequest): Promise<TransformResponse> {
    const now = this.#now();
    if (now < this.#backoffUntil) {
      throw new PluginCallError(
        `crash loop: ${this.#crashes} consecutive crashes, backing off for ` +
          `${this.#backoffUntil - now} ms more (last: ${this.#lastCrash})`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.runner.transform(this.#encoder.encode(JSON.stringify(request)));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!(e instanceof GuestError) || e.crashed) this.#crashed(msg);
      throw new PluginCallError(msg);
    }
    this.#crashes = 0;
    let resp: TransformResponse;
    try {
      resp = parseResponse(bytes);
    } catch (e) {
      throw new PluginCallError((e as Error).message);
    }
    if (resp.error) throw new PluginCallError(`${resp.error.code}: ${resp.error.message}`);
    for (const w of resp.warnings ?? []) this.#log.warn(w);
    return resp;
  }

  #crashed(msg: string): void {
    this.#crashes++;
    this.#lastCrash = msg;
    this.#log.error("plugin crashed; its instance will be rebuilt", {
      error: msg,
      crashes: this.#crashes,
    });
    if (this.#crashes >= this.#threshold) {
      const ms = Math.min(this.#max, this.#base * 2 ** (this.#crashes - this.#threshold));
      this.#backoffUntil = this.#now() + ms;
    }
  }

  #request(
    ingress: KubeObject,
    network: ProviderConfig,
    operation: "render" | "status",
    observed?: KubeObject[],
  ): TransformRequest {
    return {
      apiVersion: ENVELOPE_API_VERSION,
      kind: "TransformRequest",
      operation,
      ingress,
      config: this.#config,
      network,
      ...(observed ? { observed } : {}),
    };
  }

  /** Renders an Ingress and validates the objects. */
  async render(ingress: KubeObject, network: ProviderConfig = {}): Promise<KubeObject[]> {
    const resp = await this.call(this.#request(ingress, network, "render"));
    try {
      return validateObjects(
        resp.objects ?? [],
        this.manifest.provides,
        ingress.metadata.namespace ?? "",
      );
    } catch (e) {
      throw new PluginCallError((e as Error).message);
    }
  }

  /**
   * Derives status. Plugins without a `status` operation are ready once every
   * object they render is observed.
   */
  async status(
    ingress: KubeObject,
    observed: KubeObject[],
    network: ProviderConfig = {},
  ): Promise<ProviderStatus> {
    if (!this.manifest.operations.includes("status")) {
      const want = await this.render(ingress, network);
      const have = new Set(observed.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`));
      const missing = want.filter((o) => !have.has(`${o.apiVersion}/${o.kind}/${o.metadata.name}`));
      return missing.length === 0 ? { ready: true } : {
        ready: false,
        reason: "Pending",
        message: `waiting for ${missing.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`,
      };
    }
    const resp = await this.call(this.#request(ingress, network, "status", observed));
    try {
      return validateStatus(resp.status);
    } catch (e) {
      throw new PluginCallError((e as Error).message);
    }
  }

  /** Stops the sandbox. */
  close(): void {
    this.runner.close();
  }
}
