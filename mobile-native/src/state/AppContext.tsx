import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { useColorScheme } from 'react-native';
import { createI18n, I18nContext, type Locale, pickLocale } from '../i18n';
import type { QueuedPoc } from '../offline/queue';
import { darkTheme, lightTheme, ThemeContext } from '../theme';
import type { Services } from './services';

const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside <AppProvider>');
  return services;
}

/** Language from the device, theme from the device (light/dark), and the services. */
export function AppProvider({ services, locale, children }: { services: Services; locale?: Locale; children: ReactNode }) {
  const scheme = useColorScheme();
  const i18n = useMemo(() => createI18n(locale ?? pickLocale(services.platform.languageTags())), [locale, services]);
  return (
    <ServicesContext.Provider value={services}>
      <I18nContext.Provider value={i18n}>
        <ThemeContext.Provider value={scheme === 'dark' ? darkTheme : lightTheme}>{children}</ThemeContext.Provider>
      </I18nContext.Provider>
    </ServicesContext.Provider>
  );
}

/** Whether someone is signed in; `undefined` until the stored session has been read. */
export function useSignedIn(): boolean | undefined {
  const { session } = useServices();
  const [signedIn, setSignedIn] = useState<boolean | undefined>(session.current ? true : undefined);
  useEffect(() => {
    const off = session.subscribe((s) => setSignedIn(s !== null));
    void session.load().then((s) => setSignedIn(s !== null));
    return off;
  }, [session]);
  return signedIn;
}

export function useOnline(): boolean {
  const { platform } = useServices();
  const [online, setOnline] = useState(platform.connectivity.isOnline());
  useEffect(() => platform.connectivity.subscribe(setOnline), [platform]);
  return online;
}

export function useOutbox(): QueuedPoc[] {
  const { queue } = useServices();
  const [items, setItems] = useState<QueuedPoc[]>([]);
  useEffect(() => {
    let live = true;
    void queue.items().then((i) => live && setItems(i));
    const off = queue.subscribe(setItems);
    return () => {
      live = false;
      off();
    };
  }, [queue]);
  return items;
}

type Listener = () => void;
const DataChangedContext = createContext<{ emit: Listener; subscribe: (l: Listener) => () => void } | null>(null);

/** "POCs changed" notifications between screens (a queued POC was sent, a POC was saved or deleted). */
export function DataChangedProvider({ children }: { children: ReactNode }) {
  const value = useMemo(() => {
    const listeners = new Set<Listener>();
    return {
      emit: () => listeners.forEach((l) => l()),
      subscribe: (l: Listener) => {
        listeners.add(l);
        return () => {
          listeners.delete(l);
        };
      },
    };
  }, []);
  return <DataChangedContext.Provider value={value}>{children}</DataChangedContext.Provider>;
}

export function usePocsChanged(listener?: Listener): Listener {
  const bus = useContext(DataChangedContext);
  useEffect(() => (bus && listener ? bus.subscribe(listener) : undefined), [bus, listener]);
  return bus?.emit ?? (() => undefined);
}

/** Sends the offline queue whenever the device is (back) online and someone is signed in. */
export function useOutboxSync(signedIn: boolean | undefined): void {
  const { queue, api } = useServices();
  const online = useOnline();
  const changed = usePocsChanged();
  const items = useOutbox();
  const waiting = items.filter((i) => !i.error).length;
  useEffect(() => {
    if (!online || !signedIn || waiting === 0) return;
    const send = () =>
      void queue
        .flush(api)
        .then((result) => {
          if (result.sent.length > 0 || result.failed.length > 0) changed();
        })
        .catch(() => undefined);
    send();
    // The device may say "online" while the server is unreachable: try again now and then.
    const timer = setInterval(send, 15_000);
    return () => clearInterval(timer);
  }, [online, signedIn, waiting, queue, api, changed]);
}
