import { useEffect, useState } from 'react';
import { View } from 'react-native';
import { ApiError, NetworkError } from '../api/errors';
import { POC_STATUSES, type Poc } from '../api/types';
import { Banner, Body, Button, Chip, Field, Loading, Row, Screen, Title } from '../components/ui';
import { conflictingFields, emptyPocForm, formFromPoc, type PocFormErrors, type PocFormValues, pocFieldErrors, toCreateBody, toPatchBody, validatePocForm } from '../forms/poc-form';
import { fieldMessage, useI18n } from '../i18n';
import { useOnline, usePocsChanged, useServices } from '../state/AppContext';
import { describeError } from '../state/services';
import { useTheme } from '../theme';

interface Conflict {
  latest: Poc;
  fields: string[];
}

/** Create (no `id`) or edit a POC. `onDone` gets the id written, or null when the POC was queued offline. */
export function PocFormScreen({ id, onDone }: { id?: string; onDone: (id: string | null) => void }) {
  const { api, cache, queue, platform } = useServices();
  const { t } = useI18n();
  const theme = useTheme();
  const online = useOnline();
  const changed = usePocsChanged();
  const [base, setBase] = useState<Poc | null>(null);
  const [values, setValues] = useState<PocFormValues>(emptyPocForm);
  const [errors, setErrors] = useState<PocFormErrors>({});
  const [failure, setFailure] = useState<string[]>([]);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [busy, setBusy] = useState(false);
  const [loading, setLoading] = useState(!!id);

  useEffect(() => {
    if (!id) return;
    let live = true;
    api
      .getPoc(id)
      .catch(async (e: unknown) => (e instanceof NetworkError ? ((await cache.poc(id)) ?? Promise.reject(e)) : Promise.reject(e)))
      .then((poc) => {
        if (!live) return;
        setBase(poc);
        setValues(formFromPoc(poc));
      })
      .catch((e: unknown) => live && setFailure([describeError(t, e)]))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [api, cache, id, t]);

  const set = (field: keyof PocFormValues) => (text: string) => setValues((v) => ({ ...v, [field]: text }));

  function showServerErrors(error: unknown) {
    if (error instanceof ApiError && Object.keys(error.fieldErrors).length > 0) {
      const { fields, other } = pocFieldErrors(error.fieldErrors);
      setErrors(fields);
      setFailure([t('validation.fixFields'), ...other]);
    } else setFailure([describeError(t, error)]);
  }

  async function create() {
    const body = toCreateBody(values);
    const key = platform.randomId();
    if (!online) {
      await queue.enqueue(body, key);
      onDone(null);
      return;
    }
    try {
      const written = await api.createPoc(body, { idempotencyKey: key });
      changed();
      onDone(written.id);
    } catch (error) {
      if (error instanceof NetworkError) {
        // The answer never came: queue it under the same key, so if the POC was created it is not created twice.
        await queue.enqueue(body, key);
        onDone(null);
        return;
      }
      throw error;
    }
  }

  /**
   * Save what the user changed since `current` (the version they opened). After a conflict,
   * `version` is the latest one: the same changes are applied on top of the other person's.
   */
  async function update(current: Poc, version = current.version) {
    const patch = toPatchBody(current, values);
    if (Object.keys(patch).length === 0) {
      onDone(current.id);
      return;
    }
    try {
      await api.updatePoc(current.id, version, patch);
      changed();
      onDone(current.id);
    } catch (error) {
      if (error instanceof ApiError && error.isConflict) {
        const latest = await api.getPoc(current.id);
        setConflict({ latest, fields: conflictingFields(patch, latest, current) });
        return;
      }
      throw error;
    }
  }

  async function submit() {
    const local = validatePocForm(values);
    setErrors(local);
    setFailure([]);
    if (Object.keys(local).length > 0) {
      setFailure([t('validation.fixFields')]);
      return;
    }
    setBusy(true);
    try {
      if (base) await update(base);
      else await create();
    } catch (error) {
      showServerErrors(error);
    } finally {
      setBusy(false);
    }
  }

  if (loading) return <Screen><Loading /></Screen>;
  return (
    <Screen testID="poc-form-screen">
      <Title>{id ? t('poc.form.editTitle') : t('poc.form.newTitle')}</Title>
      {!online && !id ? <Banner tone="warning" testID="poc-form-offline">{t('poc.form.queued')}</Banner> : null}
      {failure.length > 0 ? <Banner tone="error" testID="poc-form-error">{failure.join('\n')}</Banner> : null}
      {conflict ? (
        <Banner tone="warning" testID="poc-conflict">
          <View style={{ gap: 8 }}>
            <Body style={{ fontWeight: '700' }}>{t('poc.conflict.title')}</Body>
            <Body>{t('poc.conflict.body', { version: conflict.latest.version, fields: conflict.fields.map((f) => t(`poc.field.${f}`).split(' (')[0]).join(', ') || t('poc.conflict.none') })}</Body>
            <Row>
              <Button
                label={t('poc.conflict.keepMine')}
                testID="conflict-keep-mine"
                onPress={() => {
                  setConflict(null);
                  setBusy(true);
                  update(base!, conflict.latest.version)
                    .catch(showServerErrors)
                    .finally(() => setBusy(false));
                }}
              />
              <Button
                label={t('poc.conflict.takeTheirs')}
                variant="secondary"
                testID="conflict-take-theirs"
                onPress={() => {
                  setBase(conflict.latest);
                  setValues(formFromPoc(conflict.latest));
                  setConflict(null);
                }}
              />
            </Row>
          </View>
        </Banner>
      ) : null}
      <Field label={t('poc.field.name')} testID="poc-name" value={values.name} onChangeText={set('name')} maxLength={400} error={fieldMessage(t, errors.name)} />
      <Field label={t('poc.field.description')} testID="poc-description-input" value={values.description} onChangeText={set('description')} multiline error={fieldMessage(t, errors.description)} />
      <Field label={t('poc.field.languages')} testID="poc-languages" value={values.languages} onChangeText={set('languages')} autoCapitalize="none" error={fieldMessage(t, errors.languages)} />
      <Field label={t('poc.field.tags')} testID="poc-tags" value={values.tags} onChangeText={set('tags')} autoCapitalize="none" error={fieldMessage(t, errors.tags)} />
      <Field label={t('poc.field.repoUrl')} testID="poc-repo" value={values.repoUrl} onChangeText={set('repoUrl')} autoCapitalize="none" keyboardType="url" placeholder="https://github.com/owner/repo" error={fieldMessage(t, errors.repoUrl)} />
      <View style={{ gap: 4 }} accessibilityRole="radiogroup" accessibilityLabel={t('poc.field.status')}>
        <Body muted>{t('poc.field.status')}</Body>
        <Row>
          {POC_STATUSES.map((s) => (
            <Chip key={s} label={t(`poc.status.${s}`)} selected={values.status === s} onPress={() => setValues((v) => ({ ...v, status: s }))} testID={`poc-status-${s}`} />
          ))}
        </Row>
        {errors.status ? <Body style={{ color: theme.colors.danger }}>{fieldMessage(t, errors.status)}</Body> : null}
      </View>
      <Field label={t('poc.field.startedAt')} testID="poc-started" value={values.startedAt} onChangeText={set('startedAt')} placeholder="2026-01-31" error={fieldMessage(t, errors.startedAt)} />
      <Field label={t('poc.field.finishedAt')} testID="poc-finished" value={values.finishedAt} onChangeText={set('finishedAt')} placeholder="2026-02-28" error={fieldMessage(t, errors.finishedAt)} />
      <Button label={t('common.save')} onPress={() => void submit()} busy={busy} disabled={!!conflict} testID="poc-save" />
    </Screen>
  );
}
