import { useCallback, useEffect, useState } from 'react';
import { FlatList, RefreshControl, Text, View } from 'react-native';
import { ApiError } from '../api/errors';
import type { Dojo } from '../api/types';
import { Banner, Body, Button, Card, Chip, Field, Loading, Row, Title } from '../components/ui';
import { fieldMessage, useI18n } from '../i18n';
import { useServices } from '../state/AppContext';
import { describeError } from '../state/services';
import { useTheme } from '../theme';

const LANGUAGES = ['javascript', 'typescript', 'python', 'java'];

export function DojoListScreen({ onOpen }: { onOpen: (id: string) => void }) {
  const { api } = useServices();
  const { t, formatDate } = useI18n();
  const theme = useTheme();
  const [dojos, setDojos] = useState<Dojo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [creating, setCreating] = useState(false);

  const load = useCallback(async () => {
    try {
      const page = await api.listDojos({ limit: 50 });
      setDojos(page.items);
      setError(null);
    } catch (e) {
      setError(describeError(t, e));
    } finally {
      setRefreshing(false);
    }
  }, [api, t]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <View style={{ flex: 1, backgroundColor: theme.colors.background }} testID="dojo-list-screen">
      <FlatList
        data={dojos ?? []}
        keyExtractor={(d) => d.id}
        refreshControl={<RefreshControl refreshing={refreshing} onRefresh={() => { setRefreshing(true); void load(); }} />}
        contentContainerStyle={{ padding: theme.space(4), gap: theme.space(3), maxWidth: 760, width: '100%', alignSelf: 'center' }}
        ListHeaderComponent={
          <View style={{ gap: theme.space(3) }}>
            <Row style={{ justifyContent: 'space-between' }}>
              <Title>{t('dojo.list.title')}</Title>
              {!creating ? <Button label={t('dojo.list.new')} onPress={() => setCreating(true)} testID="dojo-new" /> : null}
            </Row>
            {creating ? (
              <CreateDojo
                onCancel={() => setCreating(false)}
                onCreated={(dojo) => {
                  setCreating(false);
                  setDojos((d) => [dojo, ...(d ?? [])]);
                  onOpen(dojo.id);
                }}
              />
            ) : null}
            {error ? <Banner tone="error">{error}</Banner> : null}
          </View>
        }
        ListEmptyComponent={dojos ? <Body muted>{t('dojo.list.empty')}</Body> : <Loading />}
        renderItem={({ item }) => (
          <Card testID={`dojo-row-${item.id}`}>
            <Row style={{ justifyContent: 'space-between' }}>
              <Text style={{ color: theme.colors.text, fontSize: theme.font.title, fontWeight: '600', flexShrink: 1 }}>{item.title}</Text>
              <Text style={{ color: item.status === 'live' ? theme.colors.success : theme.colors.textMuted, fontWeight: '600' }}>{t(`dojo.status.${item.status}`)}</Text>
            </Row>
            <Body muted>{[item.kata, item.language, item.scheduledAt ? formatDate(item.scheduledAt) : null, `${item.rotationMinutes} min`].filter(Boolean).join(' · ')}</Body>
            <Body muted>{item.participants.map((p) => p.displayName).join(', ')}</Body>
            <Button label={item.status === 'ended' ? t('dojo.list.view') : t('dojo.list.join')} onPress={() => onOpen(item.id)} variant={item.status === 'ended' ? 'secondary' : 'primary'} testID={`dojo-open-${item.id}`} style={{ alignSelf: 'flex-start' }} />
          </Card>
        )}
      />
    </View>
  );
}

function CreateDojo({ onCreated, onCancel }: { onCreated: (dojo: Dojo) => void; onCancel: () => void }) {
  const { api } = useServices();
  const { t } = useI18n();
  const [title, setTitle] = useState('');
  const [kata, setKata] = useState('');
  const [language, setLanguage] = useState('javascript');
  const [rotation, setRotation] = useState('7');
  const [starterCode, setStarterCode] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    const local: Record<string, string> = {};
    if (!title.trim()) local.title = 'validation.required';
    const minutes = Number(rotation);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 120) local.rotationMinutes = '1–120';
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const dojo = await api.createDojo({ title: title.trim(), language, rotationMinutes: minutes, ...(kata.trim() ? { kata: kata.trim() } : {}), ...(starterCode ? { starterCode } : {}) });
      onCreated(dojo);
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fieldErrors).length) {
        setErrors(e.fieldErrors as Record<string, string>);
        setFailure(t('validation.fixFields'));
      } else setFailure(describeError(t, e));
      setBusy(false);
    }
  }

  return (
    <Card testID="dojo-create">
      {failure ? <Banner tone="error" testID="dojo-create-error">{failure}</Banner> : null}
      <Field label={t('dojo.form.title')} testID="dojo-title" value={title} onChangeText={setTitle} error={fieldMessage(t, errors.title)} />
      <Field label={t('dojo.form.kata')} testID="dojo-kata" value={kata} onChangeText={setKata} error={fieldMessage(t, errors.kata)} />
      <Body muted>{t('dojo.form.language')}</Body>
      <Row>
        {LANGUAGES.map((l) => (
          <Chip key={l} label={l} selected={language === l} onPress={() => setLanguage(l)} testID={`dojo-language-${l}`} />
        ))}
      </Row>
      <Field label={t('dojo.form.rotation')} testID="dojo-rotation" value={rotation} onChangeText={setRotation} keyboardType="number-pad" error={fieldMessage(t, errors.rotationMinutes)} />
      <Field label={t('dojo.form.starterCode')} testID="dojo-starter" value={starterCode} onChangeText={setStarterCode} multiline autoCapitalize="none" autoCorrect={false} error={fieldMessage(t, errors.starterCode)} />
      <Row>
        <Button label={t('dojo.form.create')} onPress={() => void submit()} busy={busy} testID="dojo-create-submit" />
        <Button label={t('common.cancel')} variant="secondary" onPress={onCancel} />
      </Row>
    </Card>
  );
}
