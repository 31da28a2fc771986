/**
 * A tiny WebAssembly binary emitter for hand-built test plugins, so the
 * refusal tests need no toolchain.
 * @module
 */

/** Value types. */
export const I32 = 0x7f;
/** i64 value type. */
export const I64 = 0x7e;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const / i64.const). */
export function sleb(v: number | bigint): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  while (true) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** A function signature. */
export interface Sig {
  /** Parameter types. */
  params: number[];
  /** Result types. */
  results: number[];
}

/** A defined function. */
export interface Func extends Sig {
  /** Instructions, without the final `end`. */
  body: number[];
  /** Export name. */
  export?: string;
}

/** A function import. */
export interface Import extends Sig {
  /** Module. */
  module: string;
  /** Name. */
  name: string;
}

/** A whole module. */
export interface ModuleSpec {
  /** Function imports. */
  imports?: Import[];
  /** Defined functions (indices start after the imports). */
  funcs: Func[];
  /** The memory (exported as `memory`), or none. */
  memory?: { initial: number; maximum?: number };
  /** Active data segments. */
  data?: { offset: number; bytes: Uint8Array }[];
  /** Custom sections. */
  custom?: { name: string; bytes: Uint8Array }[];
}

/** Emits the module bytes. */
export function buildModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const imports = spec.imports ?? [];
  const sigs: string[] = [];
  const typeIndex = (s: Sig) => {
    const key = JSON.stringify([s.params, s.results]);
    let i = sigs.indexOf(key);
    if (i < 0) i = sigs.push(key) - 1;
    return i;
  };
  const importEntries = imports.map((
    im,
  ) => [...name(im.module), ...name(im.name), 0, ...uleb(typeIndex(im))]);
  const funcTypes = spec.funcs.map((f) => uleb(typeIndex(f)));
  const types = sigs.map((k) => {
    const [p, r] = JSON.parse(k) as [number[], number[]];
    return [0x60, ...uleb(p.length), ...p, ...uleb(r.length), ...r];
  });
  const exports: number[][] = [];
  spec.funcs.forEach((f, i) => {
    if (f.export) exports.push([...name(f.export), 0, ...uleb(imports.length + i)]);
  });
  if (spec.memory) exports.push([...name("memory"), 2, 0]);
  const codes = spec.funcs.map((f) => {
    const body = [0, ...f.body, 0x0b]; // no locals
    return [...uleb(body.length), ...body];
  });
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  out.push(...section(1, vec(types)));
  if (imports.length) out.push(...section(2, vec(importEntries)));
  out.push(...section(3, vec(funcTypes)));
  if (spec.memory) {
    const m = spec.memory;
    const limits = m.maximum === undefined
      ? [0, ...uleb(m.initial)]
      : [1, ...uleb(m.initial), ...uleb(m.maximum)];
    out.push(...section(5, vec([limits])));
  }
  out.push(...section(7, vec(exports)));
  out.push(...section(10, vec(codes)));
  if (spec.data?.length) {
    out.push(
      ...section(
        11,
        vec(
          spec.data.map((
            d,
          ) => [0, 0x41, ...sleb(d.offset), 0x0b, ...uleb(d.bytes.length), ...d.bytes]),
        ),
      ),
    );
  }
  for (const c of spec.custom ?? []) out.push(...section(0, [...name(c.name), ...c.bytes]));
  return new Uint8Array(out);
}

const MANIFEST_AT = 1024;
const RESPONSE_AT = 8192;
const INPUT_AT = 65536;
const IOVEC_AT = 512;
const HELLO_AT = 600;

/** How a fixture plugin's transform behaves. */
export type Behaviour =
  | "respond"
  | "loop"
  | "grow"
  | "trap-if-long"
  | "exit"
  | "hello"
  | "host-log";

/** Options for {@link fixturePlugin}. */
export interface FixtureOptions {
  /** The manifest (JSON value); put in the custom section and returned by describe. */
  manifest: unknown;
  /** Omit the custom section (describe only). */
  noCustomSection?: boolean;
  /** A different manifest for the custom section than describe returns. */
  sectionManifest?: unknown;
  /** What transform returns (raw string). */
  response?: string;
  /** Transform behaviour (default `respond`). */
  behaviour?: Behaviour;
  /** ABI marker export (default `denative_abi_v1`). */
  marker?: string;
  /** Extra imports (e.g. a forbidden one). */
  extraImports?: Import[];
  /** Memory limits (default 2 pages, no maximum). */
  memory?: { initial: number; maximum?: number };
  /** Export an `_initialize` that never returns. */
  initLoop?: boolean;
}

function packed(ptr: number, len: number): number[] {
  return [0x42, ...sleb((BigInt(ptr) << 32n) | BigInt(len))];
}

/** Builds a complete `denative-json/1` test plugin. */
export function fixturePlugin(o: FixtureOptions): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const manifest = enc.encode(JSON.stringify(o.manifest));
  const response = enc.encode(o.response ?? "");
  if (manifest.length > RESPONSE_AT - MANIFEST_AT) throw new Error("manifest too large");
  const ret = packed(RESPONSE_AT, response.length);
  const imports: Import[] = [...(o.extraImports ?? [])];
  let procExit = -1;
  let fdWrite = -1;
  if (o.behaviour === "exit") {
    procExit = imports.push({
      module: "wasi_snapshot_preview1",
      name: "proc_exit",
      params: [I32],
      results: [],
    }) - 1;
  }
  if (o.behaviour === "hello") {
    fdWrite = imports.push({
      module: "wasi_snapshot_preview1",
      name: "fd_write",
      params: [I32, I32, I32, I32],
      results: [I32],
    }) - 1;
  }
  let hostLog = -1;
  if (o.behaviour === "host-log") {
    hostLog = imports.push({
      module: "denative:host/v1",
      name: "log",
      params: [I32, I32, I32],
      results: [],
    }) - 1;
  }
  let transform: number[];
  switch (o.behaviour ?? "respond") {
    case "respond":
      transform = ret;
      break;
    case "loop":
      transform = [0x03, 0x40, 0x0c, 0x00, 0x0b, 0x00];
      break;
    case "grow":
      // loop { if (memory.grow(1) == -1) unreachable; br_if (memory.size < 300) } ; respond
      transform = [
        0x03,
        0x40,
        0x41,
        0x01,
        0x40,
        0x00,
        0x41,
        0x7f,
        0x46,
        0x04,
        0x40,
        0x00,
        0x0b,
        0x3f,
        0x00,
        0x41,
        ...sleb(300),
        0x49,
        0x0d,
        0x00,
        0x0b,
        ...ret,
      ];
      break;
    case "trap-if-long":
      transform = [0x20, 0x01, 0x41, ...sleb(4096), 0x4b, 0x04, 0x40, 0x00, 0x0b, ...ret];
      break;
    case "exit":
      transform = [0x41, 0x03, 0x10, ...uleb(procExit), ...ret];
      break;
    case "host-log":
      // log(level 2, "hello", 5)
      transform = [0x41, 0x02, 0x41, ...sleb(HELLO_AT), 0x41, 0x05, 0x10, ...uleb(hostLog), ...ret];
      break;
    case "hello":
      transform = [
        0x41,
        0x01,
        0x41,
        ...sleb(IOVEC_AT),
        0x41,
        0x01,
        0x41,
        ...sleb(IOVEC_AT + 8),
        0x10,
        ...uleb(fdWrite),
        0x1a,
        ...ret,
      ];
      break;
  }
  // denative_transform's locals: 0 = ptr, 1 = len.
  const iovec = new Uint8Array(8);
  new DataView(iovec.buffer).setUint32(0, HELLO_AT, true);
  new DataView(iovec.buffer).setUint32(4, 6, true);
  return buildModule({
    imports,
    funcs: [
      { params: [], results: [], body: [], export: o.marker ?? "denative_abi_v1" },
      { params: [I32], results: [I32], body: [0x41, ...sleb(INPUT_AT)], export: "denative_alloc" },
      { params: [I32, I32], results: [], body: [], export: "denative_free" },
      {
        params: [],
        results: [I64],
        body: packed(MANIFEST_AT, manifest.length),
        export: "denative_describe",
      },
      { params: [I32, I32], results: [I64], body: transform, export: "denative_transform" },
      ...(o.initLoop
        ? [{
          params: [],
          results: [],
          body: [0x03, 0x40, 0x0c, 0x00, 0x0b],
          export: "_initialize",
        }]
        : []),
    ],
    memory: o.memory ?? { initial: 2 },
    data: [
      { offset: MANIFEST_AT, bytes: manifest },
      { offset: RESPONSE_AT, bytes: response },
      { offset: IOVEC_AT, bytes: iovec },
      { offset: HELLO_AT, bytes: enc.encode("hello\n") },
    ],
    custom: o.noCustomSection ? [] : [{
      name: "denative.manifest",
      bytes: o.sectionManifest === undefined
        ? manifest
        : enc.encode(JSON.stringify(o.sectionManifest)),
    }],
  });
}

/** A valid manifest for fixtures; override fields as needed. */
export function testManifest(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "plugins.denative.dev/v1alpha1",
    kind: "PluginManifest",
    name: "fixture",
    version: "1.0.0",
    type: "ingress-provider",
    className: "fixture.ingress.networking.knative.dev",
    abi: { name: "denative-json", major: 1, minor: 0 },
    provides: [{ apiVersion: "networking.k8s.io/v1", kind: "Ingress" }],
    operations: ["render"],
    limits: { memoryMaxPages: 64, timeoutMs: 2000, maxOutputBytes: 65536 },
    minHostVersion: "0.1.0",
    ...over,
  };
}

/** A response envelope rendering the given objects. */
export function responseWith(objects: unknown[]): string {
  return JSON.stringify({
    apiVersion: "ingress.denative.dev/v1alpha1",
    kind: "TransformResponse",
    objects,
    error: null,
  });
}
