// iOS and Android.
import AsyncStorage from '@react-native-async-storage/async-storage';
import NetInfo from '@react-native-community/netinfo';
import * as Crypto from 'expo-crypto';
import { File, Paths } from 'expo-file-system';
import { getLocales } from 'expo-localization';
import * as SecureStore from 'expo-secure-store';
import * as Sharing from 'expo-sharing';
import type { KeyValueStore } from '../offline/kv';
import { type Platform, uuidFrom } from './types';

// SecureStore keys allow only [A-Za-z0-9._-].
const safeKey = (key: string) => key.replace(/[^A-Za-z0-9._-]/g, '_');
const secureStore: KeyValueStore = {
  getItem: (key) => SecureStore.getItemAsync(safeKey(key)),
  setItem: (key, value) => SecureStore.setItemAsync(safeKey(key), value),
  removeItem: (key) => SecureStore.deleteItemAsync(safeKey(key)),
};

let online = true;
const listeners = new Set<(online: boolean) => void>();
NetInfo.addEventListener((state) => {
  const next = state.isConnected !== false && state.isInternetReachable !== false;
  if (next === online) return;
  online = next;
  for (const l of listeners) l(online);
});

export const platform: Platform = {
  secureStore,
  dataStore: AsyncStorage as unknown as KeyValueStore,
  connectivity: {
    isOnline: () => online,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  },
  randomId: () => uuidFrom((bytes) => Crypto.getRandomValues(bytes)),
  async saveFile(file) {
    const target = new File(Paths.cache, file.name);
    if (target.exists) target.delete();
    target.create();
    target.write(new Uint8Array(file.body));
    if (await Sharing.isAvailableAsync()) await Sharing.shareAsync(target.uri, { mimeType: file.contentType, dialogTitle: file.name });
  },
  languageTags: () => getLocales().map((l) => l.languageTag),
};
