/**
 * Builds the example plugins (used by the `plugins:build*` tasks and by the
 * tests): `deno run -A plugins/build.ts [nginx|traefik]…`. Skips a build whose
 * output is newer than its sources. After building, the manifest that the
 * module's `denative_describe` returns is embedded in its `denative.manifest`
 * custom section, so tools can read it without running the module.
 * @module
 */
import { GuestInstance } from "./instance.ts";
import { MANIFEST_SECTION, parseManifest } from "./manifest.ts";
import { withCustomSection } from "./wasm_binary.ts";

/** Embeds the module's own `describe` manifest in its custom section (our examples are trusted). */
export async function embedManifest(path: URL | string): Promise<void> {
  const bytes = await Deno.readFile(path);
  const guest = GuestInstance.create(new WebAssembly.Module(bytes), {
    maxOutputBytes: 1 << 20,
    memoryMaxPages: 65536,
    log: () => {},
  });
  const manifest = guest.describe();
  parseManifest(JSON.parse(new TextDecoder().decode(manifest)));
  await Deno.writeFile(path, withCustomSection(bytes, MANIFEST_SECTION, manifest));
}

/** An example plugin and how to build it. */
export interface ExampleBuild {
  /** Short name. */
  name: string;
  /** Its folder. */
  dir: URL;
  /** The built module. */
  output: URL;
  /** Source folders whose changes trigger a rebuild. */
  sources: URL[];
  /** Commands to run in `dir`, in order. */
  steps: (dir: URL) => Promise<string[][]>;
  /** Extra environment. */
  env?: Record<string, string>;
}

const root = new URL("./", import.meta.url);

async function exists(u: URL): Promise<boolean> {
  try {
    await Deno.stat(u);
    return true;
  } catch {
    return false;
  }
}

/** The example builds by name. */
export const EXAMPLES: Record<string, ExampleBuild> = {
  nginx: {
    name: "nginx",
    dir: new URL("examples/ingress_nginx/", root),
    output: new URL("examples/ingress_nginx/build/ingress_nginx.wasm", root),
    sources: [
      new URL("examples/ingress_nginx/assembly/", root),
      new URL("examples/ingress_nginx/asconfig.json", root),
      new URL("kits/assemblyscript/assembly/", root),
    ],
    steps: async (dir) => [
      ...(await exists(new URL("node_modules/assemblyscript/package.json", dir))
        ? []
        : [["npm", "ci", "--no-audit", "--no-fund"]]),
      ["npx", "--no-install", "asc", "assembly/index.ts", "--config", "asconfig.json"],
    ],
  },
  traefik: {
    name: "traefik",
    dir: new URL("examples/traefik/", root),
    output: new URL("examples/traefik/build/traefik.wasm", root),
    sources: [new URL("examples/traefik/", root), new URL("kits/go/", root)],
    steps: () =>
      Promise.resolve([["go", "build", "-buildmode=c-shared", "-o", "build/traefik.wasm", "."]]),
    env: { GOOS: "wasip1", GOARCH: "wasm", GOFLAGS: "-mod=mod" },
  },
};

async function newestSource(u: URL): Promise<number> {
  const st = await Deno.stat(u);
  if (!st.isDirectory) return st.mtime?.getTime() ?? 0;
  let newest = 0;
  for await (const e of Deno.readDir(u)) {
    if (e.name === "build" || e.name === "node_modules") continue;
    const child = new URL(e.name + (e.isDirectory ? "/" : ""), u);
    newest = Math.max(newest, await newestSource(child));
  }
  return newest;
}

/** Builds one example unless its output is up to date; returns the output path. */
export async function buildExample(name: string, force = false): Promise<string> {
  const ex = EXAMPLES[name];
  if (!ex) throw new Error(`unknown example ${name}; have ${Object.keys(EXAMPLES).join(", ")}`);
  const out = ex.output;
  if (!force && await exists(out)) {
    const built = (await Deno.stat(out)).mtime?.getTime() ?? 0;
    const src = Math.max(...await Promise.all(ex.sources.map(newestSource)));
    if (built >= src) return out.pathname;
  }
  await Deno.mkdir(new URL("build/", ex.dir), { recursive: true });
  for (const [cmd, ...args] of await ex.steps(ex.dir)) {
    const res = await new Deno.Command(cmd, {
      args,
      cwd: ex.dir,
      env: ex.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!res.success) {
      const err = new TextDecoder().decode(res.stderr) + new TextDecoder().decode(res.stdout);
      throw new Error(`${name}: ${cmd} ${args.join(" ")} failed:\n${err}`);
    }
  }
  await embedManifest(out);
  return out.pathname;
}

if (import.meta.main) {
  const force = Deno.args.includes("--force");
  const names = Deno.args.filter((a) => !a.startsWith("--"));
  for (const n of names.length ? names : Object.keys(EXAMPLES)) {
    console.log(`built ${await buildExample(n, force)}`);
  }
}
