/**
 * What can go wrong when talking to the API, as values the screens can show.
 * Every non-2xx answer becomes an `ApiError` carrying the problem+json body
 * (RFC 9457) and its field errors keyed by form field; a request that never got
 * an answer becomes a `NetworkError` (offline, DNS, server down).
 */

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  /** Field errors keyed by the form field they name (`body.admin.email` → `admin.email`). */
  readonly fieldErrors: Readonly<Record<string, string>>;
  /** Seconds to wait before retrying (429). */
  readonly retryAfterSeconds: number | null;

  constructor(problem: Problem, retryAfterSeconds: number | null = null) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code ?? `HTTP_${problem.status}`;
    this.problem = problem;
    this.fieldErrors = fieldErrorsOf(problem);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The version moved on since the client read it (`If-Match` failed). */
  get isConflict(): boolean {
    return this.status === 412 || this.status === 409;
  }
}

export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The server could not be reached.', { cause });
    this.name = 'NetworkError';
  }
}

/** The session ended (refresh failed): the user must log in again. */
export class SessionExpiredError extends Error {
  constructor() {
    super('Your session has ended. Please log in again.');
    this.name = 'SessionExpiredError';
  }
}

/**
 * Map problem `errors[].path` to form fields: strips the request part
 * (`body.`, `query.`, `params.`) and a leading slash, turns JSON-pointer
 * slashes into dots; the first message per field wins.
 */
export function fieldErrorsOf(problem: Problem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem.errors ?? []) {
    const field = e.path
      .replace(/^\//, '')
      .replace(/\//g, '.')
      .replace(/^(body|querystring|query|params|headers)(\.|$)/, '');
    const key = field === '' ? '_' : field;
    if (!(key in out)) out[key] = e.message;
  }
  return out;
}

/** Parse an error answer; a non-problem body (a proxy's HTML page) still yields a usable error. */
export async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body === 'object') return { ...body, status: typeof body.status === 'number' ? body.status : res.status };
  } catch {
    // not JSON
  }
  return { status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: text.slice(0, 200) || undefined };
}
