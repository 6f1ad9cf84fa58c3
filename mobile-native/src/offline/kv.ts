/**
 * The storage port of the app: a string key-value store. Devices use
 * AsyncStorage (cache, queue) and expo-secure-store (tokens); the web uses
 * localStorage; tests use `memoryStore()`.
 *
 * @example
 * const store = memoryStore();
 * await store.setItem('k', 'v');
 */
export interface KeyValueStore {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

export function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { dump(): Record<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    getItem: async (key) => data.get(key) ?? null,
    setItem: async (key, value) => {
      data.set(key, value);
    },
    removeItem: async (key) => {
      data.delete(key);
    },
    dump: () => Object.fromEntries(data),
  };
}

/** localStorage behind the port (web). Quota errors surface to the caller. */
export function webStorage(storage: Storage): KeyValueStore {
  return {
    getItem: async (key) => storage.getItem(key),
    setItem: async (key, value) => storage.setItem(key, value),
    removeItem: async (key) => storage.removeItem(key),
  };
}
