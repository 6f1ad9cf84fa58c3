import type { Session } from '../auth/session';
import { ApiError, NetworkError, SessionExpiredError, problemOf } from './errors';
import { queryString } from './query';
import type {
  Dojo,
  DojoCode,
  DojoCreate,
  DojoPage,
  LoginRequest,
  Me,
  Poc,
  PocCreate,
  PocPage,
  PocQuery,
  PocWrite,
  ReportPeriod,
  ReportSummary,
  SignUpRequest,
  SignUpResponse,
  Suggestions,
  TokenPair,
  User,
  Video,
  WriteResult,
} from './types';

export interface ApiClientOptions {
  /** The edge's origin (`https://api.example.com`), or '' for the page's own origin on the web. */
  baseUrl: string;
  session: Session;
  /** A new random id (UUID) for Idempotency-Key headers. */
  newId: () => string;
  fetch?: typeof fetch;
  /**
   * Run `fn` holding a lock shared by every copy of the app on this device
   * (browser tabs: the Web Locks API), so two tabs never spend the same
   * refresh token. Default: no cross-instance lock.
   */
  withLock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

interface RequestOptions {
  query?: object;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the bearer token (default true). */
  auth?: boolean;
  /** POST only: the Idempotency-Key to send (default: a new one per call). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** Reads that the projections answer: they honour Consistency-Token. */
const READ_SIDE = /^\/v1\/(pocs|reports)(\/|\?|$)/;

/**
 * The typed client of ../shared/API.md. Adds the bearer token, renews it
 * silently (before it expires, and once on a 401), turns problem+json into
 * `ApiError`, sends an Idempotency-Key on every POST and carries the
 * Consistency-Token of the last write to the next reads of the read side, so
 * what the user just wrote is in the list they see next.
 *
 * @example
 * const api = new ApiClient({ baseUrl: '', session, newId: randomUUID });
 * await api.login({ tenant: 'acme', email, password });
 * const page = await api.listPocs({ q: 'kubernets' });
 */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly session: Session;
  private readonly newId: () => string;
  private readonly fetchImpl: typeof fetch;
  private readonly withLock: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  private refreshing: Promise<void> | null = null;
  private consistencyToken: string | null = null;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.session = options.session;
    this.newId = options.newId;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.withLock = options.withLock ?? ((_name, fn) => fn());
  }

  /** The token reads will wait for, if a write has not been seen by a read yet. */
  get pendingConsistencyToken(): string | null {
    return this.consistencyToken;
  }

  // --- identity ---

  async signUp(body: SignUpRequest): Promise<SignUpResponse> {
    const res = await this.json<SignUpResponse>('POST', '/v1/tenants', { body, auth: false });
    await this.session.set(res, body.slug);
    return res;
  }

  async login(body: LoginRequest): Promise<void> {
    const pair = await this.json<TokenPair>('POST', '/v1/auth/login', { body, auth: false });
    await this.session.set(pair, body.tenant);
  }

  /** Ends the session here whatever the server says (offline logout still signs out). */
  async logout(): Promise<void> {
    const refreshToken = this.session.current?.refreshToken;
    try {
      if (refreshToken) await this.send('POST', '/v1/auth/logout', { body: { refreshToken }, auth: false });
    } catch {
      // the refresh token dies on its own; the local session is what the user asked to end
    } finally {
      this.consistencyToken = null;
      await this.session.clear();
    }
  }

  me(): Promise<Me> {
    return this.json('GET', '/v1/me');
  }

  createUser(body: { email: string; password: string; displayName: string; roles: string[] }): Promise<User> {
    return this.json('POST', '/v1/users', { body });
  }

  // --- POCs ---

  listPocs(query: PocQuery = {}, signal?: AbortSignal): Promise<PocPage> {
    return this.json('GET', '/v1/pocs', { query, ...(signal ? { signal } : {}) });
  }

  suggest(q: string, signal?: AbortSignal): Promise<Suggestions> {
    return this.json('GET', '/v1/pocs/suggest', { query: { q }, ...(signal ? { signal } : {}) });
  }

  async getPoc(id: string): Promise<Poc> {
    const res = await this.send('GET', `/v1/pocs/${encodeURIComponent(id)}`);
    const poc = (await res.json()) as Poc;
    const etag = res.headers.get('etag');
    const version = etag ? Number(etag.replace(/^W\//, '').replace(/"/g, '')) : NaN;
    return Number.isFinite(version) ? { ...poc, version } : poc;
  }

  createPoc(body: PocCreate, options: { idempotencyKey?: string } = {}): Promise<WriteResult> {
    return this.write('POST', '/v1/pocs', { body, ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}) });
  }

  /** 412 (`ApiError.isConflict`) when someone else saved first. */
  updatePoc(id: string, version: number, patch: PocWrite): Promise<WriteResult> {
    return this.write('PATCH', `/v1/pocs/${encodeURIComponent(id)}`, { body: patch, headers: { 'If-Match': String(version) } });
  }

  async deletePoc(id: string): Promise<void> {
    const res = await this.send('DELETE', `/v1/pocs/${encodeURIComponent(id)}`);
    this.rememberConsistency(res);
  }

  // --- dojos ---

  listDojos(query: { status?: string; cursor?: string; limit?: number } = {}): Promise<DojoPage> {
    return this.json('GET', '/v1/dojos', { query });
  }

  getDojo(id: string): Promise<Dojo> {
    return this.json('GET', `/v1/dojos/${encodeURIComponent(id)}`);
  }

  createDojo(body: DojoCreate): Promise<Dojo> {
    return this.json('POST', '/v1/dojos', { body });
  }

  endDojo(id: string): Promise<Dojo> {
    return this.json('POST', `/v1/dojos/${encodeURIComponent(id)}/end`, { body: {} });
  }

  dojoCode(id: string): Promise<DojoCode> {
    return this.json('GET', `/v1/dojos/${encodeURIComponent(id)}/code`);
  }

  /** Where a y-websocket provider connects: `new WebsocketProvider(serverUrl, room, doc, { params })`. */
  async dojoSync(id: string, displayName?: string): Promise<{ serverUrl: string; room: string; params: Record<string, string> }> {
    const token = await this.accessToken();
    const origin = this.baseUrl || (typeof location === 'undefined' ? '' : location.origin);
    return {
      serverUrl: `${origin.replace(/^http/, 'ws')}/v1/dojos`,
      room: `${encodeURIComponent(id)}/sync`,
      params: { token, ...(displayName ? { name: displayName } : {}) },
    };
  }

  // --- reports ---

  reportSummary(period: ReportPeriod & { asOf?: string } = {}): Promise<ReportSummary> {
    return this.json('GET', '/v1/reports/summary', { query: period });
  }

  /** The report file with its name, as the server sent it (CSV streamed, PDF rendered). */
  async downloadReport(kind: 'csv' | 'pdf', query: ReportPeriod & PocQuery = {}): Promise<{ body: ArrayBuffer; contentType: string; filename: string }> {
    const res = await this.send('GET', `/v1/reports/pocs.${kind}`, { query });
    const disposition = res.headers.get('content-disposition') ?? '';
    const named = /filename="?([^";]+)"?/.exec(disposition)?.[1];
    return {
      body: await res.arrayBuffer(),
      contentType: res.headers.get('content-type') ?? (kind === 'csv' ? 'text/csv' : 'application/pdf'),
      filename: named ?? `pocs${query.year ? `-${query.year}` : ''}.${kind}`,
    };
  }

  /** URL and headers of a report, for native downloads straight to a file. */
  async reportRequest(kind: 'csv' | 'pdf', query: ReportPeriod & PocQuery = {}): Promise<{ url: string; headers: Record<string, string> }> {
    return { url: `${this.baseUrl}/v1/reports/pocs.${kind}${queryString(query)}`, headers: { Authorization: `Bearer ${await this.accessToken()}` } };
  }

  // --- year in review ---

  requestVideo(year: number, force = false): Promise<Video> {
    return this.json('POST', '/v1/videos', { body: force ? { year, force } : { year } });
  }

  getVideo(id: string): Promise<Video> {
    return this.json('GET', `/v1/videos/${encodeURIComponent(id)}`);
  }

  /** Where the MP4 plays from: the signed `url` when the server gave one, else the content route with the token. */
  async videoSource(video: Video): Promise<{ uri: string; headers: Record<string, string> }> {
    if (video.url) return { uri: video.url, headers: {} };
    return { uri: `${this.baseUrl}/v1/videos/${encodeURIComponent(video.id)}/content`, headers: { Authorization: `Bearer ${await this.accessToken()}` } };
  }

  async videoContent(id: string): Promise<ArrayBuffer> {
    return (await this.send('GET', `/v1/videos/${encodeURIComponent(id)}/content`)).arrayBuffer();
  }

  // --- plumbing ---

  /** A valid access token (renewed first when it is about to expire). */
  async accessToken(): Promise<string> {
    if (!this.session.current) throw new SessionExpiredError();
    if (this.session.expiresSoon()) await this.refresh(this.session.current.accessToken);
    const current = this.session.current;
    if (!current) throw new SessionExpiredError();
    return current.accessToken;
  }

  private async write(method: string, path: string, options: RequestOptions): Promise<WriteResult> {
    const res = await this.send(method, path, options);
    const body = (await res.json()) as { id: string; version: number };
    return { id: body.id, version: body.version, consistencyToken: this.rememberConsistency(res) };
  }

  private rememberConsistency(res: Response): string | null {
    const token = res.headers.get('consistency-token');
    if (token) this.consistencyToken = token;
    return token;
  }

  private async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  /** One request with auth, renewal and error mapping. Resolves only for 2xx. */
  private async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const auth = options.auth !== false;
    if (auth) await this.accessToken();
    let res = await this.once(method, path, options, auth);
    if (res.status === 401 && auth) {
      await this.refresh(this.session.current?.accessToken ?? '');
      res = await this.once(method, path, options, auth);
      if (res.status === 401) {
        await this.session.clear();
        throw new SessionExpiredError();
      }
    }
    if (!res.ok) {
      const retry = res.headers.get('retry-after');
      throw new ApiError(await problemOf(res), retry ? Number(retry) : null);
    }
    return res;
  }

  private async once(method: string, path: string, options: RequestOptions, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json;q=0.9, */*;q=0.8', ...options.headers };
    if (auth && this.session.current) headers.Authorization = `Bearer ${this.session.current.accessToken}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (method === 'POST') headers['Idempotency-Key'] = options.idempotencyKey ?? this.newId();
    const sentToken = method === 'GET' && READ_SIDE.test(path) ? this.consistencyToken : null;
    if (sentToken) headers['Consistency-Token'] = sentToken;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}${options.query ? queryString(options.query) : ''}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if ((error as { name?: string })?.name === 'AbortError') throw error;
      throw new NetworkError(error);
    }
    // Once a read has caught up with the write, later reads need not wait for it any more.
    if (sentToken && res.ok && res.headers.get('consistency-token-timeout') !== 'true' && this.consistencyToken === sentToken) {
      this.consistencyToken = null;
    }
    return res;
  }

  /**
   * Renew the pair once for everyone waiting: refresh tokens are single-use
   * and a second concurrent refresh with the same token would revoke the
   * whole family. `staleAccessToken` is the token that failed: when storage
   * already holds a newer one (another tab renewed it while this one waited
   * for the lock), that one is used.
   */
  private refresh(staleAccessToken: string): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = this.withLock('poc-tracker.refresh', async () => {
      const stored = await this.session.load();
      if (!stored) throw new SessionExpiredError();
      if (stored.accessToken !== staleAccessToken && !this.session.expiresSoon()) return;
      let res: Response;
      try {
        res = await this.fetchImpl(`${this.baseUrl}/v1/auth/refresh`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': this.newId() },
          body: JSON.stringify({ refreshToken: stored.refreshToken }),
        });
      } catch (error) {
        throw new NetworkError(error);
      }
      if (res.status === 400 || res.status === 401 || res.status === 403) {
        await this.session.clear();
        throw new SessionExpiredError();
      }
      if (!res.ok) throw new ApiError(await problemOf(res));
      await this.session.set((await res.json()) as TokenPair);
    }).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }
}
