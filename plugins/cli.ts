/**
 * CLI command owned by the plugins layer: `plugin inspect|test`.
 *
 * - `plugin inspect FILE.wasm[=sha256] [--config JSON|@FILE]` prints the
 *   manifest and every check; exits 1 if any check fails.
 * - `plugin test FILE.wasm[=sha256] -f INGRESS.yaml [--config JSON|@FILE]
 *   [--in-process] [-o yaml|json]` renders one Ingress and prints the objects.
 * @module
 */
import { parseAllDocuments, stringify } from "yaml";
import type { KubeObject } from "../runtime/mod.ts";
import { inspectPlugin, loadPlugin } from "./host.ts";
import { parsePluginFlag, readSidecar } from "./loader.ts";

/** Where the command writes (tests capture it). */
export interface CliIO {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

const consoleIO: CliIO = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
};

const USAGE = `usage:
  plugin inspect FILE.wasm[=sha256] [--config JSON|@FILE]
  plugin test FILE.wasm[=sha256] -f INGRESS.yaml [--config JSON|@FILE] [--in-process] [-o yaml|json]`;

interface Flags {
  positional: string[];
  file?: string;
  config?: string;
  output: string;
  inProcess: boolean;
}

function parseFlags(args: string[]): Flags {
  const f: Flags = { positional: [], output: "yaml", inProcess: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "-f" || a === "--filename") f.file = value();
    else if (a === "--config") f.config = value();
    else if (a === "-o" || a === "--output") f.output = value();
    else if (a === "--in-process") f.inProcess = true;
    else if (a.startsWith("-")) throw new Error(`unknown flag ${a}`);
    else f.positional.push(a);
  }
  if (f.output !== "yaml" && f.output !== "json") throw new Error("-o must be yaml or json");
  return f;
}

async function readConfig(spec: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (spec === undefined) return undefined;
  const text = spec.startsWith("@") ? await Deno.readTextFile(spec.slice(1)) : spec;
  const v = parseAllDocuments(text)[0]?.toJS();
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Error("--config must be a JSON or YAML map");
  }
  return v as Record<string, unknown>;
}

async function readIngress(file: string): Promise<KubeObject> {
  const text = file === "-"
    ? await new Response(Deno.stdin.readable).text()
    : await Deno.readTextFile(file);
  for (const doc of parseAllDocuments(text)) {
    const v = doc.toJS() as Record<string, unknown> | null;
    const candidates = v && v.kind === "List" && Array.isArray(v.items) ? v.items : [v];
    for (const c of candidates) {
      if (c && typeof c === "object" && (c as KubeObject).kind === "Ingress") {
        return c as KubeObject;
      }
    }
  }
  throw new Error(`${file}: no Ingress found`);
}

async function inspect(flags: Flags, io: CliIO): Promise<number> {
  const [target] = flags.positional;
  if (!target) throw new Error(USAGE);
  const spec = parsePluginFlag(target);
  const bytes = await Deno.readFile(spec.path);
  const result = await inspectPlugin(bytes, {
    source: spec.path,
    sha256: spec.sha256,
    config: await readConfig(flags.config),
    mode: flags.inProcess ? "in-process" : "worker",
    sidecarManifest: await readSidecar(spec.path),
  });
  io.out(`# ${spec.path}\n# sha256: ${result.sha256}`);
  if (result.manifest) {
    io.out(`# manifest (from ${result.manifestSource}):`);
    io.out(stringify(JSON.parse(JSON.stringify(result.manifest))).trimEnd());
  }
  io.out("# checks:");
  for (const c of result.checks) io.out(`${c.ok ? "PASS" : "FAIL"}  ${c.name}: ${c.message}`);
  io.out(result.ok ? "OK" : "REFUSED");
  return result.ok ? 0 : 1;
}

async function test(flags: Flags, io: CliIO): Promise<number> {
  const [target] = flags.positional;
  if (!target || !flags.file) throw new Error(USAGE);
  const spec = parsePluginFlag(target);
  const ingress = await readIngress(flags.file);
  const plugin = await loadPlugin(await Deno.readFile(spec.path), {
    source: spec.path,
    sha256: spec.sha256,
    config: await readConfig(flags.config),
    mode: flags.inProcess ? "in-process" : "worker",
    sidecarManifest: await readSidecar(spec.path),
    logger: {
      debug() {},
      info: (m) => io.err(`plugin: ${m}`),
      warn: (m) => io.err(`plugin warning: ${m}`),
      error: (m) => io.err(`plugin error: ${m}`),
      with() {
        return this;
      },
    },
  });
  try {
    const objects = await plugin.render(ingress);
    if (flags.output === "json") {
      io.out(JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 2));
    } else {
      io.out(objects.map((o) => stringify(o).trimEnd()).join("\n---\n"));
    }
    return 0;
  } finally {
    plugin.close();
  }
}

/** `denative plugin inspect|test …`; returns the exit code. */
export async function pluginCommand(args: string[], io: CliIO = consoleIO): Promise<number> {
  const [sub, ...rest] = args;
  try {
    const flags = parseFlags(rest);
    if (sub === "inspect") return await inspect(flags, io);
    if (sub === "test") return await test(flags, io);
    io.err(USAGE);
    return 2;
  } catch (e) {
    io.err(`plugin ${sub ?? ""}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
