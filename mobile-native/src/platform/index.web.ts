// The browser (react-native-web).
import { webStorage } from '../offline/kv';
import { type Platform, uuidFrom } from './types';

const storage = webStorage(window.localStorage);

export const platform: Platform = {
  // The web has no keychain: tokens live in localStorage (same origin only; the app renders no HTML from data).
  secureStore: storage,
  dataStore: storage,
  connectivity: {
    isOnline: () => navigator.onLine,
    subscribe: (listener) => {
      const on = () => listener(true);
      const off = () => listener(false);
      window.addEventListener('online', on);
      window.addEventListener('offline', off);
      return () => {
        window.removeEventListener('online', on);
        window.removeEventListener('offline', off);
      };
    },
  },
  randomId: () => uuidFrom((bytes) => crypto.getRandomValues(bytes)),
  async saveFile(file) {
    const url = URL.createObjectURL(new Blob([file.body], { type: file.contentType }));
    const a = document.createElement('a');
    a.href = url;
    a.download = file.name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
  languageTags: () => [...(navigator.languages ?? [navigator.language])],
  // Tabs share localStorage, hence the refresh token: the Web Locks API lets one tab renew it at a time.
  withLock: <T,>(name: string, fn: () => Promise<T>): Promise<T> => (navigator.locks ? (navigator.locks.request(name, fn) as Promise<T>) : fn()),
};
