import { Text, View } from 'react-native';
import { useI18n } from '../i18n';
import type { Bar } from '../reports/summary';
import { useTheme } from '../theme';

/** Horizontal bars drawn with native views: no chart library, readable by screen readers bar by bar. */
export function BarChart({ title, bars, label, testID }: { title: string; bars: Bar[]; label?: (l: string) => string; testID?: string }) {
  const theme = useTheme();
  const { t, formatNumber } = useI18n();
  const max = Math.max(1, ...bars.map((b) => b.count));
  return (
    <View style={{ gap: 6 }} testID={testID} accessibilityLabel={title}>
      <Text accessibilityRole="header" style={{ color: theme.colors.text, fontSize: theme.font.title, fontWeight: '600' }}>
        {title}
      </Text>
      {bars.length === 0 ? <Text style={{ color: theme.colors.textMuted }}>{t('report.empty')}</Text> : null}
      {bars.map((bar) => {
        const name = label ? label(bar.label) : bar.label;
        return (
          <View key={bar.label} accessible accessibilityLabel={t('report.chartLabel', { label: name, count: bar.count })} style={{ flexDirection: 'row', alignItems: 'center', gap: 8 }}>
            <Text numberOfLines={1} style={{ width: 96, color: theme.colors.textMuted, fontSize: theme.font.small }}>
              {name}
            </Text>
            <View style={{ flex: 1, height: 18, backgroundColor: theme.colors.surfaceAlt, borderRadius: 4, overflow: 'hidden' }}>
              <View style={{ width: `${(bar.count / max) * 100}%`, height: '100%', backgroundColor: theme.colors.primary, borderRadius: 4 }} />
            </View>
            <Text style={{ width: 40, textAlign: 'right', color: theme.colors.text, fontSize: theme.font.small, fontVariant: ['tabular-nums'] }}>{formatNumber(bar.count)}</Text>
          </View>
        );
      })}
    </View>
  );
}
