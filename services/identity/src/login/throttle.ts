import { createHash } from 'node:crypto';
import { type Cache, TooManyRequestsError } from '@poc/platform';
import { IDENTITY_ERR } from '../errors.ts';

export interface ThrottlePolicy {
  /** Failures of one account before the first wait. */
  readonly maxFailures: number;
  /** Failures from one client address (any account) before the first wait. */
  readonly maxFailuresPerAddress: number;
  /** The first wait, doubled at every further failure. */
  readonly waitIncrementSeconds: number;
  readonly maxWaitSeconds: number;
  /** Failure counts expire this long after the first failure. */
  readonly failureResetSeconds: number;
}

/** The wait after the `failures`-th failure, when `free` are allowed: 0, then increment·2^(n−free). */
export function waitSeconds(failures: number, free: number, policy: ThrottlePolicy): number {
  if (failures < free) return 0;
  return Math.min(policy.maxWaitSeconds, policy.waitIncrementSeconds * 2 ** (failures - free));
}

const throttled = (seconds: number) =>
  new TooManyRequestsError(IDENTITY_ERR.LOGIN_THROTTLED, 'Too many failed logins; wait before trying again.', seconds);

/**
 * Brute-force protection of the login, as Keycloak's brute-force detection:
 * after `maxFailures` failures of an account (tenant slug + email, whether it
 * exists or not, so the answer tells nothing), every further failure locks it
 * for an exponentially growing wait; the same per client address across
 * accounts (credential stuffing). While locked, attempts are refused with 429
 * and `Retry-After` before the password is even checked. One attempt per
 * account at a time: a parallel burst is refused instead of racing the counter.
 *
 * @example
 * const attempt = await throttle.begin(slug, email, request.ip);
 * try { ok ? await attempt.succeeded() : await attempt.failed(); } finally { await attempt.end(); }
 */
export class LoginThrottle {
  constructor(
    private readonly cache: Cache,
    private readonly policy: ThrottlePolicy,
  ) {}

  async begin(tenantSlug: string, email: string, address: string) {
    const account = createHash('sha256').update(`${tenantSlug.toLowerCase()}\0${email.toLowerCase()}`).digest('base64url');
    const keys = {
      inflight: `login:inflight:${account}`,
      accountFailures: `login:fail:acct:${account}`,
      accountLock: `login:lock:acct:${account}`,
      addressFailures: `login:fail:addr:${address}`,
      addressLock: `login:lock:addr:${address}`,
    };
    const [accountWait, addressWait] = await Promise.all([this.cache.ttl(keys.accountLock), this.cache.ttl(keys.addressLock)]);
    const wait = Math.max(accountWait ?? 0, addressWait ?? 0);
    if (wait > 0) throw throttled(wait);
    if (!(await this.cache.setIfAbsent(keys.inflight, '1', 30))) throw throttled(1);
    const { cache, policy } = this;
    return {
      async failed(): Promise<void> {
        const [accountFailures, addressFailures] = await Promise.all([
          cache.incr(keys.accountFailures, policy.failureResetSeconds),
          cache.incr(keys.addressFailures, policy.failureResetSeconds),
        ]);
        const accountLock = waitSeconds(accountFailures, policy.maxFailures, policy);
        const addressLock = waitSeconds(addressFailures, policy.maxFailuresPerAddress, policy);
        if (accountLock > 0) await cache.set(keys.accountLock, '1', accountLock);
        if (addressLock > 0) await cache.set(keys.addressLock, '1', addressLock);
      },
      async succeeded(): Promise<void> {
        await cache.delete(keys.accountFailures);
      },
      async end(): Promise<void> {
        await cache.delete(keys.inflight);
      },
    };
  }
}
