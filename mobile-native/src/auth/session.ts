import type { TokenPair } from '../api/types';
import type { KeyValueStore } from '../offline/kv';

/** What is kept between launches: in the device keychain/keystore (expo-secure-store), localStorage on the web. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds when the access token expires. */
  expiresAt: number;
  /** The tenant slug last used, to prefill the login form. */
  tenantSlug?: string;
}

const KEY = 'poc-tracker.session';

/**
 * The signed-in session: tokens in secure storage plus listeners for
 * "signed in / signed out". One instance per app; the API client reads and
 * renews it, screens subscribe to it.
 */
export class Session {
  private value: StoredSession | null = null;
  private readonly listeners = new Set<(s: StoredSession | null) => void>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Read the stored session (at start-up, or to pick up a refresh made by another tab). */
  async load(): Promise<StoredSession | null> {
    const raw = await this.store.getItem(KEY);
    let next: StoredSession | null = null;
    if (raw) {
      try {
        next = JSON.parse(raw) as StoredSession;
      } catch {
        next = null;
      }
    }
    const changed = next?.accessToken !== this.value?.accessToken;
    this.value = next;
    if (changed) this.emit();
    return next;
  }

  get current(): StoredSession | null {
    return this.value;
  }

  /** True when the access token is missing or expires within `marginMs`. */
  expiresSoon(marginMs = 30_000): boolean {
    return !this.value || this.value.expiresAt - marginMs <= this.now();
  }

  async set(pair: TokenPair, tenantSlug?: string): Promise<void> {
    const slug = tenantSlug ?? this.value?.tenantSlug;
    this.value = {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: this.now() + pair.expiresIn * 1000,
      ...(slug ? { tenantSlug: slug } : {}),
    };
    await this.store.setItem(KEY, JSON.stringify(this.value));
    this.emit();
  }

  async clear(): Promise<void> {
    const had = this.value !== null;
    this.value = null;
    await this.store.removeItem(KEY);
    if (had) this.emit();
  }

  subscribe(listener: (s: StoredSession | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const l of this.listeners) l(this.value);
  }
}
