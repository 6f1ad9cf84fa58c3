import { useMemo } from 'react';
import { AppRoot } from './AppRoot';
import { API_BASE_URL } from './env';
import { platform } from './platform';
import { createServices } from './state/services';

/** The app on a device or in the browser: the platform's storage and network, the edge at API_BASE_URL. */
export function App() {
  const services = useMemo(() => createServices(platform, { baseUrl: API_BASE_URL }), []);
  return <AppRoot services={services} />;
}
