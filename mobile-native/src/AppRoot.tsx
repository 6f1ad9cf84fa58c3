import { StatusBar } from 'expo-status-bar';
import { initialWindowMetrics, type Metrics, SafeAreaProvider } from 'react-native-safe-area-context';
import type { Locale } from './i18n';
import { Navigation } from './navigation';
import { AppProvider, DataChangedProvider } from './state/AppContext';
import type { Services } from './state/services';

/** The app given its services: what tests render with a fake platform and API. */
export function AppRoot({ services, locale, withLinking = true, metrics }: { services: Services; locale?: Locale; withLinking?: boolean; metrics?: Metrics }) {
  return (
    <SafeAreaProvider initialMetrics={metrics ?? initialWindowMetrics}>
      <AppProvider services={services} {...(locale ? { locale } : {})}>
        <DataChangedProvider>
          <Navigation withLinking={withLinking} />
          <StatusBar style="auto" />
        </DataChangedProvider>
      </AppProvider>
    </SafeAreaProvider>
  );
}
