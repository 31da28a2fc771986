/**
 * CLI commands owned by the controllers layer: `dev`, `controller`, `render`,
 * and {@link startLocalPlane}, the in-process local control plane they (and
 * the integration tests and benchmarks) share.
 * @module
 */
import { join } from "node:path";
import { servingConfigMapSpecs, startWebhook, SYSTEM_NAMESPACE } from "../apis/mod.ts";
import { type ApiServer, connectApiServerWorker } from "../apiserver/mod.ts";
import type { ApiWorkerStart } from "./cli_api_worker.ts";
import { type LocalApiStart, startLocalApiServer } from "./cli_local_api.ts";

export { providerCrds } from "./cli_local_api.ts";
import {
  HttpKubeClient,
  isAlreadyExists,
  type KubeClient,
  type KubeObject,
  Manager,
  serveHealth,
  waitForShutdown,
} from "../runtime/mod.ts";
import {
  contourProvider,
  createProviderRegistry,
  gatewayApiProvider,
  istioProvider,
  LOCAL_CLASS,
  localProvider,
  networkingConfigMapSpecs,
} from "../networking/mod.ts";
import { type GatewayHandle, kubeEndpointResolver, startGateway } from "../dataplane/mod.ts";
import { loadPlugins, type WasmIngressProvider } from "../plugins/mod.ts";
import { defaultProviderRegistry, servingPlugins } from "./mod.ts";
import { portValue, scanFlags } from "./flags.ts";
import {
  DEFAULT_DOMAIN,
  DEFAULT_RENDER_INGRESS_CLASS,
  formatList,
  parseObjects,
  parseRenderArgs,
  renderList,
} from "./render_output.ts";

/** Default API port of `dev`. */
export const DEFAULT_API_PORT = 6443;
/** Default gateway port of `dev`. */
export const DEFAULT_GATEWAY_PORT = 8080;
/** Default kubeconfig path of `dev`. */
export const DEFAULT_KUBECONFIG_OUT = ".denative/kubeconfig";

/** Options of {@link startLocalPlane}. */
export interface LocalPlaneOptions {
  /** API server port (0 = any). */
  apiPort?: number;
  /** Durable state directory (in-memory when absent). */
  dataDir?: string;
  /** Where to write the kubeconfig (a temp file when absent). */
  kubeconfigOut?: string;
  /** WebAssembly ingress plugin specs (`FILE.wasm[=sha256]`) to load and register. */
  plugins?: string[];
  /** Default ingress class written to config-network. */
  ingressClass?: string;
  /** Default domain written to config-domain. */
  domain?: string;
  /** Resolve image digests (default false). */
  resolveDigests?: boolean;
  /** Start the local gateway on this port (0 = any); no gateway when absent. */
  gatewayPort?: number;
  /**
   * Manager worker count per controller (default {@link LOCAL_PLANE_WORKERS}):
   * reconciles here wait mostly on loopback API round trips, so more workers
   * hide that latency (2 per controller left 1,000 Services queued for minutes).
   */
  workers?: number;
  /**
   * How the controllers reach the API server (default `in-process`): through
   * the server's request handler in this process, skipping sockets and TLS
   * (measured at 300 Services: see bench/serving_scale.ts), or `http` over the
   * loopback listener like any other client. kubectl always uses the listener.
   */
  transport?: "in-process" | "http";
  /**
   * Where the API server (with its watches and the workload simulator) runs
   * (default `main`): on this thread, or in its own Worker so it uses a second
   * core beside the controllers and kubectl stays responsive during bursts
   * (`dev`'s default). With `worker`, the in-process transport posts each
   * request to the Worker instead of calling the handler directly.
   */
  apiThread?: "main" | "worker";
  /**
   * Called if the API server Worker dies (with `apiThread: "worker"`): every
   * request in flight has failed and later ones fail at once. `dev` exits 1.
   */
  onApiFailed?: (error: Error) => void;
}

/** A running local control plane with the controllers. */
export interface LocalPlane {
  /** The API server. */
  api: ApiServer;
  /** The controllers' client of it (in process unless `transport: "http"`). */
  client: HttpKubeClient;
  /** The controller manager. */
  manager: Manager;
  /** The local gateway, when started. */
  gateway?: GatewayHandle;
  /** Path of the written kubeconfig. */
  kubeconfig: string;
  /** Stops the manager, the gateway and the API server. */
  stop(): Promise<void>;
}

async function createIfAbsent(client: KubeClient, obj: KubeObject): Promise<void> {
  try {
    await client.create(obj);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

/** The system config maps `dev` and `render` start with. */
export function systemConfigMaps(ingressClass: string, domain: string): KubeObject[] {
  const cm = (name: string, data: Record<string, string>): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace: SYSTEM_NAMESPACE,
      labels: { "app.kubernetes.io/part-of": "knative-serving" },
    },
    data,
  });
  return [
    cm("config-deployment", { "queue-sidecar-image": "ghcr.io/denative/queue-proxy:latest" }),
    cm("config-domain", { [domain]: "" }),
    cm("config-network", { "ingress-class": ingressClass }),
  ];
}

/** Stops the sandboxes of loaded WebAssembly plugins. */
function closePlugins(plugins: WasmIngressProvider[]): void {
  for (const p of plugins) p.close();
}

/** Starts the API server in its own Worker (see `cli_api_worker.ts`). */
async function startApiWorker(
  start: ApiWorkerStart,
  onFailed?: (e: Error) => void,
): Promise<ApiServer> {
  const worker = new Worker(new URL("./cli_api_worker.ts", import.meta.url), { type: "module" });
  const ready = connectApiServerWorker(worker, { onFailed });
  worker.postMessage(start);
  try {
    return await ready;
  } catch (e) {
    worker.terminate();
    throw e;
  }
}

/** Default workers per controller on the local plane. */
export const LOCAL_PLANE_WORKERS = 16;

/**
 * Starts the local API server, writes a kubeconfig, seeds the system
 * namespace and config maps, optionally the local gateway, and runs every
 * serving controller plus the generic ingress reconciler.
 */
export async function startLocalPlane(opts: LocalPlaneOptions = {}): Promise<LocalPlane> {
  const wasm = await loadPlugins(opts.plugins ?? []);
  const providers = [istioProvider(), contourProvider(), gatewayApiProvider(), ...wasm];
  const start: LocalApiStart = {
    port: opts.apiPort ?? 0,
    dataDir: opts.dataDir,
    providerKinds: providers.flatMap((p) => p.kinds).map(({ apiVersion, kind }) => ({
      apiVersion,
      kind,
    })),
  };
  const api = opts.apiThread === "worker"
    ? await startApiWorker({ op: "start", ...start }, opts.onApiFailed)
    : await startLocalApiServer(start);
  let tmp: string | undefined;
  let gateway: GatewayHandle | undefined;
  let client: HttpKubeClient | undefined;
  let manager: Manager | undefined;
  try {
    const kubeconfig = opts.kubeconfigOut ??
      join(tmp = await Deno.makeTempDir({ prefix: "denative-" }), "kubeconfig");
    await api.writeKubeconfig(kubeconfig);
    client = HttpKubeClient.forServer({ server: api.url, token: api.token, caCert: api.caCert }, {
      transport: opts.transport === "http" ? undefined : api.fetch,
    });
    for (const ns of [SYSTEM_NAMESPACE, "default"]) {
      await createIfAbsent(client, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    }
    const cls = opts.ingressClass ??
      (opts.gatewayPort !== undefined ? LOCAL_CLASS : "istio.ingress.networking.knative.dev");
    for (const cm of systemConfigMaps(cls, opts.domain ?? DEFAULT_DOMAIN)) {
      await createIfAbsent(client, cm);
    }
    const registry = createProviderRegistry(providers);
    if (opts.gatewayPort !== undefined) {
      gateway = startGateway({ port: opts.gatewayPort, resolver: kubeEndpointResolver(client) });
      registry.register(localProvider(gateway));
    }
    manager = new Manager({
      client,
      plugins: servingPlugins({
        resolveDigests: opts.resolveDigests ?? false,
        ingressRegistry: registry,
      }),
      configMaps: [...servingConfigMapSpecs(), ...networkingConfigMapSpecs()],
      systemNamespace: SYSTEM_NAMESPACE,
      leaderElection: false,
      workers: opts.workers ?? LOCAL_PLANE_WORKERS,
    });
    await manager.start();
    const m = manager, c = client, g = gateway;
    return {
      api,
      client: c,
      manager: m,
      gateway: g,
      kubeconfig,
      stop: async () => {
        await m.stop();
        await g?.close();
        c.close();
        await api.close();
        closePlugins(wasm);
        if (tmp) await Deno.remove(tmp, { recursive: true }).catch(() => {});
      },
    };
  } catch (e) {
    await manager?.stop().catch(() => {});
    await gateway?.close().catch(() => {});
    client?.close();
    await api.close();
    closePlugins(wasm);
    if (tmp) await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
}

/** Kinds that are not part of a render's result. */
const RENDER_SKIP = new Set([
  "Namespace",
  "Event",
  "Lease",
  "CustomResourceDefinition",
  "Pod",
  "ReplicaSet",
  "EndpointSlice",
  "ServiceAccount",
  "Secret",
  "APIService",
  "ComponentStatus",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
]);

interface DiscoveredType {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
}

async function apiGet(api: ApiServer, path: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (api.token) headers.authorization = `Bearer ${api.token}`;
  const client = api.caCert ? Deno.createHttpClient({ caCerts: [api.caCert] }) : undefined;
  try {
    const res = await fetch(`${api.url}${path}`, { headers, client });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return await res.json();
  } finally {
    client?.close();
  }
}

/** Every listable type the API serves, at its preferred version. */
async function discover(api: ApiServer): Promise<DiscoveredType[]> {
  const versions: string[] = ["v1"];
  const groups = await apiGet(api, "/apis") as {
    groups?: { preferredVersion?: { groupVersion: string } }[];
  };
  for (const g of groups.groups ?? []) {
    if (g.preferredVersion) versions.push(g.preferredVersion.groupVersion);
  }
  const out: DiscoveredType[] = [];
  for (const gv of versions) {
    const rl = await apiGet(api, gv === "v1" ? "/api/v1" : `/apis/${gv}`) as {
      resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
    };
    for (const r of rl.resources ?? []) {
      if (r.name.includes("/") || !(r.verbs ?? ["list"]).includes("list")) continue;
      out.push({ apiVersion: gv, kind: r.kind, namespaced: r.namespaced });
    }
  }
  return out;
}

/**
 * Lists every object a render reports: all types except cluster plumbing,
 * nothing from the system namespace; inputs at their own apiVersion.
 */
export async function listResult(
  plane: LocalPlane,
  inputs: KubeObject[],
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const t of await discover(plane.api)) {
    if (RENDER_SKIP.has(t.kind)) continue;
    const list = await plane.client.list({ apiVersion: t.apiVersion, kind: t.kind });
    for (const o of list.items) {
      if (o.metadata.namespace === SYSTEM_NAMESPACE) continue;
      out.push({ ...o, apiVersion: t.apiVersion, kind: t.kind });
    }
  }
  // Inputs are reported in the apiVersion they were written in.
  for (const input of inputs) {
    const group = input.apiVersion.split("/")[0];
    const i = out.findIndex((o) =>
      o.kind === input.kind && o.apiVersion.split("/")[0] === group &&
      o.metadata.name === input.metadata.name &&
      (o.metadata.namespace ?? "") === (input.metadata.namespace ?? "default")
    );
    if (i >= 0 && out[i].apiVersion !== input.apiVersion) {
      out[i] = await plane.client.get({
        apiVersion: input.apiVersion,
        kind: input.kind,
        namespace: out[i].metadata.namespace,
        name: out[i].metadata.name,
      });
    }
  }
  return out;
}

function fingerprint(objs: KubeObject[]): string {
  return objs.map((o) =>
    `${o.apiVersion}/${o.kind}/${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`
  )
    .sort().join("\n");
}

/**
 * Runs the controllers until nothing changes: the Manager is idle and two
 * listings, 150 ms apart, are identical (the workload simulator runs on its
 * own timers). Throws after `timeoutMs`.
 */
export async function settle(
  plane: LocalPlane,
  inputs: KubeObject[],
  timeoutMs: number,
): Promise<KubeObject[]> {
  const deadline = Date.now() + timeoutMs;
  let prev = "";
  for (;;) {
    const idle = plane.manager.idle();
    const timer = new Promise<"timeout">((r) => {
      const id = setTimeout(() => r("timeout"), Math.max(0, deadline - Date.now()));
      idle.finally(() => clearTimeout(id));
    });
    if (await Promise.race([idle.then(() => "idle" as const), timer]) === "timeout") {
      throw new Error(`no fixed point within ${timeoutMs / 1000}s`);
    }
    const objs = await listResult(plane, inputs);
    const fp = fingerprint(objs);
    if (fp === prev) return objs;
    prev = fp;
    if (Date.now() > deadline) throw new Error(`no fixed point within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** `denative render`. */
export async function renderCommand(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseRenderArgs(args);
  } catch (e) {
    console.error(`render: ${(e as Error).message}`);
    console.error(
      "usage: denative render -f FILE [-f FILE …] [--ingress-class CLASS] [--domain DOMAIN] [-o yaml|json] [--resolve-digests] [--timeout SECONDS] [--plugin FILE.wasm[=sha256] …]",
    );
    return 2;
  }
  const inputs: KubeObject[] = [];
  try {
    for (const f of opts.files) {
      const text = f === "-"
        ? await new Response(Deno.stdin.readable).text()
        : await Deno.readTextFile(f);
      inputs.push(...parseObjects(text, f));
    }
  } catch (e) {
    console.error(`render: ${(e as Error).message}`);
    return 1;
  }
  try {
    const list = await render(inputs, opts);
    await Deno.stdout.write(new TextEncoder().encode(formatList(list, opts.output)));
    return 0;
  } catch (e) {
    console.error(`render: ${(e as Error).message}`);
    return 1;
  }
}

/** Options of {@link render}. */
export interface RenderOptions {
  /** Default ingress class. */
  ingressClass?: string;
  /** Default domain. */
  domain?: string;
  /** Resolve image digests. */
  resolveDigests?: boolean;
  /** Fixed-point timeout (ms). */
  timeoutMs?: number;
  /** WebAssembly ingress plugin specs (`FILE.wasm[=sha256]`). */
  plugins?: string[];
}

/**
 * Applies `inputs` to a fresh in-memory control plane, runs the controllers
 * to a fixed point and returns the cleaned, sorted `v1 List`. An input the
 * API rejects (admission) throws with the server's message.
 */
export async function render(inputs: KubeObject[], opts: RenderOptions = {}): Promise<KubeObject> {
  const plane = await startLocalPlane({
    ingressClass: opts.ingressClass ?? DEFAULT_RENDER_INGRESS_CLASS,
    domain: opts.domain,
    resolveDigests: opts.resolveDigests,
    plugins: opts.plugins,
  });
  try {
    for (const obj of inputs) {
      const o = structuredClone(obj);
      o.metadata.namespace ??= "default";
      await createIfAbsent(plane.client, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: o.metadata.namespace },
      });
      try {
        await plane.client.create(o);
      } catch (e) {
        throw new Error(`${o.kind} "${o.metadata.name}": ${(e as Error).message}`);
      }
    }
    const objs = await settle(plane, inputs, opts.timeoutMs ?? 60_000);
    const generated: KubeObject[] = [];
    for (const kind of ["ReplicaSet", "Pod"]) {
      const apiVersion = kind === "Pod" ? "v1" : "apps/v1";
      generated.push(...(await plane.client.list({ apiVersion, kind })).items);
    }
    return renderList(objs, generated);
  } finally {
    await plane.stop();
  }
}

/** Parsed `dev` flags. */
export interface DevArgs {
  /** API port. */
  apiPort: number;
  /** Gateway port. */
  gatewayPort: number;
  /** Kubeconfig output path. */
  kubeconfigOut: string;
  /** Data directory (in-memory when absent). */
  dataDir?: string;
  /** WebAssembly ingress plugins (`--plugin FILE.wasm[=sha256]`, repeatable). */
  plugins: string[];
  /** Where the API server runs (`--api-thread main|worker`, default worker). */
  apiThread: "main" | "worker";
}

/** Parses `dev` flags. */
export function parseDevArgs(args: string[]): DevArgs {
  const out: DevArgs = {
    apiPort: DEFAULT_API_PORT,
    gatewayPort: DEFAULT_GATEWAY_PORT,
    kubeconfigOut: DEFAULT_KUBECONFIG_OUT,
    plugins: [],
    apiThread: "worker",
  };
  scanFlags(args, (flag, value) => {
    switch (flag) {
      case "--api-port":
        out.apiPort = portValue(flag, value);
        return true;
      case "--api-thread": {
        const v = value();
        if (v !== "main" && v !== "worker") {
          throw new Error(`--api-thread must be main or worker, not "${v}"`);
        }
        out.apiThread = v;
        return true;
      }
      case "--gateway-port":
        out.gatewayPort = portValue(flag, value);
        return true;
      case "--kubeconfig-out":
        out.kubeconfigOut = value();
        return true;
      case "--data-dir":
        out.dataDir = value();
        return true;
      case "--plugin":
        out.plugins.push(value());
        return true;
      default:
        return false;
    }
  });
  return out;
}

/** `denative dev`: runs until SIGINT/SIGTERM, then shuts down cleanly. */
export async function devCommand(args: string[]): Promise<number> {
  let opts: DevArgs;
  try {
    opts = parseDevArgs(args);
  } catch (e) {
    console.error(`dev: ${(e as Error).message}`);
    console.error(
      "usage: denative dev [--api-port N] [--gateway-port N] [--kubeconfig-out PATH] [--data-dir DIR] [--plugin FILE.wasm[=sha256] …] [--api-thread main|worker]",
    );
    return 2;
  }
  let apiFailed = (e: Error) => console.error(`denative dev: ${e.message}`);
  const plane = await startLocalPlane({
    apiPort: opts.apiPort,
    gatewayPort: opts.gatewayPort,
    kubeconfigOut: opts.kubeconfigOut,
    dataDir: opts.dataDir,
    plugins: opts.plugins,
    apiThread: opts.apiThread,
    onApiFailed: (e) => apiFailed(e),
  });
  console.log(`denative dev: API server  ${plane.api.url}`);
  console.log(`denative dev: gateway     ${plane.gateway!.url}`);
  console.log(`denative dev: kubeconfig  ${opts.kubeconfigOut}`);
  console.log(
    `denative dev: try  kubectl --kubeconfig ${opts.kubeconfigOut} apply -f examples/helloworld-go.yaml`,
  );
  const failed = new Promise<number>((resolve) => {
    apiFailed = (e) => {
      console.error(`denative dev: ${e.message}; stopping`);
      plane.stop().catch(() => {}).finally(() => resolve(1));
    };
  });
  return await Promise.race([
    failed,
    waitForShutdown({
      stop: () => {
        console.log("denative dev: shutting down");
        return plane.stop();
      },
    }),
  ]);
}

/** Parsed `controller` flags. */
export interface ControllerArgs {
  /** Kubeconfig path (default: KUBECONFIG, ~/.kube/config, or in-cluster). */
  kubeconfig?: string;
  /** Context name. */
  context?: string;
  /** Serve the admission webhook (default true). */
  webhook: boolean;
  /** Health and metrics port (default 8080; 0 = any). */
  healthPort: number;
  /** Webhook port (default 8443). */
  webhookPort: number;
  /**
   * Address the webhook listens on and names in its serving certificate
   * (default: all addresses, certificate for the in-cluster Service names).
   * Set it when the API server calls the webhook by URL, e.g. `127.0.0.1`.
   */
  webhookHost?: string;
  /** WebAssembly ingress plugins (`--plugin FILE.wasm[=sha256]`, repeatable). */
  plugins: string[];
}

/** Parses `controller` flags. */
export function parseControllerArgs(args: string[]): ControllerArgs {
  const out: ControllerArgs = { webhook: true, healthPort: 8080, webhookPort: 8443, plugins: [] };
  scanFlags(args, (flag, value) => {
    switch (flag) {
      case "--kubeconfig":
        out.kubeconfig = value();
        return true;
      case "--context":
        out.context = value();
        return true;
      case "--no-webhook":
        out.webhook = false;
        return true;
      case "--health-port":
        out.healthPort = portValue(flag, value, false);
        return true;
      case "--webhook-port":
        out.webhookPort = portValue(flag, value, false);
        return true;
      case "--webhook-host":
        out.webhookHost = value();
        return true;
      case "--plugin":
        out.plugins.push(value());
        return true;
      default:
        return false;
    }
  });
  return out;
}

/**
 * `denative controller`: every controller against a real cluster, with
 * leader election (a `coordination.k8s.io` Lease in the system namespace),
 * `/healthz`, `/readyz` and `/metrics`, and the admission webhook unless
 * `--no-webhook`. Runs until SIGINT/SIGTERM.
 */
export async function controllerCommand(args: string[]): Promise<number> {
  let opts: ControllerArgs;
  try {
    opts = parseControllerArgs(args);
  } catch (e) {
    console.error(`controller: ${(e as Error).message}`);
    console.error(
      "usage: denative controller [--kubeconfig PATH] [--context NAME] [--no-webhook] [--health-port N] [--webhook-port N] [--webhook-host ADDR] [--plugin FILE.wasm[=sha256] …]",
    );
    return 2;
  }
  const inCluster = !opts.kubeconfig && !Deno.env.get("KUBECONFIG") &&
    !!Deno.env.get("KUBERNETES_SERVICE_HOST");
  const client = await HttpKubeClient.fromConfig({
    kubeconfig: opts.kubeconfig,
    context: opts.context,
    inCluster,
  });
  let wasm: WasmIngressProvider[];
  try {
    wasm = await loadPlugins(opts.plugins);
  } catch (e) {
    console.error(`controller: ${(e as Error).message}`);
    client.close();
    return 1;
  }
  const registry = defaultProviderRegistry();
  for (const p of wasm) registry.register(p);
  const manager = new Manager({
    client,
    plugins: servingPlugins({ resolveDigests: true, ingressRegistry: registry }),
    configMaps: [...servingConfigMapSpecs(), ...networkingConfigMapSpecs()],
    systemNamespace: SYSTEM_NAMESPACE,
    leaderElection: {
      leaseName: "denative-controller",
      identity: `${Deno.hostname()}_${crypto.randomUUID()}`,
    },
    onLeadershipLost: () => {
      console.error("controller: leader election lost; exiting");
      Deno.exit(1);
    },
  });
  const health = serveHealth(manager, { port: opts.healthPort, hostname: "0.0.0.0" });
  const webhook = opts.webhook
    ? await startWebhook({
      client,
      namespace: SYSTEM_NAMESPACE,
      port: opts.webhookPort,
      ...(opts.webhookHost ? { hostname: opts.webhookHost, hosts: [opts.webhookHost] } : {}),
    })
    : undefined;
  await manager.start();
  console.error(
    `controller: running against ${client.server}; health on :${health.port}${
      webhook ? `, webhook on :${webhook.port}` : ""
    }`,
  );
  return await waitForShutdown({
    stop: async () => {
      await manager.stop();
      await webhook?.close();
      await health.shutdown();
      closePlugins(wasm);
      client.close();
    },
  });
}
