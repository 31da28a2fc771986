/**
 * Typed Kubernetes API errors carrying the server's `Status`, plus the
 * permanent-vs-transient error split used by the reconciler shell.
 * @module
 */
import type { StatusCause, StatusObject } from "./types.ts";

/** Base class of every API error; carries the HTTP code, the reason and the server Status. */
export class KubeError extends Error {
  /** HTTP status code (e.g. 404). */
  readonly code: number;
  /** Machine-readable reason (e.g. `NotFound`). */
  readonly reason: string;
  /** The full `Status` object as sent (or synthesised). */
  readonly status: StatusObject;
  /** Creates the error from a Status. */
  constructor(status: StatusObject) {
    super(status.message ?? status.reason ?? `HTTP ${status.code ?? 500}`);
    this.name = new.target.name; // the subclass's name: NotFoundError, ConflictError, …
    this.code = status.code ?? 500;
    this.reason = status.reason ?? "InternalError";
    this.status = status;
  }
}

/** 404 NotFound. */
export class NotFoundError extends KubeError {}
/** 409 AlreadyExists. */
export class AlreadyExistsError extends KubeError {}
/** 409 Conflict (stale resourceVersion). */
export class ConflictError extends KubeError {}
/** 422 Invalid, with field causes. */
export class InvalidError extends KubeError {
  /** The field causes reported by the server. */
  readonly causes: StatusCause[];
  /** Creates the error. */
  constructor(status: StatusObject) {
    super(status);
    this.causes = status.details?.causes ?? [];
  }
}
/** 410 Gone / Expired (resourceVersion too old). */
export class GoneError extends KubeError {}
/** 403 Forbidden. */
export class ForbiddenError extends KubeError {}
/** 401 Unauthorized. */
export class UnauthorizedError extends KubeError {}
/** 504 / 408 Timeout (server timeout or a client-side request deadline). */
export class TimeoutError extends KubeError {}

/** Builds a Failure Status object. */
export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusObject["details"],
): StatusObject {
  const s: StatusObject = {
    apiVersion: "v1",
    kind: "Status",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  };
  if (details) s.details = details;
  return s;
}

/** Maps a Status (or bare HTTP code) to the matching typed error. */
export function errorFromStatus(status: StatusObject): KubeError {
  const code = status.code ?? 500;
  switch (status.reason) {
    case "NotFound":
      return new NotFoundError(status);
    case "AlreadyExists":
      return new AlreadyExistsError(status);
    case "Conflict":
      return new ConflictError(status);
    case "Invalid":
      return new InvalidError(status);
    case "Gone":
    case "Expired":
      return new GoneError(status);
    case "Forbidden":
      return new ForbiddenError(status);
    case "Unauthorized":
      return new UnauthorizedError(status);
    case "Timeout":
      return new TimeoutError(status);
  }
  switch (code) {
    case 404:
      return new NotFoundError(status);
    case 409:
      return new ConflictError(status);
    case 422:
      return new InvalidError(status);
    case 410:
      return new GoneError(status);
    case 403:
      return new ForbiddenError(status);
    case 401:
      return new UnauthorizedError(status);
    case 408:
    case 504:
      return new TimeoutError(status);
  }
  return new KubeError(status);
}

function resourceName(kind: string, name: string): string {
  return `${kind.toLowerCase()} "${name}"`;
}

/** A NotFound error as the API server words it. */
export function notFound(resource: string, name: string): NotFoundError {
  return new NotFoundError(
    failureStatus(404, "NotFound", `${resourceName(resource, name)} not found`, {
      name,
      kind: resource,
    }),
  );
}
/** An AlreadyExists error. */
export function alreadyExists(resource: string, name: string): AlreadyExistsError {
  return new AlreadyExistsError(
    failureStatus(409, "AlreadyExists", `${resourceName(resource, name)} already exists`, {
      name,
      kind: resource,
    }),
  );
}
/** A Conflict error (stale resourceVersion). */
export function conflict(resource = "object", name = ""): ConflictError {
  return new ConflictError(
    failureStatus(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${resourceName(resource, name)}: ` +
        "the object has been modified; please apply your changes to the latest version and try again",
      { name, kind: resource },
    ),
  );
}
/** An Invalid error with causes. */
export function invalid(kind: string, name: string, causes: StatusCause[]): InvalidError {
  const detail = causes.map((c) => `${c.field ?? ""}: ${c.message ?? c.reason ?? ""}`).join(", ");
  return new InvalidError(
    failureStatus(422, "Invalid", `${kind} "${name}" is invalid: ${detail}`, {
      name,
      kind,
      causes,
    }),
  );
}
/** A 410 Gone (Expired) error. */
export function gone(message = "too old resource version"): GoneError {
  return new GoneError(failureStatus(410, "Expired", message));
}
/** A 403 Forbidden error. */
export function forbidden(message = "forbidden"): ForbiddenError {
  return new ForbiddenError(failureStatus(403, "Forbidden", message));
}
/** A 401 Unauthorized error. */
export function unauthorized(message = "Unauthorized"): UnauthorizedError {
  return new UnauthorizedError(failureStatus(401, "Unauthorized", message));
}
/** A timeout error. */
export function timeout(message = "request timed out"): TimeoutError {
  return new TimeoutError(failureStatus(504, "Timeout", message));
}
/** A generic 500 error. */
export function internalError(message: string): KubeError {
  return new KubeError(failureStatus(500, "InternalError", message));
}

/** True for a 404. */
export function isNotFound(e: unknown): e is NotFoundError {
  return e instanceof NotFoundError;
}
/** True for AlreadyExists. */
export function isAlreadyExists(e: unknown): e is AlreadyExistsError {
  return e instanceof AlreadyExistsError;
}
/** True for a Conflict. */
export function isConflict(e: unknown): e is ConflictError {
  return e instanceof ConflictError;
}
/** True for Invalid. */
export function isInvalid(e: unknown): e is InvalidError {
  return e instanceof InvalidError;
}
/** True for 410 Gone / Expired. */
export function isGone(e: unknown): e is GoneError {
  return e instanceof GoneError;
}
/** True for 403. */
export function isForbidden(e: unknown): e is ForbiddenError {
  return e instanceof ForbiddenError;
}
/** True for 401. */
export function isUnauthorized(e: unknown): e is UnauthorizedError {
  return e instanceof UnauthorizedError;
}
/** True for a timeout. */
export function isTimeout(e: unknown): e is TimeoutError {
  return e instanceof TimeoutError;
}

/**
 * A reconcile error that retrying cannot fix until the object changes (a bad
 * spec). The reconciler shell marks `condition` (default: the happy condition)
 * False with `reason` and this message, records a Warning event, and does not
 * requeue. Anything else thrown is transient and retried with per-key backoff.
 */
export class PermanentError extends Error {
  /** Condition reason and event reason. */
  readonly reason: string;
  /** Condition to mark False; the happy condition when absent. */
  readonly condition?: string;
  /** Creates the error. */
  constructor(
    message: string,
    opts: { reason?: string; condition?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "PermanentError";
    this.reason = opts.reason ?? "InternalError";
    this.condition = opts.condition;
  }
}

/** True for a {@link PermanentError}. */
export function isPermanent(e: unknown): e is PermanentError {
  return e instanceof PermanentError;
}
