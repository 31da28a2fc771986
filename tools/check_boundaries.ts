/**
 * Enforces DESIGN.md's import table: which top-level folder may import which,
 * cross-folder imports only through the target folder's `mod.ts` (plus
 * `networking/mod.ts` for controllers and plugins, and each folder's `cli.ts`
 * from `main.ts`), and type-only runtime imports from `apiserver/` (except the
 * small runtime utilities named in {@link APISERVER_RUNTIME_VALUES}, which it
 * may import as values through `runtime/mod.ts`). A folder's
 * top-level `cli.ts` is a main.ts subcommand and, like main.ts, may import any
 * folder's `mod.ts`. Prints
 * every violation and exits 1 when there is any.
 *
 *     deno run -A tools/check_boundaries.ts [root]
 * @module
 */
import { dirname, join, normalize, relative } from "node:path";

/** Folders each source folder may import (besides itself). */
export const ALLOWED: Record<string, string[]> = {
  runtime: [],
  apis: ["runtime"],
  controllers: ["runtime", "apis", "networking"],
  networking: ["runtime", "apis"],
  plugins: ["runtime", "apis", "networking"],
  apiserver: ["runtime"], // types only, plus APISERVER_RUNTIME_VALUES
  dataplane: ["runtime", "apis"],
};

/**
 * Runtime values `apiserver/` may import (through `runtime/mod.ts`): small,
 * self-contained utilities it shares with the rest of the system. Everything
 * else it takes from the runtime must be a type.
 */
export const APISERVER_RUNTIME_VALUES: readonly string[] = [
  "generateServingCerts", // runtime/tls.ts: the control plane's serving certificate
  "isIpHost", // runtime/tls.ts
  "deepCopy", // runtime/types.ts: the JSON deep copy on every read and write path
  "startTlsFront", // runtime/tls_front.ts: TLS in front of the plain listener (no Nagle delay)
  "copyConn", // runtime/conn.ts: the simulated pods' byte relays
  "fnv1a", // runtime/hash.ts: pod-template-hash
];

/** Top-level entry files and what they may import. */
const ENTRY: Record<string, { folders: string[]; files: RegExp; cli?: string }> = {
  "main.ts": { folders: Object.keys(ALLOWED), files: /^[a-z_]+\/(mod|cli)\.ts$/ },
  "mod.ts": { folders: Object.keys(ALLOWED), files: /^[a-z_]+\/mod\.ts$/ },
};

/** One violation. */
export interface Violation {
  /** Importing file, relative to the root. */
  file: string;
  /** Line number. */
  line: number;
  /** The specifier. */
  specifier: string;
  /** Why it is not allowed. */
  reason: string;
}

const IMPORT_RE =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:([^"';]*?)\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Whether an import clause names only types and {@link APISERVER_RUNTIME_VALUES}. */
function onlyAllowedRuntimeValues(clause: string | undefined): boolean {
  const m = clause?.trim().match(/^\{([^}]*)\}$/);
  if (!m) return false;
  return m[1].split(",").map((n) => n.trim()).filter((n) => n !== "").every((n) =>
    n.startsWith("type ") || APISERVER_RUNTIME_VALUES.includes(n)
  );
}

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "build") continue;
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (/\.(ts|tsx|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts")) yield p;
  }
}

/** Checks one file's source; `file` is relative to the root. */
export function checkSource(file: string, src: string): Violation[] {
  const out: Violation[] = [];
  const top = file.includes("/") ? file.slice(0, file.indexOf("/")) : file;
  // A folder's `cli.ts` (and `cli_*.ts`, e.g. a Worker entry it starts) is a main.ts
  // subcommand (imported only by main.ts):
  // it composes the system like main.ts does, through other folders' mod.ts.
  const entry = ENTRY[file] ??
    (/^[a-z_]+\/cli(_[a-z_]+)?\.ts$/.test(file)
      ? { folders: Object.keys(ALLOWED), files: /^[a-z_]+\/mod\.ts$/, cli: top }
      : undefined);
  const allowed = entry ? entry.folders : ALLOWED[top];
  if (!allowed) return out;
  for (const m of src.matchAll(IMPORT_RE)) {
    const spec = m[4] ?? m[5];
    const typeOnly = !!m[2];
    const line = src.slice(0, m.index! + (m[0].startsWith("\n") ? 1 : 0)).split("\n").length;
    if (!spec.startsWith(".")) {
      if (/^(https?|jsr):/.test(spec)) {
        out.push({ file, line, specifier: spec, reason: "remote imports are not allowed" });
      }
      continue;
    }
    const target = normalize(join(dirname(file), spec));
    if (target.startsWith("..")) {
      out.push({ file, line, specifier: spec, reason: "imports outside the project" });
      continue;
    }
    const ttop = target.includes("/") ? target.slice(0, target.indexOf("/")) : target;
    if ((!entry || entry.cli) && ttop === top) continue;
    if (!allowed.includes(ttop)) {
      out.push({ file, line, specifier: spec, reason: `${top} may not import ${ttop}/` });
      continue;
    }
    if (entry) {
      if (!entry.files.test(target)) {
        out.push({
          file,
          line,
          specifier: spec,
          reason: `${file} may import only <folder>/mod.ts${
            file === "main.ts" ? " or cli.ts" : ""
          }`,
        });
      }
      continue;
    }
    if (target !== `${ttop}/mod.ts`) {
      out.push({
        file,
        line,
        specifier: spec,
        reason: `cross-folder imports go through ${ttop}/mod.ts`,
      });
      continue;
    }
    if (
      top === "apiserver" && ttop === "runtime" && !typeOnly &&
      !(m[1] === "import" && onlyAllowedRuntimeValues(m[3]))
    ) {
      out.push({
        file,
        line,
        specifier: spec,
        reason: "apiserver may import runtime types only (use import type)",
      });
    }
  }
  return out;
}

/** Checks a tree. */
export function checkTree(root: string): Violation[] {
  const out: Violation[] = [];
  for (const name of ["main.ts", "mod.ts", ...Object.keys(ALLOWED)]) {
    const p = join(root, name);
    let stat: Deno.FileInfo;
    try {
      stat = Deno.statSync(p);
    } catch {
      continue;
    }
    const files = stat.isDirectory ? [...walk(p)] : [p];
    for (const f of files) {
      const rel = relative(root, f);
      if (rel.startsWith("plugins/examples/")) continue;
      out.push(...checkSource(rel, Deno.readTextFileSync(f)));
    }
  }
  return out;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? Deno.cwd();
  const v = checkTree(root);
  for (const x of v) console.error(`${x.file}:${x.line}: ${x.specifier}: ${x.reason}`);
  if (v.length) {
    console.error(`${v.length} import boundary violation(s)`);
    Deno.exit(1);
  }
  console.log("import boundaries ok");
}
