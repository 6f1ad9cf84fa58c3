/**
 * Error categories thrown by domain and service code. One error handler
 * (see `http/problem.ts`) maps each to an RFC 9457 problem+json answer.
 *
 * @example
 * throw new NotFoundError('POC_ERR_NOT_FOUND', 'No POC with this id');
 */

/** One invalid field of a request: a JSON pointer-ish path and what is wrong with it. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  /** HTTP status this category maps to. */
  abstract readonly status: number;
  /** Short, human title of the category (the problem's `title`). */
  abstract readonly title: string;
  /** Stable, never reused machine code, e.g. `POC_ERR_NAME_TOO_LONG`. */
  readonly code: string;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(code: string, detail: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.headers = options?.headers ?? {};
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly title = 'Bad Request';
  readonly errors: readonly FieldError[];
  constructor(code: string, detail: string, errors: readonly FieldError[] = []) {
    super(code, detail);
    this.errors = errors;
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly title = 'Forbidden';
}

/** Not found, or belongs to another tenant: the two are never told apart. */
export class NotFoundError extends AppError {
  readonly status = 404;
  readonly title = 'Not Found';
}

/** A state transition that the aggregate does not allow (e.g. editing an ended dojo). */
export class IllegalStateError extends AppError {
  readonly status = 409;
  readonly title = 'Conflict';
}

/** An append whose expected version no longer matches: someone else wrote first. */
export class ConcurrencyError extends AppError {
  readonly status = 409;
  readonly title = 'Conflict';
}

/** `If-Match` named a version that is no longer current. */
export class PreconditionFailedError extends AppError {
  readonly status = 412;
  readonly title = 'Precondition Failed';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly title = 'Payload Too Large';
}

export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly title = 'Unprocessable Content';
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly title = 'Too Many Requests';
  constructor(code: string, detail: string, retryAfterSeconds: number) {
    super(code, detail, { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
  }
}

export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly title = 'Service Unavailable';
}

/** An upstream (another service, an engine) took too long to answer. */
export class GatewayTimeoutError extends AppError {
  readonly status = 504;
  readonly title = 'Gateway Timeout';
}

/** Error codes owned by the platform itself. */
export const PLATFORM_ERR = {
  VALIDATION: 'PLATFORM_ERR_VALIDATION',
  NOT_FOUND: 'PLATFORM_ERR_ROUTE_NOT_FOUND',
  BODY_TOO_LARGE: 'PLATFORM_ERR_BODY_TOO_LARGE',
  MEDIA_TYPE: 'PLATFORM_ERR_UNSUPPORTED_MEDIA_TYPE',
  MALFORMED_BODY: 'PLATFORM_ERR_MALFORMED_BODY',
  RATE_LIMITED: 'PLATFORM_ERR_RATE_LIMITED',
  INTERNAL: 'PLATFORM_ERR_INTERNAL',
  UNAUTHENTICATED: 'PLATFORM_ERR_UNAUTHENTICATED',
  FORBIDDEN: 'PLATFORM_ERR_FORBIDDEN',
  UNAVAILABLE: 'PLATFORM_ERR_UNAVAILABLE',
  CONFIG: 'PLATFORM_ERR_CONFIG',
} as const;
