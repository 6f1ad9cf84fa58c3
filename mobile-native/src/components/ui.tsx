import type { ReactNode } from 'react';
import { ActivityIndicator, Modal, Pressable, ScrollView, StyleSheet, Text, TextInput, type TextInputProps, View, type ViewStyle } from 'react-native';
import { useI18n } from '../i18n';
import { useTheme } from '../theme';

export function Screen({ children, scroll = true, testID }: { children: ReactNode; scroll?: boolean; testID?: string }) {
  const theme = useTheme();
  const style = { flex: 1, backgroundColor: theme.colors.background };
  if (!scroll) return <View style={[style, { padding: theme.space(4) }]} testID={testID}>{children}</View>;
  return (
    <ScrollView style={style} contentContainerStyle={{ padding: theme.space(4), gap: theme.space(3), maxWidth: 760, width: '100%', alignSelf: 'center' }} keyboardShouldPersistTaps="handled" testID={testID}>
      {children}
    </ScrollView>
  );
}

export function Title({ children, level = 1 }: { children: ReactNode; level?: 1 | 2 }) {
  const theme = useTheme();
  return (
    <Text accessibilityRole="header" style={{ color: theme.colors.text, fontSize: level === 1 ? theme.font.large : theme.font.title, fontWeight: '700' }}>
      {children}
    </Text>
  );
}

export function Body({ children, muted, style, testID }: { children: ReactNode; muted?: boolean; style?: object; testID?: string }) {
  const theme = useTheme();
  return <Text testID={testID} style={[{ color: muted ? theme.colors.textMuted : theme.colors.text, fontSize: theme.font.body, lineHeight: theme.font.body * 1.4 }, style]}>{children}</Text>;
}

type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export function Button({ label, onPress, variant = 'primary', disabled, busy, testID, hint, style }: { label: string; onPress: () => void; variant?: ButtonVariant; disabled?: boolean; busy?: boolean; testID?: string; hint?: string; style?: ViewStyle }) {
  const theme = useTheme();
  const bg = { primary: theme.colors.primary, secondary: theme.colors.surfaceAlt, danger: theme.colors.danger, ghost: 'transparent' }[variant];
  const fg = { primary: theme.colors.onPrimary, secondary: theme.colors.text, danger: '#ffffff', ghost: theme.colors.primary }[variant];
  const inactive = disabled || busy;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={label}
      {...(hint ? { accessibilityHint: hint } : {})}
      accessibilityState={{ disabled: !!inactive, busy: !!busy }}
      disabled={inactive}
      onPress={onPress}
      testID={testID}
      style={({ pressed }) => [
        { minHeight: theme.touch, minWidth: theme.touch, paddingHorizontal: theme.space(4), borderRadius: theme.radius, backgroundColor: bg, alignItems: 'center', justifyContent: 'center', flexDirection: 'row', gap: 8, opacity: inactive ? 0.55 : pressed ? 0.8 : 1 },
        variant === 'secondary' ? { borderWidth: 1, borderColor: theme.colors.border } : null,
        style,
      ]}
    >
      {busy ? <ActivityIndicator color={fg} size="small" /> : null}
      <Text style={{ color: fg, fontSize: theme.font.body, fontWeight: '600' }}>{label}</Text>
    </Pressable>
  );
}

export function Field({ label, error, testID, multiline, ...input }: TextInputProps & { label: string; error?: string | undefined; testID?: string }) {
  const theme = useTheme();
  return (
    <View style={{ gap: 4 }}>
      <Text style={{ color: theme.colors.text, fontSize: theme.font.small, fontWeight: '600' }} nativeID={`${testID}-label`}>
        {label}
      </Text>
      <TextInput
        accessibilityLabel={label}
        {...(error ? { accessibilityHint: error } : {})}
        aria-invalid={!!error}
        testID={testID}
        placeholderTextColor={theme.colors.placeholder}
        multiline={multiline}
        style={{
          minHeight: multiline ? 88 : theme.touch,
          borderWidth: error ? 2 : 1,
          borderColor: error ? theme.colors.danger : theme.colors.border,
          borderRadius: theme.radius,
          paddingHorizontal: theme.space(3),
          paddingVertical: theme.space(2),
          color: theme.colors.text,
          backgroundColor: theme.colors.surface,
          fontSize: theme.font.body,
          textAlignVertical: multiline ? 'top' : 'center',
        }}
        {...input}
      />
      {error ? (
        <Text accessibilityRole="alert" testID={testID ? `${testID}-error` : undefined} style={{ color: theme.colors.danger, fontSize: theme.font.small }}>
          {error}
        </Text>
      ) : null}
    </View>
  );
}

export function Chip({ label, count, selected, onPress, testID }: { label: string; count?: number; selected?: boolean; onPress: () => void; testID?: string }) {
  const theme = useTheme();
  const { t } = useI18n();
  return (
    <Pressable
      accessibilityRole="checkbox"
      accessibilityState={{ checked: !!selected }}
      accessibilityLabel={count === undefined ? label : t('poc.list.filter', { name: label, count })}
      onPress={onPress}
      testID={testID}
      style={{ minHeight: 36, paddingHorizontal: 12, borderRadius: 18, justifyContent: 'center', backgroundColor: selected ? theme.colors.chipSelected : theme.colors.chip, marginRight: 6, marginBottom: 6 }}
    >
      <Text style={{ color: selected ? theme.colors.onChipSelected : theme.colors.text, fontSize: theme.font.small, fontWeight: selected ? '700' : '500' }}>
        {label}
        {count === undefined ? '' : ` · ${count}`}
      </Text>
    </Pressable>
  );
}

export function Banner({ children, tone = 'info', testID }: { children: ReactNode; tone?: 'info' | 'error' | 'warning' | 'success'; testID?: string }) {
  const theme = useTheme();
  const color = { info: theme.colors.primary, error: theme.colors.danger, warning: theme.colors.warning, success: theme.colors.success }[tone];
  return (
    <View accessibilityRole={tone === 'error' ? 'alert' : 'summary'} accessibilityLiveRegion="polite" testID={testID} style={{ borderLeftWidth: 4, borderLeftColor: color, backgroundColor: theme.colors.surface, padding: theme.space(3), borderRadius: 6 }}>
      {typeof children === 'string' ? <Text style={{ color: theme.colors.text, fontSize: theme.font.body }}>{children}</Text> : children}
    </View>
  );
}

export function Card({ children, style, testID }: { children: ReactNode; style?: ViewStyle; testID?: string }) {
  const theme = useTheme();
  return <View testID={testID} style={[{ backgroundColor: theme.colors.surface, borderRadius: theme.radius, padding: theme.space(4), borderWidth: StyleSheet.hairlineWidth, borderColor: theme.colors.border, gap: theme.space(2) }, style]}>{children}</View>;
}

export function Loading() {
  const theme = useTheme();
  const { t } = useI18n();
  return (
    <View style={{ padding: 24, alignItems: 'center' }} accessibilityLabel={t('common.loading')} accessibilityRole="progressbar">
      <ActivityIndicator color={theme.colors.primary} />
    </View>
  );
}

/** A confirmation that works the same on devices and the web (react-native-web has no Alert). */
export function ConfirmDialog({ visible, title, body, confirmLabel, onConfirm, onCancel, busy }: { visible: boolean; title: string; body: string; confirmLabel: string; onConfirm: () => void; onCancel: () => void; busy?: boolean }) {
  const theme = useTheme();
  const { t } = useI18n();
  return (
    <Modal visible={visible} transparent animationType="fade" onRequestClose={onCancel}>
      <View style={{ flex: 1, backgroundColor: 'rgba(0,0,0,0.45)', alignItems: 'center', justifyContent: 'center', padding: 24 }}>
        <View accessibilityViewIsModal accessibilityRole="alert" style={{ backgroundColor: theme.colors.surface, borderRadius: theme.radius, padding: 20, gap: 12, width: '100%', maxWidth: 420 }}>
          <Title level={2}>{title}</Title>
          <Body>{body}</Body>
          <View style={{ flexDirection: 'row', justifyContent: 'flex-end', gap: 8 }}>
            <Button label={t('common.cancel')} variant="secondary" onPress={onCancel} testID="confirm-cancel" />
            <Button label={confirmLabel} variant="danger" onPress={onConfirm} busy={!!busy} testID="confirm-ok" />
          </View>
        </View>
      </View>
    </Modal>
  );
}

export function Row({ children, style }: { children: ReactNode; style?: ViewStyle }) {
  return <View style={[{ flexDirection: 'row', flexWrap: 'wrap', alignItems: 'center', gap: 8 }, style]}>{children}</View>;
}
