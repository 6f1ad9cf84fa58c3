import { screen } from '@testing-library/react-native';
import { createFakeApi } from '../../testing/fake-api';
import { fill, PASSWORD, press, renderApp } from '../../testing/render-app';

describe('sign up and log in', () => {
  it('shows the server validation errors on their fields', async () => {
    const { api } = await renderApp({ signedIn: false });
    await press('go-signup');
    await fill('signup-organisation', 'Acme Labs');
    await fill('signup-name', 'Olga');
    await fill('signup-email', 'olga@acme.test');
    await fill('signup-password', 'short');
    await press('signup-submit');

    // The form let it through (12 characters is the server's rule), the server refused it, naming the field.
    expect(await screen.findByTestId('signup-password-error')).toHaveTextContent('must be at least 12 characters');
    expect(screen.getByTestId('signup-error')).toHaveTextContent('Please fix the highlighted fields.');
    expect(screen.queryByTestId('signup-email-error')).toBeNull();
    expect(api.state.requests.filter((r) => r.path === '/v1/tenants')).toHaveLength(1);
  });

  it('says when the slug is taken, on the slug field', async () => {
    const api = createFakeApi();
    await api.seedAccount('acme-labs');
    await renderApp({ signedIn: false, api });
    await press('go-signup');
    await fill('signup-organisation', 'Acme Labs');
    expect(screen.getByTestId('signup-slug')).toHaveDisplayValue('acme-labs');
    await fill('signup-name', 'Olga');
    await fill('signup-email', 'olga@acme.test');
    await fill('signup-password', PASSWORD);
    await press('signup-submit');
    expect(await screen.findByTestId('signup-slug-error')).toHaveTextContent('is already taken');
  });

  it('signs up, lands on the POC list, and keeps the tokens in secure storage', async () => {
    const { device } = await renderApp({ signedIn: false });
    await press('go-signup');
    await fill('signup-organisation', 'Açaí Labs');
    await fill('signup-name', 'Ana');
    await fill('signup-email', 'ana@acai.test');
    await fill('signup-password', PASSWORD);
    await press('signup-submit');
    expect(await screen.findByTestId('poc-list-screen')).toBeTruthy();
    expect(await screen.findByText('No POCs yet. Create the first one.')).toBeTruthy();
    expect(JSON.parse(device.secureStore.dump()['poc-tracker.session']!)).toMatchObject({ tenantSlug: 'acai-labs', accessToken: expect.any(String) });
  });

  it('explains a failed login without telling which part was wrong', async () => {
    const api = createFakeApi();
    await api.seedAccount('acme', PASSWORD);
    await renderApp({ signedIn: false, api });
    await fill('login-tenant', 'acme');
    await fill('login-email', 'owner@acme.test');
    await fill('login-password', 'wrong password!');
    await press('login-submit');
    expect(await screen.findByTestId('login-error')).toHaveTextContent('Wrong organisation, email or password.');
    await fill('login-password', PASSWORD);
    await press('login-submit');
    expect(await screen.findByTestId('poc-list-screen')).toBeTruthy();
  });

  it('speaks Portuguese on a Portuguese device', async () => {
    await renderApp({ signedIn: false, languageTags: ['pt-BR'] });
    expect(await screen.findByRole('button', { name: 'Entrar' })).toBeTruthy();
    expect(screen.getByLabelText('Organização (slug)')).toBeTruthy();
  });
});
