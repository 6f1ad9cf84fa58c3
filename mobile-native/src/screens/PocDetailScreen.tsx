import { useCallback, useEffect, useState } from 'react';
import { Linking, Text, View } from 'react-native';
import { ApiError, NetworkError } from '../api/errors';
import type { Poc } from '../api/types';
import { Banner, Body, Button, Card, ConfirmDialog, Loading, Row, Screen, Title } from '../components/ui';
import { useI18n } from '../i18n';
import { usePocsChanged, useServices } from '../state/AppContext';
import { describeError } from '../state/services';
import { useTheme } from '../theme';

export function PocDetailScreen({ id, onEdit, onDeleted }: { id: string; onEdit: (id: string) => void; onDeleted: () => void }) {
  const { api, cache } = useServices();
  const { t, formatDate } = useI18n();
  const theme = useTheme();
  const changed = usePocsChanged();
  const [poc, setPoc] = useState<Poc | null>(null);
  const [offline, setOffline] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const load = useCallback(async () => {
    try {
      const fresh = await api.getPoc(id);
      setPoc(fresh);
      setOffline(false);
      setError(null);
      void cache.savePoc(fresh);
    } catch (e) {
      const cached = e instanceof NetworkError ? await cache.poc(id) : null;
      if (cached) {
        setPoc(cached);
        setOffline(true);
      } else if (e instanceof ApiError && e.status === 404) setError(t('poc.detail.notFound'));
      else setError(describeError(t, e));
    }
  }, [api, cache, id, t]);

  useEffect(() => {
    void load();
  }, [load]);
  usePocsChanged(useCallback(() => void load(), [load]));

  async function remove() {
    setDeleting(true);
    try {
      await api.deletePoc(id);
      await cache.forgetPoc(id);
      setConfirming(false);
      changed();
      onDeleted();
    } catch (e) {
      setConfirming(false);
      setDeleting(false);
      setError(describeError(t, e));
    }
  }

  if (!poc) return <Screen>{error ? <Banner tone="error" testID="poc-detail-error">{error}</Banner> : <Loading />}</Screen>;
  return (
    <Screen testID="poc-detail-screen">
      {offline ? <Banner tone="warning" testID="offline-banner">{t('common.offline')}</Banner> : null}
      {error ? <Banner tone="error">{error}</Banner> : null}
      <Title>{poc.name}</Title>
      <Row>
        <Text style={{ color: theme.colors.onPrimary, backgroundColor: theme.colors.primary, paddingHorizontal: 10, paddingVertical: 4, borderRadius: 12, overflow: 'hidden' }} testID="poc-status">
          {t(`poc.status.${poc.status}`)}
        </Text>
        <Body muted>{t('poc.detail.version', { version: poc.version })}</Body>
      </Row>
      <Card>
        {poc.description ? <Body testID="poc-description">{poc.description}</Body> : null}
        <Body muted>{`${t('poc.list.languages')}: ${poc.languages.join(', ') || t('common.none')}`}</Body>
        <Body muted>{`${t('poc.list.tags')}: ${poc.tags.map((x) => `#${x}`).join(' ') || t('common.none')}`}</Body>
        {poc.repoUrl ? (
          <Text accessibilityRole="link" style={{ color: theme.colors.primary, fontSize: theme.font.body }} onPress={() => void Linking.openURL(poc.repoUrl!)}>
            {poc.repoUrl}
          </Text>
        ) : null}
        <Body muted>{`${t('poc.field.startedAt').split(' (')[0]}: ${formatDate(poc.startedAt)} · ${t('poc.field.finishedAt').split(' (')[0]}: ${formatDate(poc.finishedAt)}`}</Body>
        <Body muted>{`${t('poc.detail.created', { when: formatDate(poc.createdAt) })} · ${t('poc.detail.updated', { when: formatDate(poc.updatedAt) })}`}</Body>
      </Card>
      <View style={{ flexDirection: 'row', gap: 8 }}>
        <Button label={t('common.edit')} onPress={() => onEdit(id)} disabled={offline} testID="poc-edit" />
        <Button label={t('common.delete')} variant="danger" onPress={() => setConfirming(true)} disabled={offline} testID="poc-delete" />
      </View>
      <ConfirmDialog
        visible={confirming}
        title={t('poc.delete.title')}
        body={t('poc.delete.body', { name: poc.name })}
        confirmLabel={t('common.delete')}
        onConfirm={() => void remove()}
        onCancel={() => setConfirming(false)}
        busy={deleting}
      />
    </Screen>
  );
}
