import { useState } from 'react';
import { ApiError } from '../api/errors';
import { Banner, Body, Button, Field, Screen, Title } from '../components/ui';
import { type SignUpValues, signUpFieldErrors, slugify, toSignUpRequest, validateSignUp } from '../forms/auth-forms';
import { fieldMessage, useI18n } from '../i18n';
import { useServices } from '../state/AppContext';
import { describeError } from '../state/services';

type Errors = Partial<Record<keyof SignUpValues, string>>;

export function SignUpScreen({ onLogin }: { onLogin: () => void }) {
  const { api } = useServices();
  const { t } = useI18n();
  const [values, setValues] = useState<SignUpValues>({ organisation: '', slug: '', displayName: '', email: '', password: '' });
  const [slugTouched, setSlugTouched] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const set = (field: keyof SignUpValues) => (text: string) =>
    setValues((v) => ({ ...v, [field]: text, ...(field === 'organisation' && !slugTouched ? { slug: slugify(text) } : {}) }));

  async function submit() {
    const local = validateSignUp(values);
    setErrors(local);
    setFailure([]);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await api.signUp(toSignUpRequest(values));
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fieldErrors).length > 0) {
        const { fields, other } = signUpFieldErrors(error.fieldErrors);
        setErrors(fields);
        setFailure([error.status === 409 ? error.message : t('validation.fixFields'), ...other]);
      } else setFailure([describeError(t, error)]);
      setBusy(false);
    }
  }

  return (
    <Screen testID="signup-screen">
      <Body muted style={{ fontWeight: '700', letterSpacing: 1 }}>{t('app.name').toUpperCase()}</Body>
      <Title>{t('auth.signup.title')}</Title>
      {failure.length > 0 ? <Banner tone="error" testID="signup-error">{failure.join('\n')}</Banner> : null}
      <Field label={t('auth.signup.organisation')} testID="signup-organisation" value={values.organisation} onChangeText={set('organisation')} error={fieldMessage(t, errors.organisation)} />
      <Field
        label={t('auth.signup.slug')}
        testID="signup-slug"
        value={values.slug}
        onChangeText={(text) => {
          setSlugTouched(true);
          set('slug')(text);
        }}
        autoCapitalize="none"
        autoCorrect={false}
        error={fieldMessage(t, errors.slug)}
      />
      <Field label={t('auth.signup.displayName')} testID="signup-name" value={values.displayName} onChangeText={set('displayName')} autoComplete="name" error={fieldMessage(t, errors.displayName)} />
      <Field label={t('auth.signup.email')} testID="signup-email" value={values.email} onChangeText={set('email')} autoCapitalize="none" keyboardType="email-address" autoComplete="email" error={fieldMessage(t, errors.email)} />
      <Field label={t('auth.signup.password')} testID="signup-password" value={values.password} onChangeText={set('password')} secureTextEntry autoComplete="new-password" error={fieldMessage(t, errors.password)} />
      <Button label={t('auth.signup.submit')} onPress={submit} busy={busy} testID="signup-submit" />
      <Button label={t('auth.signup.haveAccount')} variant="ghost" onPress={onLogin} testID="go-login" />
    </Screen>
  );
}
