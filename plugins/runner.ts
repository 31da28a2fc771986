/**
 * Runners execute plugin calls: in-process (fast, trusted plugins only: a
 * runaway loop cannot be interrupted) or in a sandbox Worker with a deadline
 * per call (the Worker is terminated on timeout). Both discard a crashed
 * instance and rebuild it from the cached compiled module on the next call.
 * @module
 */
import { GuestError, type GuestErrorKind, GuestInstance } from "./instance.ts";
import type { WasiLogSink } from "./wasi.ts";

/** How a plugin runs. */
export type RunMode = "worker" | "in-process";

/** Options shared by runners. */
export interface RunnerOptions {
  /** The compiled (memory-capped) module. */
  module: WebAssembly.Module;
  /** Largest output accepted, in bytes. */
  maxOutputBytes: number;
  /** Memory cap in pages. */
  memoryMaxPages: number;
  /** Deadline of one call in ms (Worker mode only). */
  timeoutMs: number;
  /**
   * Deadline for the guest's start in the sandbox (instantiation and its
   * `_initialize`), measured from when the Worker begins instantiating
   * (default 30 s + `timeoutMs`).
   */
  startTimeoutMs?: number;
  /**
   * Deno permissions of the sandbox Worker: `"inherit"` (default) or
   * `"none"`. `"none"` needs the process to run with
   * `--unstable-worker-options` (Deno 2.9); without it Deno exits the process.
   */
  workerPermissions?: "inherit" | "none";
  /** Deadline for the sandbox Worker's own code to load, before the guest starts (default 30 s). */
  loadTimeoutMs?: number;
  /** Plugin stdout/stderr lines. */
  log: WasiLogSink;
}

/** Executes plugin calls. */
export interface PluginRunner {
  /** The mode. */
  readonly mode: RunMode;
  /** Number of instances built so far (1 + rebuilds). */
  readonly instancesBuilt: number;
  /** Calls `denative_describe`. */
  describe(): Promise<Uint8Array>;
  /** Calls `denative_transform`. */
  transform(input: Uint8Array): Promise<Uint8Array>;
  /** Releases the instance (terminates the Worker). */
  close(): void;
}

/** Messages to the sandbox Worker. */
export type WorkerRequest =
  | {
    type: "init";
    module: WebAssembly.Module;
    maxOutputBytes: number;
    memoryMaxPages: number;
  }
  | { type: "call"; id: number; op: "describe" }
  | { type: "call"; id: number; op: "transform"; input: Uint8Array };

/** A serialized {@link GuestError}. */
export interface WireError {
  /** Failure class. */
  kind: GuestErrorKind;
  /** Message. */
  message: string;
  /** The instance is gone. */
  crashed: boolean;
}

/** Messages from the sandbox Worker. */
export type WorkerReply =
  | { type: "starting" }
  | { type: "ready"; fileAccess: boolean }
  | { type: "init-error"; error: WireError }
  | { type: "result"; id: number; output: Uint8Array }
  | { type: "error"; id: number; error: WireError }
  | { type: "log"; stream: "stdout" | "stderr"; line: string };

/** Runs the plugin on the calling thread. Trusted plugins and benchmarks only. */
export class InProcessRunner implements PluginRunner {
  /** The mode. */
  readonly mode: RunMode = "in-process";
  #guest: GuestInstance | undefined;
  #built = 0;
  readonly #opts: RunnerOptions;

  /** Creates the runner; the instance is built on first use. */
  constructor(opts: RunnerOptions) {
    this.#opts = opts;
  }
  /** Number of instances built so far. */
  get instancesBuilt(): number {
    return this.#built;
  }
  #run(f: (g: GuestInstance) => Uint8Array): Uint8Array {
    if (!this.#guest) {
      this.#built++;
      this.#guest = GuestInstance.create(this.#opts.module, this.#opts);
    }
    try {
      return f(this.#guest);
    } catch (e) {
      if (!(e instanceof GuestError) || e.crashed) this.#guest = undefined;
      throw e;
    }
  }
  /** Synchronous transform (for benchmarks and embedders). */
  transformSync(input: Uint8Array): Uint8Array {
    return this.#run((g) => g.transform(input));
  }
  /** Calls `denative_describe`. */
  describe(): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.#run((g) => g.describe()));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** Calls `denative_transform`. */
  transform(input: Uint8Array): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.transformSync(input));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** Drops the instance. */
  close(): void {
    this.#guest = undefined;
  }
}

interface Pending {
  resolve: (out: Uint8Array) => void;
  reject: (e: Error) => void;
}

/** Runs the plugin in a dedicated Worker with a deadline per call. */
export class WorkerRunner implements PluginRunner {
  /** The mode. */
  readonly mode: RunMode = "worker";
  readonly #opts: RunnerOptions;
  #worker: Worker | undefined;
  #loaded: Promise<void> | undefined;
  #ready: Promise<void> | undefined;
  // Fails a start in progress (a no-op once it has settled).
  #abortStart: ((e: Error) => void) | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #built = 0;
  #fileAccess: boolean | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Creates the runner; the Worker starts on first use. */
  constructor(opts: RunnerOptions) {
    this.#opts = opts;
  }
  /** Number of Workers (instances) started so far. */
  get instancesBuilt(): number {
    return this.#built;
  }
  /**
   * Whether the running sandbox could read a file (its own code) when it
   * started; undefined before the first start.
   */
  get fileAccess(): boolean | undefined {
    return this.#fileAccess;
  }

  #kill(reason: Error): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#abortStart?.(reason);
    this.#abortStart = undefined;
    this.#loaded = undefined;
    this.#ready = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(reason);
  }

  /**
   * Spawns the Worker. `loaded` settles when the Worker's code has loaded and
   * the guest starts (instantiation, `_initialize`); `ready` when it has.
   */
  #start(): { loaded: Promise<void>; ready: Promise<void> } {
    if (this.#ready && this.#loaded) return { loaded: this.#loaded, ready: this.#ready };
    this.#built++;
    const options: WorkerOptions & { deno?: { permissions: "none" } } = { type: "module" };
    if (this.#opts.workerPermissions === "none") options.deno = { permissions: "none" };
    const worker = new Worker(new URL("./worker.ts", import.meta.url), options);
    this.#worker = worker;
    let loaded!: () => void;
    let failed!: (e: Error) => void;
    this.#loaded = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#abortStart = (e) => {
        failed(e);
        reject(e);
      };
      worker.onmessage = (ev: MessageEvent<WorkerReply>) => {
        const m = ev.data;
        switch (m.type) {
          case "starting":
            loaded();
            return;
          case "ready":
            this.#fileAccess = m.fileAccess;
            loaded();
            resolve();
            return;
          case "init-error":
            failed(new GuestError(m.error.kind, m.error.message, true));
            reject(new GuestError(m.error.kind, m.error.message, true));
            this.#kill(new GuestError(m.error.kind, m.error.message, true));
            return;
          case "log":
            this.#opts.log(m.stream, m.line);
            return;
          case "result":
          case "error": {
            const p = this.#pending.get(m.id);
            if (!p) return;
            this.#pending.delete(m.id);
            if (m.type === "result") p.resolve(m.output);
            else {
              if (m.error.crashed) this.#kill(new GuestError("worker", "instance discarded", true));
              p.reject(new GuestError(m.error.kind, m.error.message, m.error.crashed));
            }
          }
        }
      };
      worker.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        const err = new GuestError("worker", `sandbox worker failed: ${ev.message}`, true);
        failed(err);
        reject(err);
        this.#kill(err);
      };
    });
    // The init message is posted after handlers are in place.
    const init: WorkerRequest = {
      type: "init",
      module: this.#opts.module,
      maxOutputBytes: this.#opts.maxOutputBytes,
      memoryMaxPages: this.#opts.memoryMaxPages,
    };
    worker.postMessage(init);
    // Avoid an unhandled rejection when nobody awaits a failed start.
    this.#loaded.catch(() => {});
    this.#ready.catch(() => {});
    return { loaded: this.#loaded, ready: this.#ready };
  }

  /** Waits for `p`; past `ms`, fails with `err()` and kills the sandbox. */
  #within(p: Promise<void>, ms: number, err: () => GuestError): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        const e = err();
        reject(e);
        this.#kill(e);
      }, ms);
      p.then(resolve, reject);
    }).finally(() => clearTimeout(timer));
  }

  #call(op: "describe" | "transform", input?: Uint8Array): Promise<Uint8Array> {
    const run = async (): Promise<Uint8Array> => {
      if (this.#closed) throw new GuestError("worker", "runner closed", false);
      // Starting the sandbox has two deadlines: one for loading the Worker's
      // own code, and one for the guest's start (instantiation, `_initialize`),
      // measured from when the guest starts.
      const loadMs = this.#opts.loadTimeoutMs ?? 30_000;
      const startMs = this.#opts.startTimeoutMs ?? 30_000 + this.#opts.timeoutMs;
      const { loaded, ready } = this.#start();
      await this.#within(
        loaded,
        loadMs,
        () =>
          new GuestError(
            "worker",
            `sandbox worker did not load within ${loadMs} ms; terminated`,
            true,
          ),
      );
      await this.#within(
        ready,
        startMs,
        () =>
          new GuestError(
            "timeout",
            `plugin start (instantiation and _initialize) exceeded its deadline of ${startMs} ms; sandbox terminated`,
            true,
          ),
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const worker = this.#worker;
      if (!worker) throw new GuestError("worker", "sandbox is gone", true);
      const id = this.#nextId++;
      try {
        return await new Promise<Uint8Array>((resolve, reject) => {
          timer = setTimeout(() => {
            const err = new GuestError(
              "timeout",
              `call exceeded its deadline of ${this.#opts.timeoutMs} ms; sandbox terminated`,
              true,
            );
            this.#pending.delete(id);
            reject(err);
            this.#kill(err);
          }, this.#opts.timeoutMs);
          this.#pending.set(id, { resolve, reject });
          const msg: WorkerRequest = op === "describe"
            ? { type: "call", id, op }
            : { type: "call", id, op, input: input! };
          worker.postMessage(msg);
        });
      } finally {
        clearTimeout(timer);
      }
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => {});
    return p;
  }

  /** Calls `denative_describe`. */
  describe(): Promise<Uint8Array> {
    return this.#call("describe");
  }
  /** Calls `denative_transform`. */
  transform(input: Uint8Array): Promise<Uint8Array> {
    return this.#call("transform", input);
  }
  /** Terminates the Worker; later calls fail. */
  close(): void {
    this.#closed = true;
    this.#kill(new GuestError("worker", "runner closed", false));
  }
}
