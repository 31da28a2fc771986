/**
 * One live plugin instance: instantiates a compiled module against the WASI
 * stub and speaks the `denative-json/1` memory protocol (alloc, call, copy the
 * packed result out, free). Synchronous; used directly in-process and inside
 * the sandbox Worker.
 * @module
 */
import { EXPORTS } from "./manifest.ts";
import { ProcExitError, WASI_MODULE, wasiImports, type WasiLogSink } from "./wasi.ts";

/** The host-log import module (optional for plugins). */
export const HOST_MODULE = "denative:host/v1";

/** Why a guest call failed. */
export type GuestErrorKind = "trap" | "exit" | "output" | "abi" | "timeout" | "worker";

/** A failed guest call. `crashed` means the instance must be discarded. */
export class GuestError extends Error {
  /** Failure class. */
  readonly kind: GuestErrorKind;
  /** True when the instance is no longer usable. */
  readonly crashed: boolean;
  /** Creates the error. */
  constructor(kind: GuestErrorKind, message: string, crashed: boolean) {
    super(message);
    this.name = "GuestError";
    this.kind = kind;
    this.crashed = crashed;
  }
}

/** Options for {@link GuestInstance.create}. */
export interface GuestOptions {
  /** Largest output accepted, in bytes. */
  maxOutputBytes: number;
  /** Memory cap in pages (used to explain traps at the cap). */
  memoryMaxPages: number;
  /** Where stdout/stderr lines and host-log calls go. */
  log: WasiLogSink;
}

interface GuestExports {
  memory: WebAssembly.Memory;
  alloc: (len: number) => number;
  free: (ptr: number, len: number) => void;
  describe: () => bigint;
  transform: (ptr: number, len: number) => bigint;
}

function lookup(instance: WebAssembly.Instance): GuestExports {
  const e = instance.exports;
  const fn = (name: string) => {
    const f = e[name];
    if (typeof f !== "function") throw new GuestError("abi", `missing export ${name}`, true);
    return f;
  };
  const memory = e[EXPORTS.memory];
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new GuestError("abi", "missing export memory", true);
  }
  return {
    memory,
    alloc: fn(EXPORTS.alloc) as GuestExports["alloc"],
    free: fn(EXPORTS.free) as GuestExports["free"],
    describe: fn(EXPORTS.describe) as GuestExports["describe"],
    transform: fn(EXPORTS.transform) as GuestExports["transform"],
  };
}

/** A live instance of a plugin module. */
export class GuestInstance {
  readonly #x: GuestExports;
  readonly #opts: GuestOptions;

  private constructor(x: GuestExports, opts: GuestOptions) {
    this.#x = x;
    this.#opts = opts;
  }

  /** Instantiates `module` (whose imports were already checked) and runs `_initialize`. */
  static create(module: WebAssembly.Module, opts: GuestOptions): GuestInstance {
    const ref: { memory?: WebAssembly.Memory } = {};
    const getMemory = () => {
      const memory = ref.memory;
      if (!memory) throw new GuestError("abi", "WASI call before memory was exported", true);
      return memory;
    };
    const decoder = new TextDecoder();
    const imports: WebAssembly.Imports = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module === WASI_MODULE) {
        imports[WASI_MODULE] ??= wasiImports(getMemory, opts.log);
      } else if (imp.module === HOST_MODULE && imp.name === "log") {
        imports[HOST_MODULE] = {
          log: (level: number, ptr: number, len: number) => {
            const text = decoder.decode(new Uint8Array(getMemory().buffer, ptr, len));
            opts.log(level >= 2 ? "stderr" : "stdout", text);
          },
        };
      } else {
        throw new GuestError("abi", `import ${imp.module}.${imp.name} is not allowed`, true);
      }
    }
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, imports);
    } catch (e) {
      throw new GuestError("trap", `instantiation failed: ${(e as Error).message}`, true);
    }
    const x = lookup(instance);
    ref.memory = x.memory;
    const guest = new GuestInstance(x, opts);
    const init = instance.exports[EXPORTS.initialize];
    if (typeof init === "function") guest.#guard(() => (init as () => void)());
    return guest;
  }

  /** Current memory size in pages. */
  get memoryPages(): number {
    return this.#x.memory.buffer.byteLength / 65536;
  }

  /** Calls `denative_describe` and returns its JSON bytes. */
  describe(): Uint8Array {
    return this.#guard(() => this.#takeOutput(this.#x.describe()));
  }

  /** Calls `denative_transform` with a request and returns the response bytes. */
  transform(input: Uint8Array): Uint8Array {
    return this.#guard(() => {
      const ptr = this.#x.alloc(input.length) >>> 0;
      const mem = new Uint8Array(this.#x.memory.buffer);
      if (ptr === 0 || ptr + input.length > mem.length) {
        throw new GuestError(
          "abi",
          `denative_alloc(${input.length}) returned bad pointer ${ptr}`,
          true,
        );
      }
      mem.set(input, ptr);
      const packed = this.#x.transform(ptr, input.length);
      this.#x.free(ptr, input.length);
      return this.#takeOutput(packed);
    });
  }

  #takeOutput(packed: bigint): Uint8Array {
    const u = BigInt.asUintN(64, packed);
    const ptr = Number(u >> 32n);
    const len = Number(u & 0xffffffffn);
    const size = this.#x.memory.buffer.byteLength;
    if (ptr + len > size) {
      throw new GuestError("abi", `output ${ptr}+${len} lies outside memory (${size} bytes)`, true);
    }
    if (len > this.#opts.maxOutputBytes) {
      this.#x.free(ptr, len);
      throw new GuestError(
        "output",
        `output of ${len} bytes exceeds the cap of ${this.#opts.maxOutputBytes} bytes`,
        false,
      );
    }
    const out = new Uint8Array(this.#x.memory.buffer, ptr, len).slice();
    this.#x.free(ptr, len);
    return out;
  }

  #guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof GuestError) throw e;
      if (e instanceof ProcExitError) throw new GuestError("exit", e.message, true);
      const msg = e instanceof Error ? e.message : String(e);
      const pages = this.memoryPages;
      const atCap = pages >= this.#opts.memoryMaxPages;
      throw new GuestError(
        "trap",
        `trap: ${msg}` +
          (atCap ? ` (memory at its cap of ${this.#opts.memoryMaxPages} pages)` : ""),
        true,
      );
    }
  }
}
