import { Text, type TextStyle } from 'react-native';
import { useTheme } from '../theme';

/** Search highlight `a <mark>kub</mark>ernetes` as text runs: never rendered as HTML. */
export function splitMarks(text: string): { text: string; marked: boolean }[] {
  const parts: { text: string; marked: boolean }[] = [];
  const re = /<mark>(.*?)<\/mark>/gs;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index), marked: false });
    parts.push({ text: m[1] ?? '', marked: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), marked: false });
  return parts.map((p) => ({ ...p, text: p.text.replace(/<\/?[^>]+>/g, '') }));
}

export function Highlighted({ text, highlight, style, numberOfLines }: { text: string; highlight?: string | string[] | undefined; style?: TextStyle; numberOfLines?: number }) {
  const theme = useTheme();
  const source = Array.isArray(highlight) ? highlight[0] : highlight;
  if (!source) return <Text style={style} numberOfLines={numberOfLines}>{text}</Text>;
  return (
    <Text style={style} numberOfLines={numberOfLines} accessibilityLabel={text}>
      {splitMarks(source).map((part, i) =>
        part.marked ? (
          <Text key={i} style={{ backgroundColor: theme.colors.mark, fontWeight: '700' }}>
            {part.text}
          </Text>
        ) : (
          part.text
        ),
      )}
    </Text>
  );
}
