/**
 * A minimal decoder for Kubernetes protobuf request bodies
 * (`application/vnd.kubernetes.protobuf`), which kubectl's typed `create`
 * subcommands send. Supports Namespace, ConfigMap, Secret and
 * ServiceAccount; other kinds get 415.
 * @module
 */
import { ApiError } from "./errors.ts";

interface Field {
  no: number;
  wire: number;
  num?: number;
  bytes?: Uint8Array;
}

function readVarint(b: Uint8Array, pos: { i: number }): number {
  let out = 0;
  let mul = 1;
  while (true) {
    if (pos.i >= b.length) throw new Error("truncated varint");
    const x = b[pos.i++];
    out += (x & 0x7f) * mul;
    if (!(x & 0x80)) return out;
    mul *= 128;
  }
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < b.length) {
    const tag = readVarint(b, pos);
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, num: readVarint(b, pos) });
    else if (wire === 2) {
      const len = readVarint(b, pos);
      if (pos.i + len > b.length) throw new Error("truncated field");
      out.push({ no, wire, bytes: b.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 1) pos.i += 8;
    else if (wire === 5) pos.i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const dec = new TextDecoder();
const str = (f: Field) => dec.decode(f.bytes);
const b64 = (u: Uint8Array) => btoa(String.fromCharCode(...u));

function map(fs: Field[], no: number, bytesValue = false): Record<string, string> | undefined {
  const entries = fs.filter((f) => f.no === no && f.bytes);
  if (!entries.length) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e.bytes!);
    const k = kv.find((x) => x.no === 1);
    const v = kv.find((x) => x.no === 2);
    out[k ? str(k) : ""] = v ? (bytesValue ? b64(v.bytes!) : str(v)) : "";
  }
  return out;
}

function meta(b: Uint8Array): Record<string, unknown> {
  const fs = fields(b);
  const m: Record<string, unknown> = {};
  const s = (no: number, key: string) => {
    const f = fs.find((x) => x.no === no && x.bytes);
    if (f) m[key] = str(f);
  };
  s(1, "name");
  s(2, "generateName");
  s(3, "namespace");
  s(5, "uid");
  s(6, "resourceVersion");
  const labels = map(fs, 11);
  if (labels) m.labels = labels;
  const ann = map(fs, 12);
  if (ann) m.annotations = ann;
  const fins = fs.filter((x) => x.no === 14 && x.bytes).map(str);
  if (fins.length) m.finalizers = fins;
  return m;
}

/** Decodes a protobuf-encoded object into its JSON form. */
export function decodeProtobuf(body: Uint8Array): Record<string, unknown> {
  const unsupported = (what: string) =>
    new ApiError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf ${what} is not supported)`,
    );
  if (body.length < 4 || dec.decode(body.subarray(0, 4)) !== "k8s\u0000") {
    throw unsupported("without envelope");
  }
  try {
    const env = fields(body.subarray(4));
    const tm = fields(env.find((f) => f.no === 1)?.bytes ?? new Uint8Array());
    const apiVersion = str(
      tm.find((f) => f.no === 1) ?? { no: 1, wire: 2, bytes: new Uint8Array() },
    );
    const kind = str(tm.find((f) => f.no === 2) ?? { no: 2, wire: 2, bytes: new Uint8Array() });
    const raw = fields(env.find((f) => f.no === 2)?.bytes ?? new Uint8Array());
    const metaF = raw.find((f) => f.no === 1 && f.bytes);
    const obj: Record<string, unknown> = {
      apiVersion,
      kind,
      metadata: metaF ? meta(metaF.bytes!) : {},
    };
    const bool = (no: number) => raw.find((f) => f.no === no && f.wire === 0)?.num;
    switch (`${apiVersion}/${kind}`) {
      case "v1/ConfigMap": {
        const d = map(raw, 2);
        if (d) obj.data = d;
        const bd = map(raw, 3, true);
        if (bd) obj.binaryData = bd;
        if (bool(4) !== undefined) obj.immutable = bool(4) === 1;
        break;
      }
      case "v1/Secret": {
        const d = map(raw, 2, true);
        if (d) obj.data = d;
        const t = raw.find((f) => f.no === 3 && f.bytes);
        if (t) obj.type = str(t);
        const sd = map(raw, 4);
        if (sd) obj.stringData = sd;
        if (bool(5) !== undefined) obj.immutable = bool(5) === 1;
        break;
      }
      case "v1/Namespace":
      case "v1/ServiceAccount":
        break;
      default:
        throw unsupported(`${apiVersion}/${kind}`);
    }
    return obj;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(
      400,
      "BadRequest",
      `malformed protobuf body: ${e instanceof Error ? e.message : e}`,
    );
  }
}
