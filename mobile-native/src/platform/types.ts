import type { KeyValueStore } from '../offline/kv';

/** Online/offline as the device sees it. */
export interface Connectivity {
  isOnline(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

export interface SavedFile {
  name: string;
  contentType: string;
  body: ArrayBuffer;
}

/**
 * What differs between devices and the browser, behind one interface
 * (`index.ts` for iOS/Android, `index.web.ts` for the web; Metro picks the file).
 */
export interface Platform {
  /** Tokens: Keychain / Android Keystore through expo-secure-store; localStorage on the web. */
  secureStore: KeyValueStore;
  /** Cache and offline queue: AsyncStorage; localStorage on the web. */
  dataStore: KeyValueStore;
  connectivity: Connectivity;
  randomId(): string;
  /** Save a downloaded file: the browser's download on the web, the share sheet on devices. */
  saveFile(file: SavedFile): Promise<void>;
  /** The device's preferred languages, most preferred first (BCP 47). */
  languageTags(): string[];
  /** A lock shared by every copy of the app on the device (browser tabs), if the platform has several. */
  withLock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

/** A v4 UUID from a source of random bytes (works where crypto.randomUUID does not: insecure origins, Hermes). */
export function uuidFrom(getRandomValues: (bytes: Uint8Array) => Uint8Array): string {
  const b = getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
