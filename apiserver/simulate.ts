/**
 * Workload simulation in place of a kubelet: a deployment controller that
 * creates a ReplicaSet and Pods (loopback IPs) and reports Deployment status,
 * and an endpoints controller for Services with selectors. Images on the
 * registry `fail.local` never become ready (ImagePullBackOff) and the
 * Deployment reports ProgressDeadlineExceeded after progressDeadlineSeconds.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";
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
  const s = JSON.stringify(template ?? {});
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
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
        this.#podChanged(ns, e.object, e.old);
        const owner = e.object.metadata.ownerReferences?.find((r) => r.kind === "ReplicaSet");
        if (owner && e.kind === "DELETED") this.#schedule(`rs/${ns}/${owner.name}`, this.#delayMs);
      } else if (e.type === typeKey("apps", "replicasets") && e.kind !== "DELETED") {
        const owner = e.object.metadata.ownerReferences?.find((r) => r.kind === "Deployment");
        if (owner) this.#schedule(`d/${ns}/${owner.name}`, this.#delayMs);
      }
    });
    for (const svc of this.#api.store.list(typeKey("", "services"))) this.#indexService(svc);
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

  /** Stops the simulator and waits for in-flight work. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsub();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await this.#chain;
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
    for (const rs of api.store.list(typeKey("apps", "replicasets"), ns)) {
      if (rs.metadata.name === rsName || rs.metadata.deletionTimestamp) continue;
      if (!rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid)) continue;
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
    let pods = api.store.list(typeKey("", "pods"), ns).filter((p) =>
      p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid) &&
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
      pods.push(
        await api.systemWrite(
          podT,
          this.#pod(ns, rs, podLabels, template.spec ?? {}, fail),
          "ADDED",
        ),
      );
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

  #pod(
    ns: string,
    rs: Any,
    labels: Record<string, string>,
    podSpec: Any,
    fail: string | undefined,
  ): KubeObject {
    const chars = "bcdfghjklmnpqrstvwxz2456789";
    let sfx = "";
    for (let i = 0; i < 5; i++) sfx += chars[Math.floor(Math.random() * chars.length)];
    const n = ++this.#ip;
    const ip = `127.2.${(n >> 8) & 255}.${n & 255}`;
    const t = now();
    const ready = !fail;
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${rs.metadata.name}-${sfx}`,
        namespace: ns,
        labels,
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
      status: {
        phase: ready ? "Running" : "Pending",
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
            ...(ready
              ? {}
              : { reason: "ContainersNotReady", message: "containers with unready status" }),
          },
        ],
        containerStatuses: (podSpec.containers ?? []).map((c: Any) => {
          const bad = typeof c.image === "string" && c.image.startsWith("fail.local/");
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
      },
    };
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
