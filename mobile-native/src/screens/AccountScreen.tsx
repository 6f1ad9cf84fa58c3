import { useEffect, useState } from 'react';
import type { Me } from '../api/types';
import { Banner, Body, Button, Card, Loading, Screen, Title } from '../components/ui';
import { useI18n } from '../i18n';
import { useOutbox, useServices } from '../state/AppContext';
import { describeError } from '../state/services';
import { useTheme } from '../theme';

export function AccountScreen() {
  const { api, cache, queue } = useServices();
  const { t, locale } = useI18n();
  const theme = useTheme();
  const outbox = useOutbox();
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.me().then(setMe, (e: unknown) => setError(describeError(t, e)));
  }, [api, t]);

  async function logout() {
    await queue.clear();
    await cache.clear();
    await api.logout();
  }

  return (
    <Screen testID="account-screen">
      <Title>{t('account.title')}</Title>
      {error ? <Banner tone="error">{error}</Banner> : null}
      <Card>
        {me ? (
          <>
            <Body testID="account-me">{t('account.signedInAs', { name: me.displayName, email: me.email })}</Body>
            <Body>{t('account.organisation', { name: me.tenant.name, slug: me.tenant.slug })}</Body>
            <Body muted>{t('account.roles', { roles: me.roles.join(', ') })}</Body>
          </>
        ) : error ? null : (
          <Loading />
        )}
        <Body muted>{t('account.language', { language: locale })}</Body>
        <Body muted>{t('account.theme', { theme: t(theme.dark ? 'account.theme.dark' : 'account.theme.light') })}</Body>
        {outbox.length > 0 ? <Body>{t('account.queue', { count: outbox.length })}</Body> : null}
      </Card>
      <Button label={t('auth.logout')} variant="secondary" onPress={() => void logout()} testID="logout" />
    </Screen>
  );
}
