/**
 * `meta.k8s.io/v1` Table output for `kubectl get`.
 * @module
 */
import type { KubeObject } from "../runtime/mod.ts";
import type { PrinterColumn, ResourceType, VersionInfo } from "./registry.ts";
import { jsonPath } from "./selectors.ts";

/** A table column definition. */
export interface TableColumn {
  /** Column name. */
  name: string;
  /** Type. */
  type: string;
  /** Format. */
  format: string;
  /** Description. */
  description: string;
  /** Priority (0 shown by default, >0 with `-o wide`). */
  priority: number;
}

/** Human-readable age as kubectl prints it (`5s`, `3m`, `2d`). */
export function age(ts: string | undefined, nowMs = Date.now()): string {
  if (!ts) return "<unknown>";
  const s = Math.max(0, Math.floor((nowMs - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ""}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

const col = (name: string, type = "string", priority = 0, format = ""): TableColumn => ({
  name,
  type,
  format,
  description: name,
  priority,
});

// deno-lint-ignore no-explicit-any
type Any = any;

function builtinColumns(
  t: ResourceType,
): { cols: TableColumn[]; cells: (o: Any) => unknown[] } | undefined {
  const k = `${t.group}/${t.kind}`;
  switch (k) {
    case "/Pod":
      return {
        cols: [col("Ready"), col("Status"), col("Restarts", "string"), col("IP", "string", 1)],
        cells: (o) => {
          const cs: Any[] = o.status?.containerStatuses ?? [];
          const total = o.spec?.containers?.length ?? cs.length;
          const ready = cs.filter((c) => c.ready).length;
          const waiting = cs.find((c) => c.state?.waiting)?.state?.waiting?.reason;
          return [
            `${ready}/${total}`,
            waiting ?? o.status?.phase ?? "Pending",
            "0",
            o.status?.podIP ?? "<none>",
          ];
        },
      };
    case "apps/Deployment":
      return {
        cols: [col("Ready"), col("Up-to-date", "integer"), col("Available", "integer")],
        cells: (o) => [
          `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
          o.status?.updatedReplicas ?? 0,
          o.status?.availableReplicas ?? 0,
        ],
      };
    case "apps/ReplicaSet":
      return {
        cols: [col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer")],
        cells: (
          o,
        ) => [o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0],
      };
    case "/Service":
      return {
        cols: [col("Type"), col("Cluster-IP"), col("External-IP"), col("Port(s)")],
        cells: (o) => [
          o.spec?.type ?? "ClusterIP",
          o.spec?.clusterIP ?? "<none>",
          o.spec?.externalName ?? "<none>",
          (o.spec?.ports ?? []).map((p: Any) => `${p.port}/${p.protocol ?? "TCP"}`).join(",") ||
          "<none>",
        ],
      };
    case "/ConfigMap":
      return {
        cols: [col("Data", "integer")],
        cells: (o) => [Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length],
      };
    case "/Secret":
      return {
        cols: [col("Type"), col("Data", "integer")],
        cells: (o) => [o.type ?? "Opaque", Object.keys(o.data ?? {}).length],
      };
    case "/Namespace":
      return { cols: [col("Status")], cells: (o) => [o.status?.phase ?? "Active"] };
    case "/Endpoints":
      return {
        cols: [col("Endpoints")],
        cells: (o) => {
          const eps: string[] = [];
          for (const s of o.subsets ?? []) {
            for (const a of s.addresses ?? []) {
              for (const p of s.ports ?? [{}]) eps.push(p.port ? `${a.ip}:${p.port}` : a.ip);
            }
          }
          return [eps.join(",") || "<none>"];
        },
      };
    case "/Event":
      return {
        cols: [col("Type"), col("Reason"), col("Object"), col("Message")],
        cells: (
          o,
        ) => [
          o.type,
          o.reason,
          `${(o.involvedObject?.kind ?? "").toLowerCase()}/${o.involvedObject?.name ?? ""}`,
          o.message,
        ],
      };
    case "apiextensions.k8s.io/CustomResourceDefinition":
      return { cols: [col("Created At", "date")], cells: (o) => [o.metadata.creationTimestamp] };
    case "coordination.k8s.io/Lease":
      return { cols: [col("Holder")], cells: (o) => [o.spec?.holderIdentity ?? ""] };
  }
  return undefined;
}

/** Builds a Table for objects of one type/version. */
export function toTable(
  t: ResourceType,
  v: VersionInfo,
  items: KubeObject[],
  rv: string,
  extra?: { continue?: string; remainingItemCount?: number },
): Record<string, unknown> {
  const cols: TableColumn[] = [{
    ...col("Name"),
    format: "name",
    description: "Name must be unique within a namespace.",
  }];
  let cellsOf: (o: KubeObject) => unknown[];
  const printer: PrinterColumn[] | undefined = v.printerColumns;
  if (!t.builtin && printer?.length) {
    for (const p of printer) {
      cols.push({
        ...col(p.name, p.type === "date" ? "date" : p.type, p.priority ?? 0, p.format ?? ""),
        description: p.description ?? "",
      });
    }
    // like kube: with additionalPrinterColumns only Name and those columns are shown
    cellsOf = (o) => {
      const cells: unknown[] = [o.metadata.name];
      for (const p of printer) {
        const val = jsonPath(o, p.jsonPath)[0];
        const plain = typeof val === "object" && val !== null ? JSON.stringify(val) : val;
        if (p.type === "date") cells.push(typeof val === "string" ? age(val) : "<unknown>");
        else cells.push(val === undefined ? null : plain);
      }
      return cells;
    };
  } else {
    const b = builtinColumns(t);
    if (b) cols.push(...b.cols);
    const withAge = !b || b.cols[0]?.type !== "date";
    if (withAge) cols.push(col("Age", "date"));
    cellsOf = (o) => {
      const base = b ? b.cells(o) : [];
      return [o.metadata.name, ...base, ...(withAge ? [age(o.metadata.creationTimestamp)] : [])];
    };
  }
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: {
      resourceVersion: rv,
      ...(extra?.continue ? { continue: extra.continue } : {}),
      ...(extra?.remainingItemCount ? { remainingItemCount: extra.remainingItemCount } : {}),
    },
    columnDefinitions: cols,
    rows: items.map((o) => ({
      cells: cellsOf(o),
      object: {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: o.metadata,
      },
    })),
  };
}
