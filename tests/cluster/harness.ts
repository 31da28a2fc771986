/**
 * Helpers for the real-control-plane tier: where the cluster started by `deno task cluster:up`
 * is, kubectl against it, polling, and the denative controller as a subprocess.
 *
 * Everything targets 127.0.0.1 only.
 * @module
 */
import { parse as parseYaml, parseAllDocuments } from "yaml";

/** Repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** State directory written by up.sh. */
export const CLUSTER_DIR = Deno.env.get("DENATIVE_CLUSTER_DIR") ?? `${ROOT}/.denative/cluster`;

/** What up.sh recorded in `$CLUSTER_DIR/env`, overridden by the process environment. */
export function clusterEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const line of Deno.readTextFileSync(`${CLUSTER_DIR}/env`).split("\n")) {
      const m = line.match(/^([A-Z_][A-Z0-9_]*)=(.*)$/);
      if (m) out[m[1]] = m[2];
    }
  } catch {
    // no env file: rely on the process environment
  }
  for (const k of ["DENATIVE_TEST_KUBECONFIG", "KUBECTL", "DENATIVE_CLUSTER_BIN"]) {
    const v = Deno.env.get(k);
    if (v) out[k] = v;
  }
  return out;
}

const ENV = clusterEnv();

/** The kubeconfig of the running cluster (admin, client certificate). */
export const KUBECONFIG = ENV.DENATIVE_TEST_KUBECONFIG ?? `${CLUSTER_DIR}/kubeconfig`;

/** kubectl built at the server's version (falls back to the one on PATH). */
export const KUBECTL = ENV.KUBECTL ?? "kubectl";

/** Result of a command. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit. */
export async function run(
  cmd: string,
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<Run> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** kubectl against the cluster. */
export function kubectl(args: string[], stdin?: string): Promise<Run> {
  return run(KUBECTL, ["--kubeconfig", KUBECONFIG, ...args], { stdin });
}

/** kubectl that must succeed; returns stdout. */
export async function kubectlOk(args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(args, stdin);
  if (r.code !== 0) {
    throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** A Kubernetes object as JSON. */
// deno-lint-ignore no-explicit-any
export type Obj = Record<string, any>;

/** `kubectl get … -o json`, or undefined when NotFound. */
export async function getObj(
  resource: string,
  name: string,
  namespace?: string,
): Promise<Obj | undefined> {
  const ns = namespace ? ["-n", namespace] : [];
  const r = await kubectl(["get", resource, name, ...ns, "-o", "json"]);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl get ${resource} ${name} failed:\n${r.stderr}`);
  }
  return JSON.parse(r.stdout);
}

/** `kubectl get … -o json` of a list. */
export async function listObjs(resource: string, args: string[] = []): Promise<Obj[]> {
  return JSON.parse(await kubectlOk(["get", resource, ...args, "-o", "json"])).items ?? [];
}

/** The condition of the given type, if any. */
export function condition(obj: Obj | undefined, type: string): Obj | undefined {
  return (obj?.status?.conditions ?? []).find((c: Obj) => c.type === type);
}

/** An error that stops a `waitFor` at once instead of being retried. */
export class FatalError extends Error {}

/**
 * Polls `fn` until it returns a value other than undefined/false, or throws on timeout. Errors
 * thrown by `fn` are retried, except a FatalError.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  describe?: () => Promise<string>,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
      lastErr = undefined;
    } catch (e) {
      if (e instanceof FatalError) throw e;
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const extra = describe ? `\n${await describe().catch((e) => String(e))}` : "";
  throw new Error(
    `timed out after ${timeoutMs / 1000}s waiting for ${what}` +
      (lastErr ? ` (last error: ${lastErr})` : "") + extra,
  );
}

/** Parses a multi-document YAML stream into objects (skipping empty documents and Lists). */
export function parseObjects(text: string): Obj[] {
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(text)) {
    const v = doc.toJSON();
    if (!v || typeof v !== "object") continue;
    if (v.kind === "List" || (typeof v.kind === "string" && v.kind.endsWith("List"))) {
      out.push(...(v.items ?? []));
    } else out.push(v);
  }
  return out;
}

/** Parses one YAML document. */
export function parseOne(text: string): Obj {
  return parseYaml(text) as Obj;
}

/** Picks a free loopback TCP port. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A running `main.ts controller`. */
export interface ControllerProcess {
  child: Deno.ChildProcess;
  logPath: string;
  webhookPort: number;
  /** Resolves with the exit status once the process ends. */
  exited: Promise<Deno.CommandStatus>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * The flags `main.ts controller` gets in this tier: the kubeconfig, and where to serve the
 * admission and conversion webhooks. The API server reaches them by URL on loopback (the e2e
 * rewrites the webhook configurations from the manifests to `https://127.0.0.1:<port>/<path>`), so
 * the controller must listen on 127.0.0.1:<port> with a serving certificate valid for 127.0.0.1
 * (`startWebhook({ hostname, port, hosts: [hostname] })`) and inject its CA bundle; its health
 * server takes any free port. Override with
 * DENATIVE_CLUSTER_CONTROLLER_ARGS (whitespace-separated; {kubeconfig} and {webhookPort} are
 * substituted).
 */
export function controllerArgs(kubeconfig: string, webhookPort: number): string[] {
  const custom = Deno.env.get("DENATIVE_CLUSTER_CONTROLLER_ARGS");
  const args = custom ? custom.trim().split(/\s+/) : [
    "--kubeconfig",
    "{kubeconfig}",
    "--webhook-host",
    "127.0.0.1",
    "--webhook-port",
    "{webhookPort}",
    "--health-port",
    "0",
  ];
  return args.map((a) =>
    a.replaceAll("{kubeconfig}", kubeconfig).replaceAll("{webhookPort}", String(webhookPort))
  );
}

/**
 * Starts `main.ts controller` against the cluster. Its network permission is loopback only, so
 * whatever it would dial elsewhere (pod IPs, image registries) is refused by Deno, not sent.
 */
export async function startController(webhookPort: number): Promise<ControllerProcess> {
  const logPath = `${CLUSTER_DIR}/logs/controller.log`;
  await Deno.mkdir(`${CLUSTER_DIR}/logs`, { recursive: true });
  await Deno.writeTextFile(logPath, "");
  const out = await Deno.open(logPath, { append: true });
  const err = await Deno.open(logPath, { append: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--allow-net=127.0.0.1,localhost,0.0.0.0,[::1]",
      `${ROOT}/main.ts`,
      "controller",
      ...controllerArgs(KUBECONFIG, webhookPort),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // down.sh stops it too if this test process dies first.
  await Deno.writeTextFile(`${CLUSTER_DIR}/pids/controller`, String(child.pid)).catch(() => {});
  // pipeTo closes each file when its stream ends.
  const pipes = Promise.all([
    child.stdout.pipeTo(out.writable),
    child.stderr.pipeTo(err.writable),
  ]).catch(() => {});
  const exited = child.status.then(async (s) => {
    await pipes;
    return s;
  });
  let done = false;
  exited.then(() => (done = true));
  return {
    child,
    logPath,
    webhookPort,
    exited,
    log: () => {
      try {
        return Deno.readTextFileSync(logPath);
      } catch {
        return "";
      }
    },
    stop: async () => {
      if (!done) {
        try {
          child.kill("SIGTERM");
        } catch {
          // gone
        }
        const t = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // gone
          }
        }, 10_000);
        await exited;
        clearTimeout(t);
      }
      await Deno.remove(`${CLUSTER_DIR}/pids/controller`).catch(() => {});
    },
  };
}
