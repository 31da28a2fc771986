/**
 * Webhook defaulting of the serving v1 types (`*_defaults.go`,
 * `metadata_validation.go` SetUserInfo). Functions mutate and return the object.
 * @module
 */
import { deepCopy, type ObjectMeta } from "../../../runtime/mod.ts";
import type { ApiContext } from "../../context.ts";
import { featureOn } from "../../config/features.ts";
import { renderTemplate } from "../../config/network.ts";
import { childName } from "../../k8s_names.ts";
import { CREATOR_ANNOTATION, UPDATER_ANNOTATION } from "../register.ts";
import type {
  Configuration,
  ConfigurationSpec,
  Container,
  Probe,
  Revision,
  RevisionSpec,
  Route,
  RouteSpec,
  Service,
} from "./types.ts";

function nameFromTemplate(tpl: string, parent: ObjectMeta | undefined): string {
  try {
    return renderTemplate(tpl, {
      Name: parent?.name ?? "",
      Namespace: parent?.namespace ?? "",
      GenerateName: parent?.generateName ?? "",
      Labels: parent?.labels ?? {},
      Annotations: parent?.annotations ?? {},
    });
  } catch {
    return tpl;
  }
}

function hasHandler(p: Probe): boolean {
  return !!(p.tcpSocket || p.httpGet || p.exec || p.grpc);
}

function applyProbeThresholds(p: Probe): void {
  if (!p.successThreshold) p.successThreshold = 1;
  if (p.periodSeconds) {
    if (!p.failureThreshold) p.failureThreshold = 3;
    if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  }
}

function applyGrpcDefaults(c: Container): void {
  for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
    if (p?.grpc && p.grpc.service === undefined) p.grpc.service = "";
  }
}

function applyContainerNames(
  containers: Container[],
  names: Set<string>,
  defaultName: string,
): void {
  let next = 0;
  for (const c of containers) {
    if (c.name) continue;
    let name = defaultName;
    if (containers.length > 1 || names.has(name)) {
      do {
        name = childName(defaultName, `-${next}`);
        next++;
      } while (names.has(name));
    }
    c.name = name;
    names.add(name);
  }
}

function applyResources(ctx: ApiContext, c: Container): void {
  const d = ctx.defaults;
  const res = c.resources ??= {};
  const fill = (
    kind: "requests" | "limits",
    vals: [string, string | undefined][],
  ) => {
    for (const [k, v] of vals) {
      if (v === undefined || v === "") continue;
      const m = res[kind] ??= {};
      if (!(k in m)) m[k] = v;
    }
  };
  fill("requests", [
    ["cpu", d.revisionCpuRequest],
    ["memory", d.revisionMemoryRequest],
    ["ephemeral-storage", d.revisionEphemeralStorageRequest],
  ]);
  fill("limits", [
    ["cpu", d.revisionCpuLimit],
    ["memory", d.revisionMemoryLimit],
    ["ephemeral-storage", d.revisionEphemeralStorageLimit],
  ]);
}

function applySecureDefaults(ctx: ApiContext, c: Container): void {
  const mode = ctx.features["secure-pod-defaults"];
  if (mode === "Disabled" || mode === undefined) return;
  const sc = (c.securityContext ??= {}) as Record<string, unknown>;
  if (sc.allowPrivilegeEscalation === undefined) sc.allowPrivilegeEscalation = false;
  if (sc.seccompProfile === undefined) sc.seccompProfile = { type: "RuntimeDefault" };
  const caps = (sc.capabilities ??= {}) as { drop?: string[]; add?: string[] };
  if (!caps.drop) caps.drop = ["ALL"];
  if ((c.ports ?? []).some((p) => p.containerPort < 1024)) {
    caps.add ??= [];
    if (!caps.add.includes("NET_BIND_SERVICE")) caps.add.push("NET_BIND_SERVICE");
  }
  if (mode === "Enabled" && sc.runAsNonRoot === undefined) sc.runAsNonRoot = true;
}

/** RevisionSpec.SetDefaults. `create` controls enableServiceLinks. */
export function setRevisionSpecDefaults(
  ctx: ApiContext,
  spec: RevisionSpec,
  parent: ObjectMeta | undefined,
  create: boolean,
): RevisionSpec {
  const d = ctx.defaults;
  if (!spec.timeoutSeconds) spec.timeoutSeconds = d.revisionTimeoutSeconds;
  if (
    spec.idleTimeoutSeconds === undefined && d.revisionIdleTimeoutSeconds !== 0 &&
    d.revisionIdleTimeoutSeconds < spec.timeoutSeconds
  ) spec.idleTimeoutSeconds = d.revisionIdleTimeoutSeconds;
  if (
    spec.responseStartTimeoutSeconds === undefined &&
    d.revisionResponseStartTimeoutSeconds !== 0 &&
    d.revisionResponseStartTimeoutSeconds < spec.timeoutSeconds
  ) spec.responseStartTimeoutSeconds = d.revisionResponseStartTimeoutSeconds;
  if (spec.containerConcurrency === undefined) spec.containerConcurrency = d.containerConcurrency;
  if (create && spec.enableServiceLinks === undefined && d.enableServiceLinks !== undefined) {
    spec.enableServiceLinks = d.enableServiceLinks;
  }
  const containers = spec.containers ?? [];
  const inits = spec.initContainers ?? [];
  const names = new Set<string>(
    [...containers, ...inits].map((c) => c.name ?? "").filter((n) => n !== ""),
  );
  applyContainerNames(containers, names, nameFromTemplate(d.userContainerNameTemplate, parent));
  applyContainerNames(inits, names, nameFromTemplate(d.initContainerNameTemplate, parent));
  const servingIdx = containers.length === 1 ? 0 : containers.findIndex((c) => c.ports?.length);
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  containers.forEach((c, i) => {
    applyResources(ctx, c);
    if (i === servingIdx) {
      const p = c.readinessProbe ??= {};
      if (!hasHandler(p)) p.tcpSocket = {};
      applyProbeThresholds(p);
    } else if (c.readinessProbe) applyProbeThresholds(c.readinessProbe);
    applyGrpcDefaults(c);
    applySecureDefaults(ctx, c);
  });
  for (const c of inits) applyGrpcDefaults(c);
  for (const c of [...containers, ...inits]) {
    for (const vm of c.volumeMounts ?? []) {
      const v = volumes.get(vm.name);
      if (v && !v.emptyDir && !v.persistentVolumeClaim && !v.ephemeral) vm.readOnly = true;
    }
  }
  return spec;
}

/** TrafficTarget / RouteSpec defaults; `inService` adds the default target. */
export function setRouteSpecDefaults(spec: RouteSpec, inService: boolean): RouteSpec {
  if ((!spec.traffic || spec.traffic.length === 0) && inService) {
    spec.traffic = [{ percent: 100, latestRevision: true }];
  }
  for (const t of spec.traffic ?? []) {
    if (t.latestRevision === undefined) t.latestRevision = !t.revisionName;
    if (t.percent === undefined) t.percent = 0;
  }
  return spec;
}

function setConfigurationSpecDefaults(
  ctx: ApiContext,
  spec: ConfigurationSpec,
  parent: ObjectMeta,
  prev: ConfigurationSpec | undefined,
): void {
  const tname = spec.template?.metadata?.name;
  if (ctx.operation === "UPDATE" && prev && tname && tname === prev.template?.metadata?.name) {
    return;
  }
  spec.template ??= { spec: {} };
  spec.template.spec ??= {};
  setRevisionSpecDefaults(ctx, spec.template.spec, parent, ctx.operation !== "UPDATE");
}

/** SetUserInfo: creator/lastModifier annotations from the requesting user. */
export function setUserInfo(
  ctx: ApiContext,
  oldSpec: unknown,
  newSpec: unknown,
  meta: ObjectMeta,
): void {
  const user = ctx.userInfo?.username;
  if (!user) return;
  const anns = meta.annotations ?? {};
  if (ctx.operation === "UPDATE") {
    if (semanticEqual(oldSpec, newSpec)) return;
    anns[UPDATER_ANNOTATION] = user;
  } else {
    anns[CREATOR_ANNOTATION] = user;
    anns[UPDATER_ANNOTATION] = user;
  }
  meta.annotations = anns;
}

/** Deep equality of JSON values, treating absent and undefined alike. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

/** Service.SetDefaults. Returns a defaulted copy. */
export function setServiceDefaults(ctx: ApiContext, svc: Service): Service {
  const s = deepCopy(svc);
  s.spec ??= { template: { spec: {} } };
  const prev = ctx.operation === "UPDATE" ? (ctx.baseline as Service | undefined) : undefined;
  setConfigurationSpecDefaults(ctx, s.spec, s.metadata, prev?.spec);
  setRouteSpecDefaults(s.spec, true);
  setUserInfo(ctx, prev?.spec, s.spec, s.metadata);
  return s;
}

/** Configuration.SetDefaults. Returns a defaulted copy. */
export function setConfigurationDefaults(ctx: ApiContext, cfg: Configuration): Configuration {
  const c = deepCopy(cfg);
  c.spec ??= { template: { spec: {} } };
  const prev = ctx.operation === "UPDATE" ? (ctx.baseline as Configuration | undefined) : undefined;
  setConfigurationSpecDefaults(ctx, c.spec, c.metadata, prev?.spec);
  if (!c.metadata.ownerReferences?.length) setUserInfo(ctx, prev?.spec, c.spec, c.metadata);
  return c;
}

/** Route.SetDefaults. Returns a defaulted copy. */
export function setRouteDefaults(ctx: ApiContext, route: Route): Route {
  const r = deepCopy(route);
  r.spec ??= {};
  setRouteSpecDefaults(r.spec, false);
  const prev = ctx.operation === "UPDATE" ? (ctx.baseline as Route | undefined) : undefined;
  if (!r.metadata.ownerReferences?.length) setUserInfo(ctx, prev?.spec, r.spec, r.metadata);
  return r;
}

/** Revision.SetDefaults (skipped on update). Returns a defaulted copy. */
export function setRevisionDefaults(ctx: ApiContext, rev: Revision): Revision {
  const r = deepCopy(rev);
  if (ctx.operation === "UPDATE") return r;
  r.spec ??= {};
  setRevisionSpecDefaults(ctx, r.spec, r.metadata, true);
  return r;
}

/** Whether the feature gating a PodSpec field is on (used by validation). */
export function podFieldAllowed(ctx: ApiContext, feature: string): boolean {
  return featureOn(ctx.features, feature);
}
