import { fireEvent, render, screen } from '@testing-library/react-native';
import { AppRoot } from '../AppRoot';
import type { Locale } from '../i18n';
import { createServices } from '../state/services';
import { createFakeApi } from './fake-api';
import { testPlatform } from './test-platform';

export const PASSWORD = 'correct horse battery staple';

/** The whole app against the in-memory API; signed in as the owner of `acme` unless told otherwise. */
export async function renderApp(options: { signedIn?: boolean; tokens?: { accessToken: string; refreshToken: string; expiresIn: number }; locale?: Locale; languageTags?: string[]; api?: ReturnType<typeof createFakeApi>; device?: ReturnType<typeof testPlatform> } = {}) {
  const api = options.api ?? createFakeApi();
  const device = options.device ?? testPlatform(options.languageTags ? { languageTags: options.languageTags } : {});
  const services = createServices(device.platform, { baseUrl: 'http://edge.test', fetch: api.fetch });
  if (options.signedIn !== false && !(await services.session.load())) {
    const tokens = options.tokens ?? (await api.seedAccount('acme', PASSWORD));
    await services.session.set(tokens, 'acme');
  }
  const view = await render(<AppRoot services={services} withLinking={false} metrics={{ frame: { x: 0, y: 0, width: 390, height: 844 }, insets: { top: 0, left: 0, right: 0, bottom: 0 } }} {...(options.locale ? { locale: options.locale } : {})} />);
  return { api, device, services, view };
}

/** Type into a field (the whole text at once: userEvent.type is char by char and slow on a shared machine). */
export async function fill(testID: string, text: string): Promise<void> {
  await fireEvent.changeText(await screen.findByTestId(testID), text);
}

export async function press(testID: string): Promise<void> {
  await fireEvent.press(await screen.findByTestId(testID));
}
