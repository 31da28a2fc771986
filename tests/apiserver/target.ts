/**
 * The system under test for the API behaviour suite: a real cluster when
 * `DENATIVE_TEST_KUBECONFIG` names a kubeconfig (client certificates, CA and
 * tokens are honoured), else a local control plane started on port 0.
 * @module
 */
import { parse as parseYaml } from "yaml";
import { type ApiServer, type ApiServerOptions, startApiServer } from "../../apiserver/mod.ts";

/** A JSON response. */
export interface JsonResponse {
  /** HTTP status. */
  status: number;
  /** Parsed JSON body (or the raw text when not JSON). */
  // deno-lint-ignore no-explicit-any
  body: any;
  /** Response headers. */
  headers: Headers;
}

/** Request options. */
export interface ReqOptions {
  /** Content type of the body (default application/json). */
  contentType?: string;
  /** Accept header. */
  accept?: string;
  /** Raw body instead of JSON.stringify(body). */
  raw?: string | Uint8Array;
}

/** A test target. */
export interface Target {
  /** Base URL. */
  baseUrl: string;
  /** Headers to send (authentication). */
  headers: Record<string, string>;
  /** True when running against a real cluster. */
  real: boolean;
  /** The local server (absent for a real cluster). */
  server?: ApiServer;
  /** fetch bound to the target's TLS client. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A JSON request; the body is consumed. */
  req(method: string, path: string, body?: unknown, opts?: ReqOptions): Promise<JsonResponse>;
  /** Creates a fresh namespace and returns its name. */
  namespace(prefix?: string): Promise<string>;
  /** Path of a kubeconfig for kubectl. */
  kubeconfig(): Promise<string>;
  /** Deletes created namespaces and stops everything. */
  close(): Promise<void>;
}

// deno-lint-ignore no-explicit-any
type Any = any;

function fromB64(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}

async function fileOrData(entry: Any, key: string, base: string): Promise<string | undefined> {
  if (entry?.[`${key}-data`]) return fromB64(entry[`${key}-data`]);
  if (entry?.[key]) {
    const p = String(entry[key]);
    return await Deno.readTextFile(p.startsWith("/") ? p : `${base}/${p}`);
  }
  return undefined;
}

/** Opens the test target. `opts` apply only to a local control plane. */
export async function openTarget(opts: ApiServerOptions = {}): Promise<Target> {
  const kcPath = Deno.env.get("DENATIVE_TEST_KUBECONFIG");
  let baseUrl: string;
  const headers: Record<string, string> = {};
  let client: Deno.HttpClient | undefined;
  let server: ApiServer | undefined;
  let kubeconfigPath: string | undefined;
  let tmpDir: string | undefined;
  if (kcPath) {
    const text = await Deno.readTextFile(kcPath);
    const kc = parseYaml(text) as Any;
    const base = kcPath.replace(/\/[^/]*$/, "") || ".";
    const ctx = kc.contexts.find((c: Any) => c.name === kc["current-context"]).context;
    const cluster = kc.clusters.find((c: Any) => c.name === ctx.cluster).cluster;
    const user = kc.users.find((u: Any) => u.name === ctx.user)?.user ?? {};
    baseUrl = String(cluster.server).replace(/\/+$/, "");
    const ca = await fileOrData(cluster, "certificate-authority", base);
    const cert = await fileOrData(user, "client-certificate", base);
    const key = await fileOrData(user, "client-key", base);
    if (user.token) headers.authorization = `Bearer ${user.token}`;
    client = Deno.createHttpClient({
      ...(ca ? { caCerts: [ca] } : {}),
      ...(cert && key ? { cert, key } : {}),
    });
    kubeconfigPath = kcPath;
  } else {
    server = await startApiServer({ port: 0, ...opts });
    baseUrl = server.url;
    if (server.token) headers.authorization = `Bearer ${server.token}`;
    if (server.caCert) client = Deno.createHttpClient({ caCerts: [server.caCert] });
  }
  const namespaces: string[] = [];
  const doFetch = (path: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}${path}`, {
      ...init,
      headers: { ...headers, ...(init.headers as Record<string, string> ?? {}) },
      ...(client ? { client } : {}),
    } as RequestInit);
  const req = async (method: string, path: string, body?: unknown, o: ReqOptions = {}) => {
    const h: Record<string, string> = { accept: o.accept ?? "application/json" };
    let payload: BodyInit | undefined;
    if (o.raw !== undefined) payload = o.raw as BodyInit;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) h["content-type"] = o.contentType ?? "application/json";
    const res = await doFetch(path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    baseUrl,
    headers,
    real: !!kcPath,
    server,
    fetch: doFetch,
    req,
    async namespace(prefix = "t") {
      const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
      const r = await req("POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name },
      });
      if (r.status !== 201) throw new Error(`namespace create failed: ${JSON.stringify(r.body)}`);
      namespaces.push(name);
      return name;
    },
    async kubeconfig() {
      if (kubeconfigPath) return kubeconfigPath;
      tmpDir = await Deno.makeTempDir({ prefix: "denative-kc-" });
      kubeconfigPath = `${tmpDir}/kubeconfig`;
      await server!.writeKubeconfig(kubeconfigPath);
      return kubeconfigPath;
    },
    async close() {
      if (kcPath) {
        for (const ns of namespaces) await req("DELETE", `/api/v1/namespaces/${ns}`);
      }
      await server?.close();
      client?.close();
      if (tmpDir) await Deno.remove(tmpDir, { recursive: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met in ${timeoutMs}ms${last ? `: ${last}` : ""}`);
}

/** Reads newline-delimited watch events from a response until `n` arrive or `ms` pass. */
export async function readEvents(res: Response, n: number, ms = 10_000): Promise<Any[]> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  const out: Any[] = [];
  let buf = "";
  const timer = setTimeout(() => reader.cancel().catch(() => {}), ms);
  try {
    while (out.length < n) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) out.push(JSON.parse(line));
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return out;
}
