import type { Poc, PocPage, PocQuery } from '../api/types';
import type { KeyValueStore } from './kv';

const LIST = 'poc-tracker.cache.list';
const DETAIL = (id: string) => `poc-tracker.cache.poc.${id}`;
const MAX_DETAILS = 200;
const INDEX = 'poc-tracker.cache.poc-index';

export interface CachedList {
  query: PocQuery;
  page: PocPage;
  savedAt: string;
}

/**
 * The last POC list and the details the user opened, kept so they stay
 * readable without network. Small on purpose: one list (what was on screen)
 * and the most recent details, oldest evicted first.
 */
export class OfflineCache {
  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async saveList(query: PocQuery, page: PocPage): Promise<void> {
    const entry: CachedList = { query, page, savedAt: this.now().toISOString() };
    await this.store.setItem(LIST, JSON.stringify(entry));
  }

  async lastList(): Promise<CachedList | null> {
    return parse<CachedList>(await this.store.getItem(LIST));
  }

  async savePoc(poc: Poc): Promise<void> {
    await this.store.setItem(DETAIL(poc.id), JSON.stringify(poc));
    const index = (parse<string[]>(await this.store.getItem(INDEX)) ?? []).filter((id) => id !== poc.id);
    index.push(poc.id);
    while (index.length > MAX_DETAILS) {
      const evicted = index.shift();
      if (evicted) await this.store.removeItem(DETAIL(evicted));
    }
    await this.store.setItem(INDEX, JSON.stringify(index));
  }

  async poc(id: string): Promise<Poc | null> {
    const own = parse<Poc>(await this.store.getItem(DETAIL(id)));
    if (own) return own;
    return (await this.lastList())?.page.items.find((p) => p.id === id) ?? null;
  }

  async forgetPoc(id: string): Promise<void> {
    await this.store.removeItem(DETAIL(id));
    const list = await this.lastList();
    if (list && list.page.items.some((p) => p.id === id)) {
      await this.saveList(list.query, { ...list.page, items: list.page.items.filter((p) => p.id !== id), total: Math.max(0, list.page.total - 1) });
    }
  }

  /** Sign-out: nothing of the previous user stays on the device. */
  async clear(): Promise<void> {
    const index = parse<string[]>(await this.store.getItem(INDEX)) ?? [];
    for (const id of index) await this.store.removeItem(DETAIL(id));
    await this.store.removeItem(INDEX);
    await this.store.removeItem(LIST);
  }
}

function parse<T>(raw: string | null): T | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}
