/**
 * The real {@link KubeClient} over HTTP. `@kubernetes/client-node`'s
 * `KubeConfig` loads the configuration (file, `KUBECONFIG`, context,
 * in-cluster) and supplies auth headers and TLS material per request; requests
 * go through Deno's `fetch` with a `Deno.createHttpClient` carrying the
 * cluster CA and client certificate. Resources are resolved by discovery
 * (cached); failures become typed errors carrying the server's Status.
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type {
  DeleteOptions,
  KubeClient,
  ListOptions,
  PatchOptions,
  PatchType,
  ResourceRef,
  WatchOptions,
  WatchStream,
  WriteOptions,
} from "./client_api.ts";
import { errorFromStatus, failureStatus, isNotFound, KubeError, timeout } from "./errors.ts";
import type { Logger } from "./plugin.ts";
import type { KubeList, KubeObject, StatusObject, WatchEvent } from "./types.ts";
import { splitApiVersion } from "./types.ts";
import { idleTimer } from "./backoff.ts";

export type { KubeConfig };

/**
 * `@kubernetes/client-node`, loaded on first use: it pulls its whole generated
 * API and undici in (~80 MB of RSS), which a process that never reads a
 * kubeconfig (the local plane's own clients use {@link HttpKubeClient.forServer})
 * need not pay for.
 */
let clientNode: Promise<typeof import("@kubernetes/client-node")> | undefined;
function clientNodeModule(): Promise<typeof import("@kubernetes/client-node")> {
  return clientNode ??= import("@kubernetes/client-node");
}

/** A new, empty `KubeConfig` (loads `@kubernetes/client-node` on first use). */
export async function newKubeConfig(): Promise<KubeConfig> {
  return new (await clientNodeModule()).KubeConfig();
}

/** Credentials for a server this process knows directly (no kubeconfig). */
export interface ServerCredentials {
  /** Base URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** Bearer token. */
  token?: string;
  /** PEM of the CA to trust for an `https:` server. */
  caCert?: string;
}

/** Options for {@link HttpKubeClient.fromConfig}. */
export interface KubeConfigSource {
  /** A kubeconfig file (default: `KUBECONFIG` or `~/.kube/config`, or in-cluster). */
  kubeconfig?: string;
  /** Context to use instead of the current one. */
  context?: string;
  /** Force in-cluster configuration. */
  inCluster?: boolean;
}

/** Options for {@link HttpKubeClient}. */
export interface HttpKubeClientOptions {
  /** Default field manager for writes (default `denative`). */
  fieldManager?: string;
  /** Timeout of non-watch requests in ms (default 30000). */
  requestTimeoutMs?: number;
  /** A watch that delivers nothing for this long is aborted with a Timeout error (default: none). */
  watchIdleTimeoutMs?: number;
  /** Logger for configuration warnings. */
  logger?: Logger;
  /**
   * Sends requests through this function instead of the network: the local
   * plane passes its API server's in-process handler, so controllers in the
   * same process as the API server skip sockets and TLS while every request
   * still goes through the server's HTTP handling (routing, auth, status
   * codes, JSON). The request carries the same URL, headers, body and signal
   * as a networked one.
   */
  transport?: (request: Request) => Promise<Response>;
}

/** How long auth options from the kubeconfig are reused. */
const AUTH_REUSE_MS = 1000;

interface AuthOptions {
  headers: Record<string, string>;
  ca?: unknown;
  cert?: unknown;
  key?: unknown;
}

interface FetchInit {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  watch?: boolean;
}

/** Discovery result for one kind. */
export interface ResolvedResource {
  /** Plural resource name, e.g. `deployments`. */
  plural: string;
  /** True for namespaced kinds. */
  namespaced: boolean;
}

const PATCH_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Expired",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** Loads a KubeConfig the usual way (explicit file, KUBECONFIG/~/.kube/config, or in-cluster). */
export async function loadKubeConfig(src: KubeConfigSource = {}): Promise<KubeConfig> {
  const kc = await newKubeConfig();
  if (src.inCluster) kc.loadFromCluster();
  else if (src.kubeconfig) kc.loadFromFile(src.kubeconfig);
  else kc.loadFromDefault();
  if (src.context) kc.setCurrentContext(src.context);
  return kc;
}

/**
 * Settles with the transport's response, or rejects with the signal's reason
 * once it aborts first; a response that arrives after the abort has its body
 * cancelled, so the server ends the request (a watch, say) instead of keeping
 * it with no reader.
 */
function untilAborted(p: Promise<Response>, signal?: AbortSignal): Promise<Response> {
  if (!signal) return p;
  return new Promise<Response>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      p.then((r) => r.body?.cancel().catch(() => {}), () => {});
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The HTTP client. Call `close()` when done. */
export class HttpKubeClient implements KubeClient {
  /** The loaded configuration (absent for a client built with {@link HttpKubeClient.forServer}). */
  readonly kubeConfig?: KubeConfig;
  readonly #o: HttpKubeClientOptions;
  readonly #server: string;
  readonly #static?: AuthOptions;
  #http?: Deno.HttpClient;
  #discovery = new Map<string, Promise<Map<string, ResolvedResource>>>();
  #auth?: { at: number; o: AuthOptions };

  /** Builds a client from a loaded KubeConfig, or from credentials the caller holds. */
  constructor(kc: KubeConfig | ServerCredentials, opts: HttpKubeClientOptions = {}) {
    if ("getCurrentCluster" in kc) {
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error("kubeconfig has no current cluster");
      this.kubeConfig = kc;
      this.#server = cluster.server.replace(/\/$/, "");
    } else {
      this.#server = kc.server.replace(/\/$/, "");
      this.#static = {
        headers: kc.token ? { Authorization: `Bearer ${kc.token}` } : {},
        ...(kc.caCert ? { ca: kc.caCert } : {}),
      };
    }
    this.#o = opts;
  }

  /** Loads the configuration (through `@kubernetes/client-node`) and builds a client. */
  static async fromConfig(
    src: KubeConfigSource = {},
    opts: HttpKubeClientOptions = {},
  ): Promise<HttpKubeClient> {
    return new HttpKubeClient(await loadKubeConfig(src), opts);
  }

  /**
   * A client of a server whose URL, token and CA this process already holds
   * (the local plane's own clients): no kubeconfig is read, so
   * `@kubernetes/client-node` is never loaded.
   */
  static forServer(creds: ServerCredentials, opts: HttpKubeClientOptions = {}): HttpKubeClient {
    return new HttpKubeClient(creds, opts);
  }

  /** The API server URL. */
  get server(): string {
    return this.#server;
  }

  /** Releases the HTTP client (connections). */
  close(): void {
    this.#http?.close();
    this.#http = undefined;
  }

  /** Resolves apiVersion+kind to plural/namespaced through discovery (cached; refreshed on a miss). */
  async resolve(apiVersion: string, kind: string): Promise<ResolvedResource> {
    for (let attempt = 0; attempt < 2; attempt++) {
      let p = this.#discovery.get(apiVersion);
      if (!p || attempt === 1) {
        p = this.#discover(apiVersion);
        this.#discovery.set(apiVersion, p);
        p.catch(() => this.#discovery.delete(apiVersion));
      }
      const r = (await p).get(kind);
      if (r) return r;
    }
    throw errorFromStatus(
      failureStatus(
        404,
        "NotFound",
        `the server doesn't have a resource type for ${kind} in ${apiVersion}`,
      ),
    );
  }

  async #discover(apiVersion: string): Promise<Map<string, ResolvedResource>> {
    const { group } = splitApiVersion(apiVersion);
    const path = group ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await this.#json<
      { resources?: { name: string; kind: string; namespaced: boolean }[] }
    >(
      "GET",
      path,
    );
    const m = new Map<string, ResolvedResource>();
    for (const r of res.resources ?? []) {
      if (r.name.includes("/")) continue;
      m.set(r.kind, { plural: r.name, namespaced: r.namespaced });
    }
    return m;
  }

  async #path(ref: ResourceRef, name?: string, sub?: string): Promise<string> {
    const r = await this.resolve(ref.apiVersion, ref.kind);
    const { group } = splitApiVersion(ref.apiVersion);
    let p = group ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    if (r.namespaced && ref.namespace) p += `/namespaces/${encodeURIComponent(ref.namespace)}`;
    p += `/${r.plural}`;
    if (name) p += `/${encodeURIComponent(name)}`;
    if (sub) p += `/${sub}`;
    return p;
  }

  #httpClient(
    tls: { ca?: unknown; cert?: unknown; key?: unknown },
  ): Deno.HttpClient | undefined {
    if (this.#http || !this.#server.startsWith("https:")) return this.#http;
    if (this.kubeConfig?.getCurrentCluster()?.skipTLSVerify) {
      this.#o.logger?.warn(
        "insecure-skip-tls-verify cannot be honoured per client under Deno; " +
          "the server certificate is still verified (run with --unsafely-ignore-certificate-errors to skip)",
      );
    }
    const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
    const opts: Deno.CreateHttpClientOptions = {};
    const ca = str(tls.ca);
    if (ca) opts.caCerts = [ca];
    const cert = str(tls.cert), key = str(tls.key);
    if (cert && key) Object.assign(opts, { cert, key });
    this.#http = Deno.createHttpClient(opts);
    return this.#http;
  }

  async #fetch(
    method: string,
    path: string,
    init: FetchInit = {},
  ): Promise<Response> {
    const url = new URL(this.#server + path);
    for (const [k, v] of Object.entries(init.query ?? {})) {
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    }
    const o = await this.#authOptions();
    const headers: Record<string, string> = { accept: "application/json", ...o.headers };
    if (init.body !== undefined) headers["content-type"] = init.contentType ?? "application/json";
    const client = this.#o.transport ? undefined : this.#httpClient(o);
    const signals: AbortSignal[] = [];
    if (init.signal) signals.push(init.signal);
    const deadline = init.watch
      ? undefined
      : AbortSignal.timeout(this.#o.requestTimeoutMs ?? 30_000);
    if (deadline) signals.push(deadline);
    try {
      const signal = signals.length ? AbortSignal.any(signals) : undefined;
      const body = init.body === undefined ? undefined : JSON.stringify(init.body);
      signal?.throwIfAborted();
      const res = this.#o.transport
        ? await untilAborted(
          this.#o.transport(new Request(url, { method, headers, body, signal })),
          signal,
        )
        : await fetch(url, {
          method,
          headers,
          body,
          signal,
          ...(client ? { client } : {}),
        } as RequestInit);
      if (!res.ok) throw await this.#error(res);
      return res;
    } catch (e) {
      if (deadline?.aborted && !(e instanceof KubeError)) {
        throw timeout(`${method} ${path}: request timed out`);
      }
      throw e;
    }
  }

  /**
   * Auth headers and TLS material from the kubeconfig, reused for up to a
   * second (client-node caches exec and OIDC tokens itself; asking it on every
   * request cost ~1.5 % of a 1,000-Service run).
   */
  async #authOptions(): Promise<AuthOptions> {
    if (this.#static || !this.kubeConfig) return this.#static ?? { headers: {} };
    const now = Date.now();
    if (this.#auth && now - this.#auth.at < AUTH_REUSE_MS) return this.#auth.o;
    const o: AuthOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(o as never);
    this.#auth = { at: now, o };
    return o;
  }

  async #error(res: Response): Promise<KubeError> {
    const text = await res.text();
    let status: StatusObject | undefined;
    try {
      const j = JSON.parse(text);
      if (j && j.kind === "Status") status = j as StatusObject;
    } catch { /* not JSON */ }
    status ??= failureStatus(res.status, REASONS[res.status] ?? "Unknown", text || res.statusText);
    status.code ??= res.status;
    return errorFromStatus(status);
  }

  async #json<T>(
    method: string,
    path: string,
    init: FetchInit = {},
  ): Promise<T> {
    const res = await this.#fetch(method, path, init);
    return (await res.json()) as T;
  }

  #fill<T extends KubeObject>(o: T, ref: { apiVersion: string; kind: string }): T {
    o.apiVersion ??= ref.apiVersion;
    o.kind ??= ref.kind;
    return o;
  }

  /** Reads one object. */
  async get<T extends KubeObject = KubeObject>(ref: ResourceRef): Promise<T> {
    return this.#fill(await this.#json<T>("GET", await this.#path(ref, ref.name)), ref);
  }

  /** Lists (one page when `limit` is given). Items get apiVersion/kind filled in. */
  async list<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: ListOptions = {},
  ): Promise<KubeList<T>> {
    const l = await this.#json<KubeList<T>>("GET", await this.#path(ref), {
      query: {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
      },
    });
    l.items = (l.items ?? []).map((o) => this.#fill(o, ref));
    l.metadata ??= {};
    return l;
  }

  /** Opens a watch; iterating yields events until the server ends it or the signal aborts. */
  async watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: WatchOptions = {},
  ): Promise<WatchStream<T>> {
    const idleMs = this.#o.watchIdleTimeoutMs;
    const idle = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
    const res = await this.#fetch("GET", await this.#path(ref), {
      query: {
        watch: 1,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks,
        timeoutSeconds: opts.timeoutSeconds,
      },
      signal,
      watch: true,
    });
    const fill = (o: KubeObject) => this.#fill(o, ref);
    if (!res.body) return (async function* () {})();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    // Aborting the fetch does not reliably end a pending read of a response body that is
    // already streaming (Deno 2.9: an idle watch then never ends, and a stopping Watcher
    // waits for the server's next event), so an abort cancels the reader at once, whether or
    // not anyone is iterating yet.
    let released = false;
    const release = (reason?: unknown) => {
      if (released) return;
      released = true;
      signal.removeEventListener("abort", onAbort);
      void reader.cancel(reason).catch(() => {});
    };
    const onAbort = () => release(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const ended = () => {
      if (idle.signal.aborted && !opts.signal?.aborted) throw timeout("watch idle timeout");
    };
    async function* events(): AsyncGenerator<WatchEvent<T>> {
      const idleness = idleMs ? idleTimer(idleMs, () => idle.abort()) : undefined;
      let buf = "";
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<string>;
          try {
            if (signal.aborted) throw signal.reason;
            chunk = await reader.read();
          } catch (e) {
            ended();
            if (signal.aborted) return;
            throw e;
          }
          if (signal.aborted) return ended();
          if (chunk.done) break;
          idleness?.touch();
          buf += chunk.value;
          let i: number;
          while ((i = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (!line) continue;
            const ev = JSON.parse(line) as WatchEvent<T>;
            if (ev.type !== "ERROR") fill(ev.object);
            yield ev;
          }
        }
        if (buf.trim()) {
          const ev = JSON.parse(buf) as WatchEvent<T>;
          if (ev.type !== "ERROR") fill(ev.object);
          yield ev;
        }
      } finally {
        idleness?.stop();
        release();
      }
    }
    // An async generator's return() before its first next() skips its body (and so its
    // finally): release the stream here too, so `return()` always ends the request.
    const gen = events();
    const iterator: AsyncGenerator<WatchEvent<T>> = {
      next: (...a) => gen.next(...a),
      throw: (e) => (release(), gen.throw(e)),
      return: (v) => (release(), gen.return(v)),
      [Symbol.asyncIterator]() {
        return this;
      },
      [Symbol.asyncDispose]: () => iterator.return(undefined).then(() => {}),
    };
    return iterator;
  }

  /** Creates an object. */
  async create<T extends KubeObject = KubeObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace };
    return this.#fill(
      await this.#json<T>("POST", await this.#path(ref), {
        body: obj,
        query: this.#writeQuery(opts),
      }),
      ref,
    );
  }

  /** Replaces an object. */
  async update<T extends KubeObject = KubeObject>(obj: T, opts: WriteOptions = {}): Promise<T> {
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace };
    return this.#fill(
      await this.#json<T>("PUT", await this.#path(ref, obj.metadata.name), {
        body: obj,
        query: this.#writeQuery(opts),
      }),
      ref,
    );
  }

  /** Replaces the status subresource. */
  async updateStatus<T extends KubeObject = KubeObject>(
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace };
    return this.#fill(
      await this.#json<T>("PUT", await this.#path(ref, obj.metadata.name, "status"), {
        body: obj,
        query: this.#writeQuery(opts),
      }),
      ref,
    );
  }

  /** Patches (merge, JSON, strategic, or server-side apply with fieldManager and force). */
  async patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const query: Record<string, string | boolean | undefined> = this.#writeQuery(opts);
    if (type === "apply") {
      query.fieldManager = opts.fieldManager ?? this.#o.fieldManager ?? "denative";
      if (opts.force) query.force = true;
    }
    return this.#fill(
      await this.#json<T>("PATCH", await this.#path(ref, ref.name, opts.subresource), {
        body,
        contentType: PATCH_TYPES[type],
        query,
      }),
      ref,
    );
  }

  /** Deletes; returns the object when it still exists (finalizers pending). */
  async delete(ref: ResourceRef, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.preconditionUid) body.preconditions = { uid: opts.preconditionUid };
    if (opts.dryRun) body.dryRun = [opts.dryRun];
    const res = await this.#json<KubeObject | StatusObject>(
      "DELETE",
      await this.#path(ref, ref.name),
      { body },
    );
    if ((res as StatusObject).kind === "Status") return undefined;
    const o = this.#fill(res as KubeObject, ref);
    return o.metadata?.deletionTimestamp && o.metadata.finalizers?.length ? o : undefined;
  }

  #writeQuery(opts: WriteOptions): Record<string, string | undefined> {
    return { dryRun: opts.dryRun, fieldManager: opts.fieldManager ?? this.#o.fieldManager };
  }
}

/** True when `e` says the resource type itself is unknown to the server. */
export function isUnknownResource(e: unknown): boolean {
  return isNotFound(e) && /doesn't have a resource type/.test((e as Error).message);
}
