import { Platform } from 'react-native';

/**
 * The edge the app talks to. On the web build served by the edge it is the
 * page's own origin (''). Devices need an address: EXPO_PUBLIC_API_URL at
 * build time (inlined by Expo), else the local defaults of `pnpm start`
 * (the Android emulator reaches the host at 10.0.2.2).
 */
export const API_BASE_URL: string =
  process.env.EXPO_PUBLIC_API_URL ?? (Platform.OS === 'web' ? '' : Platform.OS === 'android' ? 'http://10.0.2.2:8080' : 'http://localhost:8080');
