import { useState } from 'react';
import { ApiError } from '../api/errors';
import { Banner, Body, Button, Field, Screen, Title } from '../components/ui';
import { type LoginValues, toLoginRequest, validateLogin } from '../forms/auth-forms';
import { fieldMessage, useI18n } from '../i18n';
import { useServices } from '../state/AppContext';
import { describeError } from '../state/services';

export function LoginScreen({ onSignUp }: { onSignUp: () => void }) {
  const { api, session } = useServices();
  const { t } = useI18n();
  const [values, setValues] = useState<LoginValues>({ tenant: session.current?.tenantSlug ?? '', email: '', password: '' });
  const [errors, setErrors] = useState<Partial<Record<keyof LoginValues, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof LoginValues) => (text: string) => setValues((v) => ({ ...v, [field]: text }));

  async function submit() {
    const local = validateLogin(values);
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await api.login(toLoginRequest(values));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setFailure(t('auth.login.failed'));
      else if (error instanceof ApiError && Object.keys(error.fieldErrors).length > 0) {
        setErrors(error.fieldErrors as Partial<Record<keyof LoginValues, string>>);
        setFailure(t('validation.fixFields'));
      } else setFailure(describeError(t, error));
      setBusy(false);
    }
  }

  return (
    <Screen testID="login-screen">
      <Body muted style={{ fontWeight: '700', letterSpacing: 1 }}>{t('app.name').toUpperCase()}</Body>
      <Title>{t('auth.login.title')}</Title>
      {failure ? <Banner tone="error" testID="login-error">{failure}</Banner> : null}
      <Field label={t('auth.login.tenant')} testID="login-tenant" value={values.tenant} onChangeText={set('tenant')} autoCapitalize="none" autoCorrect={false} error={fieldMessage(t, errors.tenant)} />
      <Field label={t('auth.login.email')} testID="login-email" value={values.email} onChangeText={set('email')} autoCapitalize="none" keyboardType="email-address" autoComplete="email" error={fieldMessage(t, errors.email)} />
      <Field label={t('auth.login.password')} testID="login-password" value={values.password} onChangeText={set('password')} secureTextEntry autoComplete="current-password" onSubmitEditing={submit} error={fieldMessage(t, errors.password)} />
      <Button label={t('auth.login.submit')} onPress={submit} busy={busy} testID="login-submit" />
      <Button label={t('auth.login.noAccount')} variant="ghost" onPress={onSignUp} testID="go-signup" />
    </Screen>
  );
}
