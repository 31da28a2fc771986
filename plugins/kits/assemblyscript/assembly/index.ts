// The denative AssemblyScript kit (ABI denative-json/1). A plugin's entry file
// calls `register(manifestJson, render)` at top level and re-exports the ABI:
//
//   export { denative_abi_v1, denative_alloc, denative_free, denative_describe,
//     denative_transform } from "<kit>/assembly/index";
//
// Build with `asc entry.ts --runtime <kit>/assembly/arena --use abort=<kit>/assembly/index/trapAbort`
// so that the module imports nothing. The arena runtime frees everything a
// call allocated when the next call begins: keep no heap object created during
// a call in a global for later calls. (`--runtime minimal` also works; the kit
// then runs a full garbage collection after every call, which is slower.)
import { JSONValue, parseBytes, parseError, Writer } from "./json";
export { JSONValue, parse, parseBytes, parseError, quote, Writer } from "./json";

/** The envelope version. */
export const ENVELOPE_API_VERSION = "ingress.denative.dev/v1alpha1";

/** What a render receives. */
export class Request {
  constructor(
    public operation: string,
    public ingress: JSONValue,
    public config: JSONValue,
    public network: JSONValue,
  ) {}
}

/** What a render returns: objects and warnings, or an error. */
export class Response {
  objects: JSONValue = JSONValue.arr();
  warnings: Array<string> = [];
  errorCode: string = "";
  errorMessage: string = "";

  add(obj: JSONValue): Response {
    this.objects.push(obj);
    return this;
  }
  warn(msg: string): Response {
    this.warnings.push(msg);
    return this;
  }
  static error(code: string, message: string): Response {
    const r = new Response();
    r.errorCode = code;
    r.errorMessage = message;
    return r;
  }
}

/** A render function (must not capture variables). */
export type RenderFn = (req: Request) => Response;

let manifestJson: string = "";
let renderFn: RenderFn | null = null;

/** Installs the plugin: its manifest (JSON text) and its render function. */
export function register(manifest: string, fn: RenderFn): void {
  manifestJson = manifest;
  renderFn = fn;
}

function output(s: string): u64 {
  const buf = String.UTF8.encode(s);
  const len = <usize> buf.byteLength;
  const p = heap.alloc(len > 0 ? len : 1);
  memory.copy(p, changetype<usize>(buf), len);
  return (<u64> p << 32) | <u64> len;
}

function emit(v: JSONValue): u64 {
  const w = new Writer(8192);
  w.value(v);
  return (<u64> w.ptr << 32) | <u64> w.len;
}

function errorEnvelope(code: string, message: string): u64 {
  const e = JSONValue.obj().setStr("code", code).setStr("message", message);
  return emit(
    JSONValue.obj()
      .setStr("apiVersion", ENVELOPE_API_VERSION)
      .setStr("kind", "TransformResponse")
      .set("error", e),
  );
}

/** Aborts by trapping, so the module never imports `env.abort`. */
export function trapAbort(_msg: string | null, _file: string | null, _line: u32, _col: u32): void {
  unreachable();
}

export function denative_abi_v1(): void {}

// ABI buffers handed to the host and not yet freed (input and output).
let live: i32 = 0;

// Starts an ABI call. With the arena runtime, when the host holds no buffer
// every allocation of the previous call is garbage: rewind the arena.
function begin(): void {
  if (live != 0) return;
  if (isDefined(__arena_rewind)) __arena_rewind();
}

export function denative_alloc(len: u32): usize {
  begin();
  live++;
  const n = <usize> len;
  return heap.alloc(n > 0 ? n : 1);
}

export function denative_free(ptr: usize, _len: u32): void {
  if (live > 0) live--;
  heap.free(ptr);
}

export function denative_describe(): u64 {
  begin();
  live++;
  return output(manifestJson);
}

export function denative_transform(ptr: usize, len: u32): u64 {
  const out = transform(ptr, len);
  live++;
  // With --runtime minimal nothing is collected on its own: collect all
  // garbage of this call now (the output lives on the raw heap). The arena
  // runtime rewinds instead, when the next call begins.
  if (!isDefined(__arena_rewind)) __collect();
  return out;
}

function transform(ptr: usize, len: u32): u64 {
  const req = parseBytes(ptr, <usize> len);
  if (req == null) return errorEnvelope("BadRequest", parseError);
  const op = req.get("operation").asString();
  if (op != "render") return errorEnvelope("Unsupported", "operation " + op);
  const fn = renderFn;
  if (fn == null) return errorEnvelope("NotRegistered", "the plugin did not call register()");
  const res = fn(new Request(op, req.get("ingress"), req.get("config"), req.get("network")));
  if (res.errorCode.length > 0) return errorEnvelope(res.errorCode, res.errorMessage);
  const warnings = JSONValue.arr();
  for (let i = 0; i < res.warnings.length; i++) warnings.push(JSONValue.str(res.warnings[i]));
  return emit(
    JSONValue.obj()
      .setStr("apiVersion", ENVELOPE_API_VERSION)
      .setStr("kind", "TransformResponse")
      .set("objects", res.objects)
      .set("warnings", warnings)
      .set("error", JSONValue.nul()),
  );
}
