import { memoryStore } from '../offline/kv';
import type { Platform, SavedFile } from '../platform/types';

/** A platform for tests: storage in memory, a connectivity switch, files kept in a list. */
export function testPlatform(options: { languageTags?: string[] } = {}) {
  let online = true;
  let n = 0;
  const listeners = new Set<(online: boolean) => void>();
  const saved: SavedFile[] = [];
  const secureStore = memoryStore();
  const dataStore = memoryStore();
  const platform: Platform = {
    secureStore,
    dataStore,
    connectivity: {
      isOnline: () => online,
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    randomId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    saveFile: async (file) => {
      saved.push(file);
    },
    languageTags: () => options.languageTags ?? ['en-US'],
  };
  return {
    platform,
    saved,
    secureStore,
    dataStore,
    setOnline(value: boolean) {
      online = value;
      for (const l of listeners) l(value);
    },
  };
}
