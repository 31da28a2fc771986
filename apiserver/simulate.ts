/**
 * Workload simulation in place of a kubelet: a deployment controller that
 * creates a ReplicaSet and Pods (loopback IPs) and reports Deployment status,
 * and an endpoints controller for Services with selectors. Images on the
 * registry `fail.local` never become ready (ImagePullBackOff) and the
 * Deployment reports ProgressDeadlineExceeded after progressDeadlineSeconds.
 *
 * A Pod whose template carries the annotation
 * {@link LOCAL_UPSTREAM_ANNOTATION} (`"127.0.0.1:PORT"`) runs a TCP relay as
 * its "containers": every declared TCP `containerPort` listens on the Pod's
 * IP and forwards each connection to that loopback upstream, so whatever
 * reads the Endpoints (the ServerlessService controller, the local gateway)
 * reaches a real local server unchanged. A value that is malformed or not
 * loopback, or a port that cannot be bound, fails the Pod's containers
 * (exit code 1 with the reason as termination message, a Warning event).
 * @module
 */
import { copyConn, fnv1a, type KubeObject } from "../runtime/mod.ts";
import type { Api, RequestContext } from "./api.ts";
import { type ResourceType, storageVersion, typeKey } from "./registry.ts";
import { matchLabels } from "./selectors.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
type SelectorReqs = { key: string; op: "="; values: string[] }[];

const SYS: RequestContext = {
  user: { username: "system:serviceaccount:kube-system:deployment-controller" },
  dryRun: false,
  fieldManager: "kube-controller-manager",
};

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

/** Stable short hash of a pod template, as pod-template-hash. */
export function templateHash(template: unknown): string {
  const h = fnv1a(JSON.stringify(template ?? {}));
  const chars = "bcdfghjklmnpqrstvwxz2456789";
  let out = "";
  let x = h;
  for (let i = 0; i < 10; i++) {
    out += chars[x % chars.length];
    x = Math.floor(x / chars.length);
    if (x === 0) x = (Math.imul(h, i + 7) >>> 0) || 1;
  }
  return out;
}

/** True when a pod spec references an image on the `fail.local` registry. */
export function failingImage(spec: Any): string | undefined {
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    if (typeof c.image === "string" && c.image.startsWith("fail.local/")) return c.image;
  }
  return undefined;
}

/** Pod template annotation naming the loopback server a simulated Pod relays to. */
export const LOCAL_UPSTREAM_ANNOTATION = "serving.denative.dev/local-upstream";

/** A parsed {@link LOCAL_UPSTREAM_ANNOTATION} value: an address, or why it is refused. */
export type LocalUpstream =
  | { hostname: string; port: number; error?: undefined }
  | { error: string };

/**
 * Parses a {@link LOCAL_UPSTREAM_ANNOTATION} value: `IPv4:PORT` in
 * 127.0.0.0/8 or `[::1]:PORT`, port 1-65535. Host names (even `localhost`)
 * and every other address are refused with a message saying what to write.
 */
export function parseLocalUpstream(value: string): LocalUpstream {
  const v = value.trim();
  const what = `annotation ${LOCAL_UPSTREAM_ANNOTATION}=${JSON.stringify(value)}`;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    return {
      error: `${what} is not HOST:PORT with a loopback IP and a port in 1-65535 ` +
        `(for example "127.0.0.1:8080" or "[::1]:8080")`,
    };
  }
  const host = m[1] ?? m[2];
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  const octets = m[2] !== undefined ? v4?.slice(1).map(Number) : undefined;
  if (octets?.every((o) => o <= 255) && octets[0] === 127) {
    return { hostname: octets.join("."), port };
  }
  if (m[1] !== undefined && isV6Loopback(host)) return { hostname: "::1", port };
  return {
    error: `${what} is refused: the local control plane relays only to loopback ` +
      `addresses (127.0.0.0/8 or [::1]); start the server on 127.0.0.1 and use "127.0.0.1:PORT"`,
  };
}

function isV6Loopback(h: string): boolean {
  if (h === "::1") return true;
  const parts = h.split("::");
  if (parts.length > 2) return false;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(parts[0]), tail = parts.length === 2 ? groups(parts[1]) : [];
  const n = head.length + tail.length;
  if (parts.length === 1 ? n !== 8 : n > 7) return false;
  const all = [...head, ...Array(8 - n).fill("0"), ...tail];
  return all.every((g, i) => /^[0-9A-Fa-f]{1,4}$/.test(g) && parseInt(g, 16) === (i === 7 ? 1 : 0));
}

/** Pod addresses tried for a relay whose ports are in use before the Pod fails. */
const RELAY_ADDRESS_ATTEMPTS = 8;

/** The TCP container ports of a pod spec, deduplicated, in declaration order. */
function tcpContainerPorts(spec: Any): number[] {
  const out: number[] = [];
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      const n = Number(p.containerPort);
      if ((p.protocol ?? "TCP") === "TCP" && Number.isInteger(n) && n > 0 && !out.includes(n)) {
        out.push(n);
      }
    }
  }
  return out;
}

/**
 * Status of a new simulated Pod: Running and Ready; Pending with
 * ImagePullBackOff for a `fail.local` image; with `relayError`, Running but
 * every container failed (exit code 1, the error as termination message,
 * CrashLoopBackOff), as the kubelet reports a container that exits at start.
 */
function podStatus(podSpec: Any, podName: string, ip: string, opts: { relayError?: string }): Any {
  const t = now();
  const fail = failingImage(podSpec);
  const crashed = !fail && opts.relayError !== undefined;
  const ready = !fail && !crashed;
  const containers: Any[] = podSpec.containers ?? [];
  return {
    phase: ready || crashed ? "Running" : "Pending",
    podIP: ip,
    podIPs: [{ ip }],
    hostIP: "127.0.0.1",
    startTime: t,
    conditions: [
      { type: "PodScheduled", status: "True", lastTransitionTime: t },
      { type: "Initialized", status: "True", lastTransitionTime: t },
      { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: t },
      {
        type: "Ready",
        status: ready ? "True" : "False",
        lastTransitionTime: t,
        ...(ready ? {} : {
          reason: "ContainersNotReady",
          message: crashed
            ? `containers with unready status: [${containers.map((c) => c.name).join(" ")}]`
            : "containers with unready status",
        }),
      },
    ],
    containerStatuses: containers.map((c: Any) => {
      const bad = typeof c.image === "string" && c.image.startsWith("fail.local/");
      if (crashed) {
        return {
          name: c.name,
          image: c.image,
          imageID: "",
          ready: false,
          started: false,
          restartCount: 1,
          state: {
            waiting: {
              reason: "CrashLoopBackOff",
              message: `back-off 10s restarting failed container=${c.name} pod=${podName}`,
            },
          },
          lastState: {
            terminated: {
              exitCode: 1,
              reason: "Error",
              message: opts.relayError,
              startedAt: t,
              finishedAt: t,
            },
          },
        };
      }
      return {
        name: c.name,
        image: c.image,
        imageID: "",
        ready: !bad && ready,
        started: !bad && ready,
        restartCount: 0,
        state: bad
          ? {
            waiting: {
              reason: "ImagePullBackOff",
              message: `Back-off pulling image "${c.image}"`,
            },
          }
          : ready
          ? { running: { startedAt: t } }
          : { waiting: { reason: "PodInitializing" } },
      };
    }),
  };
}

/** A simulated Pod's containers: listeners on the Pod IP relaying to one loopback upstream. */
class Relay {
  #listeners: Deno.TcpListener[] = [];
  #conns = new Set<Deno.Conn>();
  #tasks = new Set<Promise<void>>();
  #upstream: { hostname: string; port: number };
  #closed = false;

  /** Binds every port on `ip`; throws (having closed what it bound) when one cannot be bound. */
  constructor(ip: string, ports: number[], upstream: { hostname: string; port: number }) {
    this.#upstream = upstream;
    try {
      for (const port of ports) {
        this.#listeners.push(Deno.listen({ hostname: ip, port, transport: "tcp" }));
      }
    } catch (e) {
      for (const l of this.#listeners) l.close();
      throw e;
    }
    for (const l of this.#listeners) this.#track(this.#accept(l));
  }

  #track(p: Promise<void>): void {
    this.#tasks.add(p);
    p.finally(() => this.#tasks.delete(p));
  }

  async #accept(l: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of l) {
        if (this.#closed) {
          conn.close();
          break;
        }
        this.#track(this.#serve(conn));
      }
    } catch {
      // listener closed
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    this.#conns.add(conn);
    let up: Deno.Conn | undefined;
    try {
      up = await Deno.connect({ ...this.#upstream, transport: "tcp" });
      this.#conns.add(up);
      if (this.#closed) return;
      const a = conn, b = up;
      const fail = () => {
        for (const c of [a, b]) {
          try {
            c.close();
          } catch { /* already closed */ }
          this.#conns.delete(c);
        }
      };
      await Promise.all([copyConn(a, b).catch(fail), copyConn(b, a).catch(fail)]);
    } catch {
      // upstream not listening: the peer sees the connection closed
    } finally {
      for (const c of [conn, up]) {
        if (!c || !this.#conns.delete(c)) continue;
        try {
          c.close();
        } catch { /* already closed */ }
      }
    }
  }

  /** Closes the listeners and every relayed connection, and waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const l of this.#listeners) {
      try {
        l.close();
      } catch { /* already closed */ }
    }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    this.#conns.clear();
    while (this.#tasks.size) await Promise.all([...this.#tasks]);
  }
}

/** The workload simulator. */
export class Simulator {
  #api: Api;
  #unsub = () => {};
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  #progress = new Map<string, { hash: string; since: number }>();
  #ip = 0;
  #delayMs: number;
  /** Selector requirements of the Services with a selector, by namespace and name. */
  #selectors = new Map<string, Map<string, SelectorReqs>>();
  /** Services whose Endpoints need recomputing, by namespace. */
  #dirty = new Map<string, Set<string>>();
  #endpointsComputed = 0;
  /** Relays of Pods with {@link LOCAL_UPSTREAM_ANNOTATION}, by `namespace/name`. */
  #relays = new Map<string, Relay>();
  #eventSeq = 0;
  /** Relays being closed (a Pod went away), awaited by {@link Simulator.stop}. */
  #closing = new Set<Promise<void>>();

  /** Creates a simulator; reconciles run `delayMs` after a change. */
  constructor(api: Api, delayMs = 20) {
    this.#api = api;
    this.#delayMs = delayMs;
  }

  #t(group: string, plural: string): ResourceType {
    return this.#api.registry.get(group, plural)!;
  }

  /** Starts watching the store. */
  start(): void {
    this.#unsub = this.#api.store.subscribe((e) => {
      const ns = e.object.metadata.namespace ?? "";
      if (e.type === typeKey("apps", "deployments") && e.kind !== "DELETED") {
        this.#schedule(`d/${ns}/${e.object.metadata.name}`, this.#delayMs);
      } else if (e.type === typeKey("", "services")) {
        if (e.kind === "DELETED") {
          this.#selectors.get(ns)?.delete(e.object.metadata.name!);
          this.#dirty.get(ns)?.delete(e.object.metadata.name!);
          this.#schedule(`svcdel/${ns}/${e.object.metadata.name}`, 0, e.object);
        } else {
          this.#indexService(e.object);
          this.#markDirty(ns, e.object.metadata.name!);
        }
      } else if (e.type === typeKey("", "pods")) {
        if (e.kind === "DELETED") this.#closeRelay(`${ns}/${e.object.metadata.name}`);
        this.#podChanged(ns, e.object, e.old);
        const owner = e.object.metadata.ownerReferences?.find((r) => r.kind === "ReplicaSet");
        if (owner && e.kind === "DELETED") this.#schedule(`rs/${ns}/${owner.name}`, this.#delayMs);
      } else if (e.type === typeKey("apps", "replicasets") && e.kind !== "DELETED") {
        const owner = e.object.metadata.ownerReferences?.find((r) => r.kind === "Deployment");
        if (owner) this.#schedule(`d/${ns}/${owner.name}`, this.#delayMs);
      }
    });
    for (const svc of this.#api.store.list(typeKey("", "services"))) this.#indexService(svc);
    // Pods kept in a data directory: new IPs continue after theirs, their relays reopen.
    for (const p of this.#api.store.list(typeKey("", "pods"))) {
      const m = /^127\.2\.(\d+)\.(\d+)$/.exec((p as Any).status?.podIP ?? "");
      if (m) this.#ip = Math.max(this.#ip, Number(m[1]) * 256 + Number(m[2]));
    }
    for (const p of this.#api.store.list(typeKey("", "pods"))) {
      const value = p.metadata.annotations?.[LOCAL_UPSTREAM_ANNOTATION];
      if (value !== undefined && !p.metadata.deletionTimestamp) {
        this.#schedule(`relay/${p.metadata.namespace}/${p.metadata.name}`, 0);
      }
    }
    for (const d of this.#api.store.list(typeKey("apps", "deployments"))) {
      this.#schedule(`d/${d.metadata.namespace}/${d.metadata.name}`, this.#delayMs);
    }
  }

  /**
   * Endpoints (and EndpointSlice) computations so far, one per Service
   * recomputed: a Pod or Service change recomputes only the Services it
   * concerns, not every Service of its namespace.
   */
  get endpointsComputed(): number {
    return this.#endpointsComputed;
  }

  #indexService(svc: KubeObject): void {
    const ns = svc.metadata.namespace ?? "";
    const sel: Record<string, string> = (svc as Any).spec?.selector ?? {};
    let m = this.#selectors.get(ns);
    if (!Object.keys(sel).length) {
      m?.delete(svc.metadata.name!);
      return;
    }
    if (!m) this.#selectors.set(ns, m = new Map());
    m.set(
      svc.metadata.name!,
      Object.entries(sel).map(([key, v]) => ({ key, op: "=" as const, values: [v] })),
    );
  }

  #markDirty(ns: string, name: string): void {
    let d = this.#dirty.get(ns);
    if (!d) this.#dirty.set(ns, d = new Set());
    d.add(name);
    this.#schedule(`ep/${ns}`, this.#delayMs);
  }

  /** A Pod changed: the Services that select it (before or after) need new Endpoints. */
  #podChanged(ns: string, pod: KubeObject, old?: KubeObject): void {
    const sels = this.#selectors.get(ns);
    if (!sels) return;
    for (const [name, reqs] of sels) {
      if (
        matchLabels(reqs, pod.metadata.labels) ||
        (old !== undefined && matchLabels(reqs, old.metadata.labels))
      ) this.#markDirty(ns, name);
    }
  }

  /** Stops the simulator (closing every Pod relay) and waits for in-flight work. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsub();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await this.#chain;
    for (const key of [...this.#relays.keys()]) this.#closeRelay(key);
    await Promise.all([...this.#closing]);
  }

  #nextIp(): string {
    const n = ++this.#ip;
    return `127.2.${(n >> 8) & 255}.${n & 255}`;
  }

  #closeRelay(key: string): void {
    const r = this.#relays.get(key);
    if (!r) return;
    this.#relays.delete(key);
    const closing = r.close().catch(() => {});
    this.#closing.add(closing);
    closing.finally(() => this.#closing.delete(closing));
  }

  /**
   * Opens the relay of a Pod carrying {@link LOCAL_UPSTREAM_ANNOTATION} on
   * `ip`; returns why it cannot (invalid value, port not bindable).
   */
  #openRelay(
    key: string,
    ip: string,
    podSpec: Any,
    value: string,
  ): { error?: string; inUse?: boolean } {
    const up = parseLocalUpstream(value);
    if (up.error !== undefined) return { error: up.error };
    this.#closeRelay(key);
    const ports = tcpContainerPorts(podSpec);
    if (!ports.length) {
      return {
        error: `annotation ${LOCAL_UPSTREAM_ANNOTATION}=${JSON.stringify(value)} needs a TCP ` +
          `containerPort in the pod template: the Pod relays its declared ports to the upstream`,
      };
    }
    try {
      this.#relays.set(key, new Relay(ip, ports, up));
      return {};
    } catch (e) {
      const hint = e instanceof Deno.errors.AddrNotAvailable
        ? ` (${ip} is not configured on this machine's loopback interface; on macOS run ` +
          `"sudo ifconfig lo0 alias ${ip} up")`
        : "";
      return {
        error: `cannot listen on ${ip} (container ports ${ports.join(", ")}) to relay to ` +
          `${value} for annotation ${LOCAL_UPSTREAM_ANNOTATION}: ${(e as Error).message}${hint}`,
        inUse: e instanceof Deno.errors.AddrInUse,
      };
    }
  }

  /** After a restart: reopens a kept Pod's relay, or fails the Pod when that is impossible. */
  async #reopenRelay(ns: string, name: string): Promise<void> {
    const podT = this.#t("", "pods");
    const pod = this.#api.raw(podT, ns, name) as Any;
    const value = pod?.metadata.annotations?.[LOCAL_UPSTREAM_ANNOTATION];
    if (value === undefined || pod.metadata.deletionTimestamp || !pod.status?.podIP) return;
    const ready = pod.status.conditions?.some((c: Any) =>
      c.type === "Ready" && c.status === "True"
    );
    if (!ready) return;
    const { error } = this.#openRelay(`${ns}/${name}`, pod.status.podIP, pod.spec, value);
    if (error === undefined) return;
    const n = structuredClone(pod);
    n.status = podStatus(pod.spec, name, pod.status.podIP, { relayError: error });
    const written = await this.#api.systemWrite(podT, n, "MODIFIED");
    await this.#relayEvent(written, error);
    const owner = pod.metadata.ownerReferences?.find((r: Any) => r.kind === "ReplicaSet");
    if (owner) this.#schedule(`rs/${ns}/${owner.name}`, this.#delayMs);
  }

  /** A Warning event on a Pod whose relay cannot run, as the kubelet reports failed containers. */
  async #relayEvent(pod: KubeObject, message: string): Promise<void> {
    const t = now();
    const ns = pod.metadata.namespace!;
    await this.#api.systemWrite(this.#t("", "events"), {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${pod.metadata.name}.${
          (Date.now() * 1000 + (++this.#eventSeq % 1000)).toString(16)
        }`,
        namespace: ns,
      },
      involvedObject: {
        apiVersion: "v1",
        kind: "Pod",
        namespace: ns,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
      },
      type: "Warning",
      reason: "InvalidLocalUpstream",
      message,
      count: 1,
      firstTimestamp: t,
      lastTimestamp: t,
      source: { component: "kubelet", host: "denative-local" },
      reportingComponent: "kubelet",
    } as KubeObject, "ADDED").catch(() => {});
  }

  #schedule(key: string, delay: number, payload?: KubeObject): void {
    if (this.#stopped) return;
    const prev = this.#timers.get(key);
    if (prev !== undefined) {
      if (delay > 0) return; // already pending
      clearTimeout(prev);
    }
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        this.#chain = this.#chain.then(() => this.#run(key, payload)).catch(() => {});
      }, delay),
    );
  }

  async #run(key: string, payload?: KubeObject): Promise<void> {
    if (this.#stopped) return;
    const [kind, ns, name] = key.split("/");
    if (kind === "d") await this.#deployment(ns, name);
    else if (kind === "rs") {
      const rs = this.#api.raw(this.#t("apps", "replicasets"), ns, name);
      const owner = rs?.metadata.ownerReferences?.find((r) => r.kind === "Deployment");
      if (owner) await this.#deployment(ns, owner.name);
    } else if (kind === "ep") await this.#endpoints(ns);
    else if (kind === "relay") await this.#reopenRelay(ns, name);
    else if (kind === "svcdel" && payload) {
      if (Object.keys((payload as Any).spec?.selector ?? {}).length) {
        const epT = this.#t("", "endpoints");
        if (this.#api.raw(epT, ns, name)) {
          await this.#api.delete({ type: epT, version: storageVersion(epT) }, ns, name, {}, SYS)
            .catch(() => {});
        }
      }
    }
  }

  async #deployment(ns: string, name: string): Promise<void> {
    const api = this.#api;
    const dT = this.#t("apps", "deployments");
    const rsT = this.#t("apps", "replicasets");
    const podT = this.#t("", "pods");
    const d = api.raw(dT, ns, name) as Any;
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = d.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const template = spec.template ?? {};
    const hash = templateHash(template);
    const rsName = `${name}-${hash}`;
    const key = `${ns}/${name}`;
    let prog = this.#progress.get(key);
    if (!prog || prog.hash !== hash) this.#progress.set(key, prog = { hash, since: Date.now() });
    // old replica sets go away (their pods are collected by the garbage collector)
    for (const rs of api.store.owned(typeKey("apps", "replicasets"), d.metadata.uid)) {
      if (rs.metadata.name === rsName || rs.metadata.deletionTimestamp) continue;
      await api.delete({ type: rsT, version: storageVersion(rsT) }, ns, rs.metadata.name!, {}, SYS)
        .catch(() => {});
    }
    let rs = api.raw(rsT, ns, rsName) as Any;
    const podLabels = { ...(template.metadata?.labels ?? {}), "pod-template-hash": hash };
    if (!rs) {
      rs = await api.systemWrite(rsT, {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: rsName,
          namespace: ns,
          labels: podLabels,
          annotations: { "deployment.kubernetes.io/desired-replicas": String(replicas) },
          ownerReferences: [{
            apiVersion: "apps/v1",
            kind: "Deployment",
            name,
            uid: d.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          }],
        },
        spec: {
          replicas,
          selector: {
            matchLabels: { ...(spec.selector?.matchLabels ?? {}), "pod-template-hash": hash },
            ...(spec.selector?.matchExpressions
              ? { matchExpressions: spec.selector.matchExpressions }
              : {}),
          },
          template: { ...template, metadata: { ...(template.metadata ?? {}), labels: podLabels } },
        },
      }, "ADDED");
    } else if (rs.spec?.replicas !== replicas) {
      const n = structuredClone(rs);
      n.spec.replicas = replicas;
      n.metadata.generation = (n.metadata.generation ?? 1) + 1;
      rs = await api.systemWrite(rsT, n, "MODIFIED");
    }
    if (rs.metadata.deletionTimestamp) return;
    const fail = failingImage(template.spec);
    let pods = api.store.owned(typeKey("", "pods"), rs.metadata.uid).filter((p) =>
      !p.metadata.deletionTimestamp
    );
    for (const extra of pods.slice(replicas)) {
      await api.delete(
        { type: podT, version: storageVersion(podT) },
        ns,
        extra.metadata.name!,
        {},
        SYS,
      ).catch(() => {});
    }
    pods = pods.slice(0, replicas);
    for (let i = pods.length; i < replicas; i++) {
      const { pod, relayError } = this.#pod(ns, rs, podLabels, template, fail);
      let written: KubeObject;
      try {
        written = await api.systemWrite(podT, pod, "ADDED");
      } catch (e) {
        this.#closeRelay(`${ns}/${pod.metadata.name}`);
        throw e;
      }
      pods.push(written);
      if (relayError !== undefined) await this.#relayEvent(written, relayError);
    }
    const ready =
      pods.filter((p) =>
        (p as Any).status?.conditions?.some((c: Any) => c.type === "Ready" && c.status === "True")
      ).length;
    // replica set status
    const rsStatus = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (JSON.stringify(rs.status) !== JSON.stringify(rsStatus)) {
      const n = structuredClone(api.raw(rsT, ns, rsName)!) as Any;
      n.status = rsStatus;
      await api.systemWrite(rsT, n, "MODIFIED");
    }
    // deployment status
    const cur = api.raw(dT, ns, name) as Any;
    if (!cur) return;
    const old: Any[] = cur.status?.conditions ?? [];
    const cond = (type: string, status: string, reason: string, message: string) => {
      const prev = old.find((c) => c.type === type);
      const same = prev && prev.status === status;
      const t = now();
      return {
        type,
        status,
        lastUpdateTime: prev && same && prev.reason === reason ? prev.lastUpdateTime : t,
        lastTransitionTime: same ? prev.lastTransitionTime : t,
        reason,
        message,
      };
    };
    const deadline = (spec.progressDeadlineSeconds ?? 600) * 1000;
    const available = ready >= replicas;
    let progressing;
    if (available) {
      progressing = cond(
        "Progressing",
        "True",
        "NewReplicaSetAvailable",
        `ReplicaSet "${rsName}" has successfully progressed.`,
      );
    } else if (Date.now() - prog.since >= deadline) {
      progressing = cond(
        "Progressing",
        "False",
        "ProgressDeadlineExceeded",
        `ReplicaSet "${rsName}" has timed out progressing.`,
      );
    } else {
      progressing = cond(
        "Progressing",
        "True",
        "ReplicaSetUpdated",
        `ReplicaSet "${rsName}" is progressing.`,
      );
      this.#schedule(`d/${ns}/${name}`, Math.max(1, prog.since + deadline - Date.now()));
    }
    const status: Any = {
      observedGeneration: cur.metadata.generation ?? 1,
      replicas: pods.length,
      updatedReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(replicas - ready > 0 ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [
        available
          ? cond(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
          )
          : cond(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
          ),
        progressing,
      ],
    };
    if (ready === 0) delete status.readyReplicas;
    if (ready === 0) delete status.availableReplicas;
    if (JSON.stringify(cur.status) !== JSON.stringify(status)) {
      const n = structuredClone(cur);
      n.status = status;
      await api.systemWrite(dT, n, "MODIFIED");
    }
  }

  /**
   * A new Pod of `rs`. With {@link LOCAL_UPSTREAM_ANNOTATION} (and a pullable
   * image) its relay is opened first; `relayError` says why it could not be.
   */
  #pod(
    ns: string,
    rs: Any,
    labels: Record<string, string>,
    template: Any,
    fail: string | undefined,
  ): { pod: KubeObject; relayError?: string } {
    const chars = "bcdfghjklmnpqrstvwxz2456789";
    let sfx = "";
    for (let i = 0; i < 5; i++) sfx += chars[Math.floor(Math.random() * chars.length)];
    let ip = this.#nextIp();
    const name = `${rs.metadata.name}-${sfx}`;
    const podSpec = template.spec ?? {};
    const annotations: Record<string, string> | undefined = template.metadata?.annotations;
    const upstream = annotations?.[LOCAL_UPSTREAM_ANNOTATION];
    let relayError: string | undefined;
    // An address whose ports another process holds (another local plane, a
    // test) is skipped for the next one, a few times.
    for (let attempt = 1; upstream !== undefined && !fail; attempt++) {
      const r = this.#openRelay(`${ns}/${name}`, ip, podSpec, upstream);
      if (!r.inUse || attempt >= RELAY_ADDRESS_ATTEMPTS) {
        relayError = r.error;
        break;
      }
      ip = this.#nextIp();
    }
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: ns,
        labels,
        ...(annotations ? { annotations: { ...annotations } } : {}),
        ownerReferences: [{
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: rs.metadata.name,
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
      spec: { ...structuredClone(podSpec), nodeName: "denative-local" },
      status: podStatus(podSpec, name, ip, { relayError }),
    };
    return relayError === undefined ? { pod } : { pod, relayError };
  }

  /** Keeps one EndpointSlice `<service>-sim` per Service with a selector (owned by the Service). */
  async #slice(svc: Any, pods: Any[], isReady: (p: Any) => boolean, ports: Any[]): Promise<void> {
    const api = this.#api;
    const t = this.#t("discovery.k8s.io", "endpointslices");
    const ns = svc.metadata.namespace;
    const name = `${svc.metadata.name}-sim`;
    const desired = {
      addressType: "IPv4",
      endpoints: pods.map((p) => ({
        addresses: [p.status.podIP],
        conditions: { ready: isReady(p), serving: isReady(p), terminating: false },
        nodeName: p.spec?.nodeName,
        targetRef: { kind: "Pod", namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
      })),
      ports: ports.map((p) => ({
        ...(p.name ? { name: p.name } : { name: "" }),
        port: p.port,
        protocol: p.protocol,
      })),
    };
    const cur = api.raw(t, ns, name) as Any;
    if (!cur) {
      await api.systemWrite(t, {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          name,
          namespace: ns,
          labels: {
            "kubernetes.io/service-name": svc.metadata.name,
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
          },
          ownerReferences: [{
            apiVersion: "v1",
            kind: "Service",
            name: svc.metadata.name,
            uid: svc.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          }],
        },
        ...desired,
      }, "ADDED");
    } else if (
      JSON.stringify(cur.endpoints ?? []) !== JSON.stringify(desired.endpoints) ||
      JSON.stringify(cur.ports ?? []) !== JSON.stringify(desired.ports)
    ) {
      await api.systemWrite(t, { ...structuredClone(cur), ...desired }, "MODIFIED");
    }
  }

  async #endpoints(ns: string): Promise<void> {
    const api = this.#api;
    const epT = this.#t("", "endpoints");
    const dirty = this.#dirty.get(ns);
    if (!dirty?.size) return;
    this.#dirty.delete(ns);
    const svcT = this.#t("", "services");
    const pods = api.store.list(typeKey("", "pods"), ns).filter((p) =>
      !p.metadata.deletionTimestamp
    ) as Any[];
    for (const svcName of [...dirty].sort()) {
      const svc = api.raw(svcT, ns, svcName) as Any;
      const sel: Record<string, string> = svc?.spec?.selector ?? {};
      if (!svc || !Object.keys(sel).length || svc.metadata.deletionTimestamp) continue;
      this.#endpointsComputed++;
      const reqs = Object.entries(sel).map(([key, v]) => ({ key, op: "=" as const, values: [v] }));
      const matched = pods.filter((p) => matchLabels(reqs, p.metadata.labels) && p.status?.podIP);
      const isReady = (p: Any) =>
        p.status?.conditions?.some((c: Any) => c.type === "Ready" && c.status === "True");
      const addr = (p: Any) => ({
        ip: p.status.podIP,
        nodeName: p.spec?.nodeName,
        targetRef: { kind: "Pod", namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
      });
      const ports = (svc.spec?.ports ?? []).map((sp: Any) => {
        let port = sp.targetPort ?? sp.port;
        if (typeof port === "string") {
          for (const p of matched) {
            for (const c of p.spec?.containers ?? []) {
              const cp = (c.ports ?? []).find((x: Any) => x.name === port);
              if (cp) port = cp.containerPort;
            }
          }
        }
        return {
          ...(sp.name ? { name: sp.name } : {}),
          port: Number(port),
          protocol: sp.protocol ?? "TCP",
        };
      }).filter((p: Any) => Number.isFinite(p.port));
      const readyAddrs = matched.filter(isReady).map(addr);
      const notReady = matched.filter((p) => !isReady(p)).map(addr);
      const subsets = readyAddrs.length || notReady.length
        ? [{
          ...(readyAddrs.length ? { addresses: readyAddrs } : {}),
          ...(notReady.length ? { notReadyAddresses: notReady } : {}),
          ports,
        }]
        : [];
      await this.#slice(svc, matched, isReady, ports);
      const cur = api.raw(epT, ns, svc.metadata.name) as Any;
      const labels = svc.metadata.labels;
      if (!cur) {
        await api.systemWrite(epT, {
          apiVersion: "v1",
          kind: "Endpoints",
          metadata: { name: svc.metadata.name, namespace: ns, ...(labels ? { labels } : {}) },
          ...(subsets.length ? { subsets } : {}),
        }, "ADDED");
      } else if (JSON.stringify(cur.subsets ?? []) !== JSON.stringify(subsets)) {
        const n = structuredClone(cur);
        if (subsets.length) n.subsets = subsets;
        else delete n.subsets;
        await api.systemWrite(epT, n, "MODIFIED");
      }
    }
  }
}
