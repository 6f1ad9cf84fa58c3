import { memo } from 'react';
import { Pressable, Text, View } from 'react-native';
import type { Poc } from '../api/types';
import { useI18n } from '../i18n';
import { useTheme } from '../theme';
import { Highlighted } from './Highlighted';

/** Every row has the same height, so the list can be virtualised without measuring (getItemLayout). */
export const POC_ROW_HEIGHT = 76;

export const PocRow = memo(function PocRow({ poc, onOpen }: { poc: Poc; onOpen: (id: string) => void }) {
  const theme = useTheme();
  const { t } = useI18n();
  const meta = [...poc.languages, ...poc.tags.map((tag) => `#${tag}`)].join('  ');
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`${poc.name}, ${t(`poc.status.${poc.status}`)}${meta ? `, ${meta}` : ''}`}
      onPress={() => onOpen(poc.id)}
      testID={`poc-row-${poc.id}`}
      style={({ pressed }) => ({
        height: POC_ROW_HEIGHT,
        paddingHorizontal: theme.space(4),
        justifyContent: 'center',
        backgroundColor: pressed ? theme.colors.surfaceAlt : theme.colors.surface,
        borderBottomWidth: 1,
        borderBottomColor: theme.colors.border,
      })}
    >
      <View style={{ flexDirection: 'row', alignItems: 'center', gap: 8 }}>
        <Highlighted text={poc.name} highlight={poc.highlight?.name} numberOfLines={1} style={{ flex: 1, color: theme.colors.text, fontSize: theme.font.body, fontWeight: '600' }} />
        <Text style={{ color: theme.colors.textMuted, fontSize: theme.font.small }}>{t(`poc.status.${poc.status}`)}</Text>
      </View>
      <Text numberOfLines={1} style={{ color: theme.colors.textMuted, fontSize: theme.font.small, marginTop: 4 }}>
        {meta || '—'}
      </Text>
    </Pressable>
  );
});
