/**
 * `deno compile` readiness. The compile itself cannot run here (its runtime
 * download is blocked), so this checks what makes a compile succeed and the
 * binary work: `main.ts`'s module graph is only local (`file:`), `npm:` and
 * `node:` modules (nothing fetched from `https:`/`jsr:` at run time); every
 * dynamic `import()` has a string-literal specifier that resolves (so the
 * compiler sees and embeds it); every Worker is created as
 * `new Worker(new URL("./x.ts", import.meta.url), …)` of a file that exists,
 * type-checks and, when its creator is reachable from `main.ts`, is passed to
 * `deno compile --include`.
 * @module
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const fromFileUrl = (u: string | URL): string => fileURLToPath(u);
const toFileUrl = (p: string): URL => pathToFileURL(p);

const ROOT = fromFileUrl(new URL("..", import.meta.url)).replace(/\/$/, "");

/** Folders not shipped in the binary (tests, benches, plugin examples and authoring kits). */
export const EXCLUDED_DIRS = ["tests/", "bench/", "plugins/examples/", "plugins/kits/"];

/** One module of `deno info --json`. */
export interface InfoModule {
  /** Module specifier (`file:///…`, `npm:/…`, `node:…`, `https://…`). */
  specifier: string;
  /** Set when the module failed to load or resolve. */
  error?: string;
}

/** Problems in a module graph: remote or unresolved modules. */
export function checkGraph(modules: InfoModule[]): string[] {
  const problems: string[] = [];
  for (const m of modules) {
    if (m.error) problems.push(`${m.specifier}: ${m.error}`);
    else if (!/^(file|npm|node):/.test(m.specifier)) {
      problems.push(`${m.specifier}: not local, npm: or node: (would be fetched at run time)`);
    }
  }
  return problems;
}

/** A token of the lightweight scanner. */
type Token =
  | { t: "id"; v: string; at: number }
  | { t: "p"; v: string; at: number }
  | { t: "str"; v: string; at: number }
  | { t: "tmpl"; v: string; subst: boolean; at: number }
  | { t: "re"; at: number }
  | { t: "num"; at: number };

const REGEX_AFTER_KEYWORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/**
 * Splits TypeScript/JavaScript source into tokens, skipping comments and
 * keeping string and template-literal contents (with a flag for templates
 * that have `${}` substitutions, whose inner code is tokenized too).
 */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const braces: ("b" | "t")[] = [];
  let i = 0;
  const n = src.length;
  const prevAllowsRegex = () => {
    const p = out.at(-1);
    if (!p) return true;
    if (p.t === "p") return p.v !== ")" && p.v !== "]";
    if (p.t === "id") return REGEX_AFTER_KEYWORD.has(p.v);
    return false;
  };
  /** Scans a template body from `i` (after "`" or "}"); returns true at "${". */
  const scanTemplate = (tok: Extract<Token, { t: "tmpl" }>): boolean => {
    while (i < n) {
      const c = src[i];
      if (c === "\\") {
        tok.v += src.slice(i, i + 2);
        i += 2;
      } else if (c === "`") {
        i++;
        return false;
      } else if (c === "$" && src[i + 1] === "{") {
        i += 2;
        tok.subst = true;
        return true;
      } else {
        tok.v += c;
        i++;
      }
    }
    return false;
  };
  const templates: Extract<Token, { t: "tmpl" }>[] = [];
  while (i < n) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      const at = i++;
      let v = "";
      while (i < n && src[i] !== c && src[i] !== "\n") {
        if (src[i] === "\\") {
          v += src[i + 1] ?? "";
          i += 2;
        } else v += src[i++];
      }
      i++;
      out.push({ t: "str", v, at });
    } else if (c === "`") {
      const tok: Extract<Token, { t: "tmpl" }> = { t: "tmpl", v: "", subst: false, at: i };
      i++;
      out.push(tok);
      if (scanTemplate(tok)) {
        braces.push("t");
        templates.push(tok);
      }
    } else if (c === "{") {
      braces.push("b");
      out.push({ t: "p", v: c, at: i++ });
    } else if (c === "}") {
      const kind = braces.pop();
      i++;
      if (kind === "t") {
        const tok = templates.pop()!;
        if (scanTemplate(tok)) {
          braces.push("t");
          templates.push(tok);
        }
      } else out.push({ t: "p", v: c, at: i - 1 });
    } else if (c === "/" && prevAllowsRegex()) {
      const at = i++;
      let cls = false;
      while (i < n && src[i] !== "\n") {
        const d = src[i];
        if (d === "\\") i += 2;
        else {
          i++;
          if (d === "[") cls = true;
          else if (d === "]") cls = false;
          else if (d === "/" && !cls) break;
        }
      }
      while (i < n && /[a-z]/i.test(src[i])) i++;
      out.push({ t: "re", at });
    } else if (/[A-Za-z_$#]/.test(c)) {
      const at = i;
      while (i < n && /[\w$#]/.test(src[i])) i++;
      out.push({ t: "id", v: src.slice(at, i), at });
    } else if (/[0-9]/.test(c)) {
      const at = i;
      while (i < n && /[\w.]/.test(src[i])) i++;
      out.push({ t: "num", at });
    } else if (/\s/.test(c)) {
      i++;
    } else {
      out.push({ t: "p", v: c, at: i++ });
    }
  }
  return out;
}

/** What {@link scanSource} found in one file. */
export interface SourceScan {
  /** Literal dynamic import specifiers. */
  dynamicImports: string[];
  /** Worker module specifiers (the `new URL(…)` argument). */
  workers: string[];
  /** Rule violations, with line numbers. */
  problems: string[];
}

/**
 * Finds dynamic imports and Worker constructions in one source text and
 * reports those the compiler cannot see: non-literal `import()` arguments and
 * Workers not created as `new Worker(new URL("<literal>", import.meta.url), …)`.
 */
export function scanSource(src: string, name = "<source>"): SourceScan {
  const toks = tokenize(src);
  const line = (at: number) => src.slice(0, at).split("\n").length;
  const res: SourceScan = { dynamicImports: [], workers: [], problems: [] };
  const is = (k: number, t: Token["t"], v?: string) => {
    const x = toks[k];
    return x !== undefined && x.t === t && (v === undefined || ("v" in x && x.v === v));
  };
  const literal = (k: number): string | undefined => {
    const x = toks[k];
    if (x?.t === "str") return x.v;
    if (x?.t === "tmpl" && !x.subst) return x.v;
    return undefined;
  };
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k];
    if (tok.t !== "id") continue;
    if (tok.v === "import" && is(k + 1, "p", "(") && !is(k - 1, "p", ".")) {
      const spec = literal(k + 2);
      if (spec !== undefined && (is(k + 3, "p", ")") || is(k + 3, "p", ","))) {
        res.dynamicImports.push(spec);
      } else {
        res.problems.push(
          `${name}:${line(tok.at)}: dynamic import() with a non-literal specifier`,
        );
      }
    }
    if (tok.v === "Worker" && is(k - 1, "id", "new") && is(k + 1, "p", "(")) {
      const ok = is(k + 2, "id", "new") && is(k + 3, "id", "URL") && is(k + 4, "p", "(") &&
        literal(k + 5) !== undefined && is(k + 6, "p", ",") && is(k + 7, "id", "import") &&
        is(k + 8, "p", ".") && is(k + 9, "id", "meta") && is(k + 10, "p", ".") &&
        is(k + 11, "id", "url") && is(k + 12, "p", ")");
      if (ok) res.workers.push(literal(k + 5)!);
      else {
        res.problems.push(
          `${name}:${line(tok.at)}: Worker not created as ` +
            `new Worker(new URL("./x.ts", import.meta.url), …)`,
        );
      }
    }
  }
  return res;
}

/** Context for resolving specifiers found by {@link scanSource}. */
export interface ResolveContext {
  /** `imports` of deno.json. */
  importMap: Record<string, string>;
  /** Specifiers (file URLs) of `main.ts`'s module graph. */
  graph: ReadonlySet<string>;
  /** True when a file exists. */
  exists(path: string): boolean;
  /** Paths given to `deno compile --include`. */
  compileIncludes: string[];
}

/**
 * Checks that one file's dynamic imports resolve (relative files exist and,
 * when the importer is in the `main.ts` graph, are in it; bare specifiers are
 * in the import map; `npm:`/`node:` are fine; remote ones never are) and that
 * its Worker files exist and are embedded by `deno compile --include`
 * whenever the creator ships in the binary. `file` is repo-relative.
 */
export function checkFile(file: string, src: string, ctx: ResolveContext): string[] {
  const scan = scanSource(src, file);
  const problems = [...scan.problems];
  const url = toFileUrl(join(ROOT, file)).href;
  const shipped = ctx.graph.has(url);
  for (const spec of scan.dynamicImports) {
    if (/^(npm|node):/.test(spec)) continue;
    if (/^(https?|jsr|data):/.test(spec)) {
      problems.push(`${file}: import("${spec}") is remote`);
      continue;
    }
    if (spec.startsWith("./") || spec.startsWith("../")) {
      const target = new URL(spec, url).href;
      if (!ctx.exists(fromFileUrl(target))) {
        problems.push(`${file}: import("${spec}") does not resolve to a file`);
      } else if (shipped && !ctx.graph.has(target)) {
        problems.push(`${file}: import("${spec}") is not in main.ts's module graph`);
      }
      continue;
    }
    const mapped = spec in ctx.importMap ||
      Object.keys(ctx.importMap).some((k) => k.endsWith("/") && spec.startsWith(k));
    if (!mapped) problems.push(`${file}: import("${spec}") is not in the import map`);
  }
  for (const spec of scan.workers) {
    const target = fromFileUrl(new URL(spec, url));
    const rel = relative(ROOT, target);
    if (!ctx.exists(target)) problems.push(`${file}: Worker file ${spec} does not exist`);
    else if (shipped && !ctx.compileIncludes.includes(rel)) {
      problems.push(`${file}: Worker file ${rel} is not passed to deno compile --include`);
    }
  }
  return problems;
}

/** The source files the binary may contain: `.ts`/`.tsx`/`.js`/`.mjs` outside the excluded dirs. */
export function sourceFiles(root = ROOT): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const p = join(dir, e.name);
      const rel = relative(root, p);
      if (e.isDirectory) {
        if (e.name.startsWith(".") || e.name === "node_modules") continue;
        if (EXCLUDED_DIRS.some((d) => `${rel}/`.startsWith(d))) continue;
        walk(p);
      } else if (e.isFile && /\.(ts|tsx|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts")) {
        files.push(rel);
      }
    }
  };
  walk(root);
  return files.sort();
}

/** `--include` paths of the `compile` task in deno.json. */
export function compileIncludes(task: string): string[] {
  return [...task.matchAll(/--include[= ](\S+)/g)].map((m) => m[1].replace(/^\.\//, ""));
}

/**
 * Violations found when this test was written, in files this test's owner
 * does not own; each is reported to its owner. They are tolerated (and any
 * other violation fails); once fixed, a warning asks to delete the entry.
 */
export const KNOWN_ISSUES: Record<string, string> = {};

/** Problems not in {@link KNOWN_ISSUES}; warns about entries that no longer occur. */
export function unexpected(
  problems: string[],
  known: string[] = Object.keys(KNOWN_ISSUES),
): string[] {
  for (const k of known) {
    if (!problems.includes(k)) console.warn(`compile_test: known issue fixed; remove it: ${k}`);
  }
  return problems.filter((p) => !(p in KNOWN_ISSUES));
}

async function denoInfo(file: string): Promise<InfoModule[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", file],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return (JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] }).modules;
}

const exists = (p: string) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
};

Deno.test("compile readiness", async (t) => {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))) as {
    imports: Record<string, string>;
    tasks: Record<string, string>;
  };
  const modules = await denoInfo("main.ts");
  const graph = new Set(modules.map((m) => m.specifier));
  const ctx: ResolveContext = {
    importMap: config.imports,
    graph,
    exists,
    compileIncludes: compileIncludes(config.tasks.compile ?? ""),
  };

  await t.step("main.ts's module graph is local, npm: or node: only", () => {
    assert.ok(graph.has(toFileUrl(join(ROOT, "main.ts")).href));
    assert.ok(modules.length > 10, "the graph was built");
    assert.deepEqual(checkGraph(modules), []);
  });

  const workers: string[] = [];
  await t.step("dynamic imports are literal and resolvable; Workers use new URL", () => {
    const problems: string[] = [];
    for (const f of sourceFiles()) {
      const src = Deno.readTextFileSync(join(ROOT, f));
      problems.push(...checkFile(f, src, ctx));
      for (const w of scanSource(src, f).workers) {
        workers.push(relative(ROOT, fromFileUrl(new URL(w, toFileUrl(join(ROOT, f))))));
      }
    }
    const known = Object.keys(KNOWN_ISSUES).filter((k) => !k.endsWith("does not type-check"));
    assert.deepEqual(unexpected(problems, known), []);
  });

  await t.step("every Worker file type-checks and has a local/npm graph", async () => {
    assert.ok(workers.length > 0, "the plugin sandbox Worker was found");
    const problems: string[] = [];
    const details: string[] = [];
    for (const w of new Set(workers)) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--quiet", w],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) {
        problems.push(`${w}: does not type-check`);
        details.push(new TextDecoder().decode(out.stderr));
      }
      problems.push(...checkGraph(await denoInfo(w)));
    }
    const known = Object.keys(KNOWN_ISSUES).filter((k) => k.endsWith("does not type-check"));
    assert.deepEqual(unexpected(problems, known), [], details.join("\n"));
  });

  await t.step("the checker catches planted violations", () => {
    const sample = [
      'const a = await import("./ok.ts");',
      "const name = './x.ts';",
      "const b = await import(name); // non-literal",
      "const c = await import(`./${name}`);",
      "const d = await import('https://deno.land/x/mod.ts');",
      "const e = await import('./missing.ts');",
      "const f = await import('jsr:@std/yaml');",
      "const g = await import('left-pad');",
      'const w1 = new Worker(new URL("./w.ts", import.meta.url), { type: "module" });',
      'const w2 = new Worker("./w.ts", { type: "module" });',
      "const w3 = new Worker(new URL(path, import.meta.url));",
      'const w4 = new Worker(new URL("./gone.ts", import.meta.url));',
      "// import(notReally) in a comment",
      "/* new Worker(bad) */ const s = 'import(fake)'; const r = /import\\(x/;",
      "const n = await import('node:process'); const m = await import('npm:yaml@2');",
      'const h = await import("hono");',
    ].join("\n");
    const planted: ResolveContext = {
      importMap: { hono: "npm:hono@4" },
      graph: new Set([toFileUrl(join(ROOT, "pkg/a.ts")).href]),
      exists: (p) => ["pkg/ok.ts", "pkg/w.ts", "pkg/x.ts"].some((f) => p === join(ROOT, f)),
      compileIncludes: [],
    };
    const problems = checkFile("pkg/a.ts", sample, planted);
    assert.deepEqual(problems, [
      "pkg/a.ts:3: dynamic import() with a non-literal specifier",
      "pkg/a.ts:4: dynamic import() with a non-literal specifier",
      'pkg/a.ts:10: Worker not created as new Worker(new URL("./x.ts", import.meta.url), …)',
      'pkg/a.ts:11: Worker not created as new Worker(new URL("./x.ts", import.meta.url), …)',
      'pkg/a.ts: import("./ok.ts") is not in main.ts\'s module graph',
      'pkg/a.ts: import("https://deno.land/x/mod.ts") is remote',
      'pkg/a.ts: import("./missing.ts") does not resolve to a file',
      'pkg/a.ts: import("jsr:@std/yaml") is remote',
      'pkg/a.ts: import("left-pad") is not in the import map',
      "pkg/a.ts: Worker file pkg/w.ts is not passed to deno compile --include",
      "pkg/a.ts: Worker file ./gone.ts does not exist",
    ]);
    planted.compileIncludes = compileIncludes("deno compile -A --include pkg/w.ts main.ts");
    planted.graph = new Set([...planted.graph, toFileUrl(join(ROOT, "pkg/ok.ts")).href]);
    const fixed = checkFile("pkg/a.ts", sample, planted);
    assert.ok(!fixed.some((p) => p.includes("pkg/w.ts") || p.includes('"./ok.ts"')));
    assert.deepEqual(
      checkGraph([
        { specifier: "file:///x/main.ts" },
        { specifier: "npm:/hono@4.13.19" },
        { specifier: "node:path" },
        { specifier: "https://deno.land/std/yaml/mod.ts" },
        { specifier: "jsr:@std/yaml" },
        { specifier: "file:///x/broken.ts", error: "Module not found" },
      ]),
      [
        "https://deno.land/std/yaml/mod.ts: not local, npm: or node: (would be fetched at run time)",
        "jsr:@std/yaml: not local, npm: or node: (would be fetched at run time)",
        "file:///x/broken.ts: Module not found",
      ],
    );
  });
});
