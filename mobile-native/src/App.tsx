import { StatusBar } from 'expo-status-bar';
import { useMemo } from 'react';
import { SafeAreaProvider } from 'react-native-safe-area-context';
import { API_BASE_URL } from './env';
import type { Locale } from './i18n';
import { Navigation } from './navigation';
import { platform } from './platform';
import { AppProvider, DataChangedProvider } from './state/AppContext';
import { createServices, type Services } from './state/services';

/** The app given its services: what tests render with a fake platform and API. */
export function AppRoot({ services, locale, withLinking = true }: { services: Services; locale?: Locale; withLinking?: boolean }) {
  return (
    <SafeAreaProvider>
      <AppProvider services={services} {...(locale ? { locale } : {})}>
        <DataChangedProvider>
          <Navigation withLinking={withLinking} />
          <StatusBar style="auto" />
        </DataChangedProvider>
      </AppProvider>
    </SafeAreaProvider>
  );
}

export function App() {
  const services = useMemo(() => createServices(platform, { baseUrl: API_BASE_URL }), []);
  return <AppRoot services={services} />;
}
