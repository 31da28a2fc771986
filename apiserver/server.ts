/**
 * The HTTP front of the local control plane (hono): authentication, body
 * limits, REST routing, watch streaming, discovery and OpenAPI.
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AdmissionHook, Converter, KubeObject, WatchEvent } from "../runtime/mod.ts";
import { Api, decodeBody, type PatchKind, type RequestContext, type Target } from "./api.ts";
import { ApiError, badRequest, methodNotAllowed, toApiError } from "./errors.ts";
import {
  aggregated,
  AGGREGATED_V2,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiDoc,
  openApiIndex,
  versionInfo,
  wantsAggregated,
} from "./discovery.ts";
import { apiVersionOf, typeKey } from "./registry.ts";
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { toTable } from "./table.ts";
import { Simulator } from "./simulate.ts";
import { selfSignedCert } from "./tls.ts";
import { decodeProtobuf } from "./proto.ts";
import { deepCopy, startTlsFront, type TlsFront } from "../runtime/mod.ts";

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** Listen address; loopback by default. */
  host?: string;
  /** Port; 0 picks a free one. */
  port?: number;
  /** Bearer token; random when absent; `""` disables authentication (in-memory render only). */
  token?: string;
  /** Directory for durable state; in-memory when absent. */
  dataDir?: string;
  /** In-process admission hooks (mutate, then validate). */
  admission?: AdmissionHook[];
  /** Version converters for multi-version custom resources. */
  converters?: Converter[];
  /** CustomResourceDefinitions installed at start. */
  crds?: KubeObject[];
  /** Run the deployment and endpoints simulators (default true). */
  simulateWorkloads?: boolean;
  /** Request body cap in bytes (default 3 MiB). */
  maxBodyBytes?: number;
  /** Maximum concurrent watches (default 1000). */
  maxWatches?: number;
  /** Retained events for watch resumption; older versions get 410 (default 10000). */
  watchWindow?: number;
  /** Interval of watch bookmarks in milliseconds (default 5000). */
  bookmarkIntervalMs?: number;
}

/** A running API server. */
export interface ApiServer {
  /** Base URL, e.g. `https://127.0.0.1:43123` (`http://` when authentication is disabled). */
  url: string;
  /** PEM of the self-signed serving certificate to trust (absent for plain HTTP). */
  caCert?: string;
  /** The bearer token clients must send. */
  token: string;
  /** Writes a kubeconfig (mode 0600) pointing at this server. */
  writeKubeconfig(path: string): Promise<void>;
  /**
   * Serves one request in process, through the same handler (auth, routing,
   * admission, watches) as the listener but without a socket or TLS. A watch
   * ends when its response body is cancelled. Used by controllers that run in
   * the same process (`HttpKubeClientOptions.transport`).
   */
  fetch(request: Request): Promise<Response>;
  /** Stops the server, its watches and simulators. */
  close(): Promise<void>;
}

const ADMIN = { username: "denative-admin", groups: ["system:masters", "system:authenticated"] };

function json(body: unknown, code = 200): Response {
  return new Response(JSON.stringify(body), {
    status: code,
    headers: { "content-type": "application/json" },
  });
}

function errorResponse(e: unknown): Response {
  const err = toApiError(e);
  return json(err.toStatus(), err.code);
}

async function readBody(req: Request, max: number): Promise<string> {
  return new TextDecoder().decode(await readBytes(req, max));
}

async function readBytes(req: Request, max: number): Promise<Uint8Array> {
  const len = Number(req.headers.get("content-length") ?? "0");
  const tooLarge = () =>
    new ApiError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${max}`);
  if (len > max) {
    await req.body?.cancel();
    throw tooLarge();
  }
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const buf = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    buf.set(c, off);
    off += c.length;
  }
  return buf;
}

function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept);
}

function patchKind(ct: string): PatchKind | undefined {
  if (ct.startsWith("application/merge-patch+json")) return "merge";
  if (ct.startsWith("application/json-patch+json")) return "json";
  if (ct.startsWith("application/strategic-merge-patch+json")) return "strategic";
  if (
    ct.startsWith("application/apply-patch+yaml") || ct.startsWith("application/apply-patch+json")
  ) {
    return "apply";
  }
  return undefined;
}

interface Route {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  sub?: string;
}

/** Parses `/api/v1/...` and `/apis/G/V/...` resource paths. */
function parseRoute(api: Api, path: string): Route | undefined {
  const segs = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === "api" && segs.length >= 3) {
    group = "";
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === "apis" && segs.length >= 4) {
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else return undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const t = api.registry.get(group, rest[2]);
    if (
      t?.namespaced ||
      !(group === "" && rest.length <= 3 && ["status", "finalize"].includes(rest[2]))
    ) {
      return { group, version, namespace: rest[1], plural: rest[2], name: rest[3], sub: rest[4] };
    }
  }
  return { group, version, plural: rest[0], name: rest[1], sub: rest[2] };
}

interface Watcher {
  close(): void;
}

/** Starts the API server. */
export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const host = opts.host ?? "127.0.0.1";
  const token = opts.token ?? randomToken();
  const maxBody = opts.maxBodyBytes ?? 3 * 1024 * 1024;
  const maxWatches = opts.maxWatches ?? 1000;
  const bookmarkMs = opts.bookmarkIntervalMs ?? 5000;
  const api = new Api({
    admission: opts.admission,
    converters: opts.converters,
    watchWindow: opts.watchWindow,
  });
  if (opts.dataDir) await api.store.open(opts.dataDir);
  await api.init();
  const sysCtx: RequestContext = { user: ADMIN, dryRun: false, fieldManager: "denative-apiserver" };
  const crdType = api.registry.get("apiextensions.k8s.io", "customresourcedefinitions")!;
  for (const crd of opts.crds ?? []) {
    const tg: Target = { type: crdType, version: crdType.versions[0] };
    const existing = api.raw(crdType, undefined, crd.metadata.name!);
    if (existing) {
      await api.update(tg, undefined, crd.metadata.name!, {
        ...deepCopy(crd),
        metadata: { ...crd.metadata, resourceVersion: existing.metadata.resourceVersion },
      }, sysCtx);
    } else await api.create(tg, undefined, deepCopy(crd), sysCtx);
  }
  const watchers = new Set<Watcher>();
  // The encodings of the object being delivered right now: the store notifies every watch of an
  // event synchronously, so one slot shares the work across watches without keeping the bytes of
  // every object in the event window alive (a WeakMap per stored object did: ~30 MB at 300
  // Services).
  let encodedFor: KubeObject | undefined;
  let encoded = new Map<string, Uint8Array>();
  let hostPort = "";

  const app = new Hono();
  app.onError((e) => errorResponse(e));
  app.use("*", async (c, next) => {
    if (token !== "") {
      const auth = c.req.header("authorization") ?? "";
      if (auth !== `Bearer ${token}`) {
        return json(new ApiError(401, "Unauthorized", "Unauthorized").toStatus(), 401);
      }
    }
    await next();
    return undefined;
  });
  app.get("/version", () => json(versionInfo()));
  app.get("/healthz", () => new Response("ok"));
  app.get("/readyz", () => new Response("ok"));
  app.get("/livez", () => new Response("ok"));
  const discovery = (core: boolean) => (c: Context) => {
    if (wantsAggregated(c.req.header("accept"))) {
      return new Response(JSON.stringify(aggregated(api.registry, core)), {
        headers: { "content-type": AGGREGATED_V2 },
      });
    }
    return json(core ? apiVersions(hostPort) : apiGroupList(api.registry));
  };
  app.get("/api", discovery(true));
  app.get("/apis", discovery(false));
  app.get("/openapi/v3", () => json(openApiIndex(api.registry)));
  app.get("/openapi/v3/*", (c) => {
    const p = c.req.path.replace(/^\/openapi\/v3\//, "").split("/");
    const doc = p[0] === "api"
      ? openApiDoc(api.registry, "", p[1])
      : openApiDoc(api.registry, p[1], p[2]);
    if (!doc) {
      throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    return json(doc);
  });
  app.all("*", async (c) => {
    try {
      return await handle(c);
    } catch (e) {
      return errorResponse(e);
    }
  });

  async function handle(c: Context): Promise<Response> {
    const path = c.req.path.replace(/\/+$/, "") || "/";
    const method = c.req.method;
    const segs = path.split("/").filter((s) => s);
    if (method === "GET" && segs[0] === "api" && segs.length === 2) {
      const l = apiResourceList(api.registry, "", segs[1]);
      if (l) return json(l);
    }
    if (method === "GET" && segs[0] === "apis" && segs.length === 2) {
      const g = apiGroup(api.registry, segs[1]);
      if (g) return json(g);
    }
    if (method === "GET" && segs[0] === "apis" && segs.length === 3) {
      const l = apiResourceList(api.registry, segs[1], segs[2]);
      if (l) return json(l);
    }
    const r = parseRoute(api, path);
    if (!r || !r.plural) {
      throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    const tg = api.resolve(r.group, r.version, r.plural);
    const t = tg.type;
    if (
      r.sub &&
      !((r.sub === "status" && tg.version.status) || (r.sub === "scale" && tg.version.scale))
    ) {
      throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    if (!t.namespaced && r.namespace) {
      throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    const q = new URL(c.req.url).searchParams;
    const dryRun = q.getAll("dryRun").includes("All");
    const ua = c.req.header("user-agent") ?? "";
    const ct = (c.req.header("content-type") ?? "application/json").toLowerCase();
    const pk = method === "PATCH" ? patchKind(ct) : undefined;
    const fieldManager = q.get("fieldManager") ??
      (pk === "apply" ? "" : (ua.split("/")[0] || "unknown"));
    const ctx: RequestContext = {
      user: ADMIN,
      dryRun,
      fieldManager,
      fieldValidation: q.get("fieldValidation") ?? undefined,
    };
    const accept = c.req.header("accept");
    const ns = r.namespace;
    if (!r.name) {
      switch (method) {
        case "GET": {
          if (q.get("watch") === "true" || q.get("watch") === "1") {
            return watch(
              tg,
              ns,
              q,
              accept,
              (c.env as { info?: Deno.ServeHandlerInfo } | undefined)?.info,
            );
          }
          const l = api.list(tg, ns, {
            labelSelector: q.get("labelSelector"),
            fieldSelector: q.get("fieldSelector"),
            limit: q.get("limit") ? Number(q.get("limit")) : undefined,
            continue: q.get("continue"),
          });
          if (wantsTable(accept)) {
            return json(
              toTable(t, tg.version, l.items, String(l.rv), {
                continue: l.continue,
                remainingItemCount: l.remaining,
              }),
            );
          }
          return json({
            kind: `${t.kind}List`,
            apiVersion: apiVersionOf(t.group, tg.version.name),
            metadata: {
              resourceVersion: String(l.rv),
              ...(l.continue ? { continue: l.continue, remainingItemCount: l.remaining } : {}),
            },
            items: l.items,
          });
        }
        case "POST": {
          const body = ct.includes("protobuf")
            ? decodeProtobuf(await readBytes(c.req.raw, maxBody))
            : decodeBody(await readBody(c.req.raw, maxBody), ct);
          return json(await api.create(tg, ns, body, ctx), 201);
        }
        case "DELETE": {
          const text = await readBody(c.req.raw, maxBody);
          const dopts = deleteOptions(text, q);
          const l = api.list(tg, ns, {
            labelSelector: q.get("labelSelector"),
            fieldSelector: q.get("fieldSelector"),
          });
          const items: KubeObject[] = [];
          for (const o of l.items) {
            try {
              items.push(
                await api.delete(tg, o.metadata.namespace, o.metadata.name!, dopts, {
                  ...ctx,
                  dryRun: ctx.dryRun || dopts.dryRun,
                }),
              );
            } catch (e) {
              if (!(e instanceof ApiError && e.code === 404)) throw e;
            }
          }
          return json({
            kind: `${t.kind}List`,
            apiVersion: apiVersionOf(t.group, tg.version.name),
            metadata: { resourceVersion: String(api.store.rv) },
            items,
          });
        }
        default:
          throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      }
    }
    const name = r.name;
    if (r.sub === "scale") {
      if (method === "GET") return json(api.scale(tg, ns, name));
      if (method === "PUT") {
        return json(
          await api.writeScale(
            tg,
            ns,
            name,
            decodeBody(await readBody(c.req.raw, maxBody), ct),
            ctx,
          ),
        );
      }
      if (method === "PATCH") {
        const body = decodeBody(await readBody(c.req.raw, maxBody), ct);
        const cur = api.scale(tg, ns, name, true);
        const { mergePatch, jsonPatch } = await import("./patch.ts");
        const next = pk === "json" ? jsonPatch(cur, body) : mergePatch(cur, body);
        return json(await api.writeScale(tg, ns, name, next, ctx));
      }
      throw methodNotAllowed("the server does not allow this method on the requested resource");
    }
    switch (method) {
      case "GET": {
        const o = api.get(tg, ns, name);
        if (wantsTable(accept)) {
          return json(toTable(t, tg.version, [o], o.metadata.resourceVersion ?? ""));
        }
        return json(o);
      }
      case "PUT": {
        const body = decodeBody(await readBody(c.req.raw, maxBody), ct);
        return json(await api.update(tg, ns, name, body, ctx, r.sub));
      }
      case "PATCH": {
        if (!pk) {
          throw new ApiError(
            415,
            "UnsupportedMediaType",
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${
              t.builtin ? ", application/strategic-merge-patch+json" : ""
            }`,
          );
        }
        const body = decodeBody(
          await readBody(c.req.raw, maxBody),
          pk === "apply" ? "yaml" : "json",
        );
        const force = q.get("force") === "true";
        const res = await api.patch(tg, ns, name, pk, body, ctx, r.sub, force);
        return json(res.obj, res.created ? 201 : 200);
      }
      case "DELETE": {
        if (r.sub) {
          throw methodNotAllowed("the server does not allow this method on the requested resource");
        }
        const text = await readBody(c.req.raw, maxBody);
        const dopts = deleteOptions(text, q);
        return json(
          await api.delete(tg, ns, name, dopts, { ...ctx, dryRun: ctx.dryRun || dopts.dryRun }),
        );
      }
      default:
        throw methodNotAllowed("the server does not allow this method on the requested resource");
    }
  }

  function watch(
    tg: Target,
    ns: string | undefined,
    q: URLSearchParams,
    accept: string | undefined,
    info: Deno.ServeHandlerInfo | undefined,
  ): Response {
    if (watchers.size >= maxWatches) {
      throw new ApiError(429, "TooManyRequests", "too many watches: try again later", {
        retryAfterSeconds: 1,
      });
    }
    const t = tg.type;
    const lreq = parseLabelSelector(q.get("labelSelector"));
    const freq = parseFieldSelector(q.get("fieldSelector"));
    const rvParam = q.get("resourceVersion") ?? "";
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const sendInitial = q.get("sendInitialEvents") === "true";
    const timeout = Number(q.get("timeoutSeconds") ?? "0");
    const table = wantsTable(accept);
    const tk = typeKey(t.group, t.plural);
    const enc = new TextEncoder();
    const matches = (o: KubeObject | undefined) =>
      !!o && (ns === undefined || o.metadata.namespace === ns) &&
      matchLabels(lreq, o.metadata.labels) &&
      matchFields(freq, o);
    let rv: number | "expired";
    if (rvParam !== "" && rvParam !== "0") {
      rv = Number(rvParam);
      if (!Number.isFinite(rv)) throw badRequest(`invalid resource version: ${rvParam}`);
    } else rv = api.store.rv;
    let closeFn = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        const timers: ReturnType<typeof setTimeout>[] = [];
        const send = (type: WatchEvent["type"], obj: unknown) => {
          if (closed) return;
          try {
            controller.enqueue(enc.encode(JSON.stringify({ type, object: obj }) + "\n"));
          } catch {
            close();
          }
        };
        const render = (o: KubeObject) => {
          const out = api.view(tg, o);
          return table ? toTable(t, tg.version, [out], out.metadata.resourceVersion ?? "") : out;
        };
        let unsub = () => {};
        const close = () => {
          if (closed) return;
          closed = true;
          unsub();
          for (const tm of timers) clearTimeout(tm), clearInterval(tm);
          watchers.delete(w);
          try {
            controller.close();
          } catch { /* already closed */ }
        };
        const w: Watcher = { close };
        closeFn = close;
        watchers.add(w);
        // one encoding per stored object, event type and rendering, shared by all watchers
        const sendCached = (type: WatchEvent["type"], o: KubeObject) => {
          if (closed) return;
          if (encodedFor !== o) encodedFor = o, encoded = new Map();
          const m = encoded;
          const key = `${type}|${tg.version.name}|${table}`;
          let bytes = m.get(key);
          if (!bytes) {
            bytes = enc.encode(JSON.stringify({ type, object: render(o) }) + "\n");
            m.set(key, bytes);
          }
          try {
            controller.enqueue(bytes);
          } catch {
            close();
          }
        };
        const deliver = (
          e: {
            type: string;
            kind: "ADDED" | "MODIFIED" | "DELETED";
            object: KubeObject;
            old?: KubeObject;
          },
        ) => {
          if (e.type !== tk) return;
          const now = matches(e.object);
          const was = matches(e.old);
          try {
            if (e.kind === "DELETED") {
              if (now || was) sendCached("DELETED", e.object);
            } else if (now && was) sendCached("MODIFIED", e.object);
            else if (now) sendCached("ADDED", e.object);
            else if (was) sendCached("DELETED", e.object);
          } catch (err) {
            send("ERROR", toApiError(err).toStatus());
            close();
          }
        };
        const initial = rvParam === "" || rvParam === "0" || sendInitial;
        if (initial) {
          for (const o of api.store.list(tk, ns)) if (matches(o)) send("ADDED", render(o));
          if (sendInitial && bookmarks) {
            send("BOOKMARK", {
              kind: t.kind,
              apiVersion: apiVersionOf(t.group, tg.version.name),
              metadata: {
                resourceVersion: String(api.store.rv),
                annotations: { "k8s.io/initial-events-end": "true" },
              },
            });
          }
        } else {
          const past = api.store.since(rv as number);
          // a version from the future comes from an earlier in-memory server: make the client relist
          const future = (rv as number) > api.store.rv;
          if (past === "expired" || future) {
            send("ERROR", {
              kind: "Status",
              apiVersion: "v1",
              metadata: {},
              status: "Failure",
              message: future
                ? `too large resource version: ${rvParam}, current: ${api.store.rv}`
                : `too old resource version: ${rvParam} (${api.store.oldest})`,
              reason: "Expired",
              code: 410,
            });
            close();
            return;
          }
          for (const e of past) deliver({ ...e, type: e.type });
        }
        unsub = api.store.subscribe((e) => deliver(e));
        if (bookmarks) {
          timers.push(setInterval(() => {
            send("BOOKMARK", {
              kind: t.kind,
              apiVersion: apiVersionOf(t.group, tg.version.name),
              metadata: { resourceVersion: String(api.store.rv) },
            });
          }, bookmarkMs));
        }
        if (timeout > 0) timers.push(setTimeout(close, timeout * 1000));
        // deno-lint-ignore no-explicit-any
        const completed = (info as any)?.completed as Promise<void> | undefined;
        completed?.then(close, close);
      },
      cancel() {
        closeFn();
      },
    });
    return new Response(stream, {
      status: 200,
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    });
  }

  const sim = opts.simulateWorkloads === false ? undefined : new Simulator(api);
  const tls = token !== "" ? await selfSignedCert([host]) : undefined;
  // With TLS, the HTTP server listens in plain text on loopback behind a TLS front with Nagle off
  // (Deno.serve's own TLS delays most responses by ~40 ms: see runtime/tls_front.ts).
  const server = Deno.serve(
    {
      hostname: tls ? (host.includes(":") ? "::1" : "127.0.0.1") : host,
      port: tls ? 0 : opts.port ?? 0,
      onListen: () => {},
    },
    (req, info) => app.fetch(req, { info }),
  );
  let front: TlsFront | undefined;
  try {
    front = tls
      ? await startTlsFront({
        hostname: host,
        port: opts.port ?? 0,
        cert: tls.cert,
        key: tls.key,
        upstream: server.addr as Deno.NetAddr,
      })
      : undefined;
  } catch (e) {
    await server.shutdown();
    throw e;
  }
  const addr = (front?.addr ?? server.addr) as Deno.NetAddr;
  hostPort = addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
  const url = `${tls ? "https" : "http"}://${hostPort}`;
  sim?.start();
  let closing: Promise<void> | undefined;
  return {
    url,
    token,
    caCert: tls?.ca,
    fetch: async (request: Request): Promise<Response> => {
      if (closing) throw new Error("the API server is closed");
      // Start on a new macrotask: in-process requests otherwise run as one unbroken chain of
      // microtasks under load, and the listener's socket I/O (kubectl, the gateway) starves.
      await new Promise((r) => setTimeout(r, 0));
      return await app.fetch(request, {});
    },
    async writeKubeconfig(path: string): Promise<void> {
      const yaml = [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: denative",
        "  cluster:",
        `    server: ${url}`,
        ...(tls ? [`    certificate-authority-data: ${btoa(tls.ca)}`] : []),
        "users:",
        "- name: denative-admin",
        "  user:",
        `    token: ${JSON.stringify(token)}`,
        "contexts:",
        "- name: denative",
        "  context:",
        "    cluster: denative",
        "    user: denative-admin",
        "    namespace: default",
        "current-context: denative",
        "",
      ].join("\n");
      const dir = path.replace(/\/[^/]*$/, "");
      if (dir && dir !== path) await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(path, yaml, { mode: 0o600 });
      await Deno.chmod(path, 0o600);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await sim?.stop();
        for (const w of [...watchers]) w.close();
        await api.close();
        await front?.close();
        await server.shutdown();
        await api.store.close();
      })();
      return closing;
    },
  };
}

function deleteOptions(text: string, q: URLSearchParams): {
  propagationPolicy?: string;
  uid?: string;
  resourceVersion?: string;
  dryRun: boolean;
} {
  // deno-lint-ignore no-explicit-any
  let body: any = {};
  if (text.trim() !== "") body = decodeBody(text, "json");
  const orphan = body.orphanDependents ?? (q.get("orphanDependents") === "true" ? true : undefined);
  return {
    propagationPolicy: body.propagationPolicy ?? q.get("propagationPolicy") ??
      (orphan ? "Orphan" : undefined),
    uid: body.preconditions?.uid,
    resourceVersion: body.preconditions?.resourceVersion,
    dryRun: Array.isArray(body.dryRun) && body.dryRun.includes("All"),
  };
}

function randomToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
