/**
 * Kubernetes `Status` errors as the local control plane returns them.
 * @module
 */
import type { StatusCause, StatusObject } from "../runtime/mod.ts";

/** An API error carrying an HTTP code and a Kubernetes `Status` reason. */
export class ApiError extends Error {
  /** HTTP status code. */
  readonly code: number;
  /** Status reason, e.g. `NotFound`. */
  readonly reason: string;
  /** Status details. */
  readonly details?: StatusObject["details"];

  /** Creates an error. */
  constructor(code: number, reason: string, message: string, details?: StatusObject["details"]) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** Renders the error as a `Status` object. */
  toStatus(): StatusObject {
    const s: StatusObject = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** Qualified resource name as used in messages (`deployments.apps`, `configmaps`). */
export function qualified(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

/** 404 NotFound. */
export function notFound(group: string, resource: string, name: string): ApiError {
  return new ApiError(404, "NotFound", `${qualified(group, resource)} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });
}

/** 409 AlreadyExists. */
export function alreadyExists(group: string, resource: string, name: string): ApiError {
  return new ApiError(
    409,
    "AlreadyExists",
    `${qualified(group, resource)} "${name}" already exists`,
    {
      name,
      group,
      kind: resource,
    },
  );
}

/** 409 Conflict (stale resourceVersion). */
export function conflict(group: string, resource: string, name: string, why?: string): ApiError {
  return new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(group, resource)} "${name}": ${
      why ??
        "the object has been modified; please apply your changes to the latest version and try again"
    }`,
    { name, group, kind: resource },
  );
}

/** 422 Invalid with field causes. */
export function invalid(
  group: string,
  kind: string,
  name: string,
  causes: StatusCause[],
): ApiError {
  const q = group ? `${kind}.${group}` : kind;
  const parts = causes.map((c) => c.field ? `${c.field}: ${c.message}` : `${c.message}`);
  const msg = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  return new ApiError(422, "Invalid", `${q} "${name}" is invalid: ${msg}`, {
    name,
    group,
    kind,
    causes,
  });
}

/** 400 BadRequest. */
export function badRequest(message: string, causes?: StatusCause[]): ApiError {
  return new ApiError(400, "BadRequest", message, causes ? { causes } : undefined);
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, "MethodNotAllowed", message);
}

/** 410 Expired: a resourceVersion older than the retained window. */
export function expired(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}

/** Renders any thrown value as an ApiError (unknown errors become 500). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof URIError) return badRequest(`malformed request path: ${e.message}`);
  const msg = e instanceof Error ? e.message : String(e);
  return new ApiError(500, "InternalError", `Internal error occurred: ${msg}`);
}
