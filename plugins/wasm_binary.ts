/**
 * Minimal reader and rewriter for the WebAssembly binary format: enough to see a
 * module's memory limits (which the JS API does not expose) and to rewrite the
 * memory maximum so the engine itself enforces the plugin's memory cap.
 * @module
 */

/** Limits of a linear memory, in 64 KiB pages. */
export interface MemoryLimits {
  /** Initial pages. */
  initial: number;
  /** Maximum pages, when declared. */
  maximum?: number;
  /** True for a shared memory (threads proposal). */
  shared: boolean;
  /** True for a 64-bit memory (memory64 proposal). */
  memory64: boolean;
}

/** What {@link readMemories} found. */
export interface ModuleMemories {
  /** Memories defined by the module (section 5). */
  defined: MemoryLimits[];
  /** Number of memories the module imports. */
  imported: number;
}

/** Thrown when the bytes are not a well-formed wasm binary. */
export class WasmFormatError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "WasmFormatError";
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offset of the payload. */
  payload: number;
  /** Offset one past the payload. */
  end: number;
}

function readU32(bytes: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos >= bytes.length) throw new WasmFormatError("truncated LEB128");
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
  throw new WasmFormatError("LEB128 too long");
}

/** Encodes an unsigned LEB128 integer. */
export function encodeU32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new WasmFormatError("not a WebAssembly module (bad magic)");
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new WasmFormatError("not a core WebAssembly module version 1 (a component?)");
  }
  const out: Section[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++];
    const [size, payload] = readU32(bytes, pos);
    const end = payload + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} overruns the module`);
    out.push({ id, start, payload, end });
    pos = end;
  }
  return out;
}

function readLimits(bytes: Uint8Array, pos: number): [MemoryLimits, number] {
  const flags = bytes[pos++];
  if (flags > 7) throw new WasmFormatError(`bad memory limits flags ${flags}`);
  let initial: number;
  let maximum: number | undefined;
  [initial, pos] = readU32(bytes, pos);
  if (flags & 1) [maximum, pos] = readU32(bytes, pos);
  return [{ initial, maximum, shared: (flags & 2) !== 0, memory64: (flags & 4) !== 0 }, pos];
}

function skipName(bytes: Uint8Array, pos: number): number {
  const [len, p] = readU32(bytes, pos);
  return p + len;
}

function countImportedMemories(bytes: Uint8Array, s: Section): number {
  let [count, pos] = readU32(bytes, s.payload);
  let memories = 0;
  while (count-- > 0) {
    pos = skipName(bytes, pos);
    pos = skipName(bytes, pos);
    const kind = bytes[pos++];
    switch (kind) {
      case 0: // func: type index
        [, pos] = readU32(bytes, pos);
        break;
      case 1: { // table: reftype + limits
        pos++;
        [, pos] = readLimits(bytes, pos);
        break;
      }
      case 2:
        memories++;
        [, pos] = readLimits(bytes, pos);
        break;
      case 3: // global: valtype + mut
        pos += 2;
        break;
      case 4: // tag: attribute + type index
        pos++;
        [, pos] = readU32(bytes, pos);
        break;
      default:
        throw new WasmFormatError(`unknown import kind ${kind}`);
    }
  }
  return memories;
}

/** Reads the memories a module defines and counts those it imports. */
export function readMemories(bytes: Uint8Array): ModuleMemories {
  const result: ModuleMemories = { defined: [], imported: 0 };
  for (const s of sections(bytes)) {
    if (s.id === 2) result.imported = countImportedMemories(bytes, s);
    if (s.id === 5) {
      let [count, pos] = readU32(bytes, s.payload);
      while (count-- > 0) {
        let limits: MemoryLimits;
        [limits, pos] = readLimits(bytes, pos);
        result.defined.push(limits);
      }
    }
  }
  return result;
}

/**
 * Returns a copy of the module whose defined memories declare `maximum =
 * maxPages` (the engine then refuses `memory.grow` past it). Memories that
 * already declare a smaller maximum keep it.
 */
export function capMemory(bytes: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  const mem = sections(bytes).find((s) => s.id === 5);
  if (!mem) return bytes.slice();
  let [count, pos] = readU32(bytes, mem.payload);
  const payload: number[] = [...encodeU32(count)];
  while (count-- > 0) {
    let limits: MemoryLimits;
    [limits, pos] = readLimits(bytes, pos);
    if (limits.memory64) throw new WasmFormatError("64-bit memories are not supported");
    const max = Math.min(limits.maximum ?? maxPages, maxPages);
    payload.push(1 | (limits.shared ? 2 : 0), ...encodeU32(limits.initial), ...encodeU32(max));
  }
  const head = bytes.subarray(0, mem.start);
  const tail = bytes.subarray(mem.end);
  const section = [5, ...encodeU32(payload.length), ...payload];
  const out = new Uint8Array(head.length + section.length + tail.length);
  out.set(head, 0);
  out.set(section, head.length);
  out.set(tail, head.length + section.length);
  return out;
}

/**
 * Returns a copy of the module with a custom section `name` holding
 * `payload`; an existing section of that name is replaced.
 */
export function withCustomSection(
  bytes: Uint8Array,
  name: string,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of sections(bytes)) {
    if (s.id === 0) {
      const [len, p] = readU32(bytes, s.payload);
      if (new TextDecoder().decode(bytes.subarray(p, p + len)) === name) continue;
    }
    parts.push(bytes.subarray(s.start, s.end));
  }
  const nameBytes = new TextEncoder().encode(name);
  const body = [...encodeU32(nameBytes.length), ...nameBytes];
  const size = body.length + payload.length;
  parts.push(new Uint8Array([0, ...encodeU32(size), ...body]), payload);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
