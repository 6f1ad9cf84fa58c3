import { ApiClient } from '../api/client';
import { ApiError, NetworkError, SessionExpiredError } from '../api/errors';
import { Session } from '../auth/session';
import type { Translate } from '../i18n';
import { OfflineCache } from '../offline/cache';
import { OutboxQueue } from '../offline/queue';
import type { Platform } from '../platform/types';

/** Everything a screen talks to, created once per app (tests create theirs with a fake platform and API). */
export interface Services {
  api: ApiClient;
  session: Session;
  cache: OfflineCache;
  queue: OutboxQueue;
  platform: Platform;
}

export function createServices(platform: Platform, options: { baseUrl: string; fetch?: typeof fetch }): Services {
  const session = new Session(platform.secureStore);
  return {
    session,
    api: new ApiClient({ baseUrl: options.baseUrl, session, newId: platform.randomId, ...(options.fetch ? { fetch: options.fetch } : {}), ...(platform.withLock ? { withLock: platform.withLock } : {}) }),
    cache: new OfflineCache(platform.dataStore),
    queue: new OutboxQueue(platform.dataStore, platform.randomId),
    platform,
  };
}

/** One sentence for any failure, in the user's language. */
export function describeError(t: Translate, error: unknown): string {
  if (error instanceof NetworkError) return t('common.networkError');
  if (error instanceof SessionExpiredError) return t('common.sessionExpired');
  if (error instanceof ApiError) {
    if (error.status === 429) return t('common.throttled', { seconds: error.retryAfterSeconds ?? 1 });
    return error.message;
  }
  return t('common.unexpected', { detail: error instanceof Error ? error.message : String(error) });
}
