import { startTransition, useCallback, useEffect, useRef, useState } from 'react';
import { FlatList, Pressable, RefreshControl, ScrollView, Text, TextInput, View } from 'react-native';
import { NetworkError } from '../api/errors';
import type { Facets, FacetValue, Poc, PocQuery, PocStatus, Suggestions } from '../api/types';
import { PocRow, POC_ROW_HEIGHT } from '../components/PocRow';
import { Banner, Button, Chip, Loading } from '../components/ui';
import { useI18n } from '../i18n';
import type { QueuedPoc } from '../offline/queue';
import { useOnline, useOutbox, usePocsChanged, useServices } from '../state/AppContext';
import { useDebounced } from '../state/hooks';
import { describeError } from '../state/services';
import { useTheme } from '../theme';

const PAGE = 50;
const emptyFacets: Facets = { languages: [], tags: [], status: [] };

interface Filters {
  language: string[];
  tag: string[];
  status: PocStatus | undefined;
}

export function PocListScreen({ onOpen, onNew }: { onOpen: (id: string) => void; onNew: () => void }) {
  const { api, cache, queue } = useServices();
  const { t, formatDate } = useI18n();
  const theme = useTheme();
  const outbox = useOutbox();
  const online = useOnline();

  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 300);
  const suggestFor = useDebounced(text.trim(), 150);
  const [filters, setFilters] = useState<Filters>({ language: [], tag: [], status: undefined });
  const [items, setItems] = useState<Poc[]>([]);
  const [facets, setFacets] = useState<Facets>(emptyFacets);
  const [total, setTotal] = useState(0);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [refreshing, setRefreshing] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [offlineSince, setOfflineSince] = useState<string | null>(null);
  const [suggestions, setSuggestions] = useState<Suggestions | null>(null);
  const generation = useRef(0);

  const query: PocQuery = {
    ...(q ? { q } : { sort: '-createdAt' as const }),
    ...(filters.language.length ? { language: filters.language } : {}),
    ...(filters.tag.length ? { tag: filters.tag } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    limit: PAGE,
  };
  const queryKey = JSON.stringify(query);

  const load = useCallback(
    async (mode: 'first' | 'refresh') => {
      const mine = ++generation.current;
      const current = JSON.parse(queryKey) as PocQuery;
      if (mode === 'refresh') setRefreshing(true);
      else setLoading(true);
      try {
        const page = await api.listPocs(current);
        if (mine !== generation.current) return;
        setItems(page.items);
        setFacets(page.facets ?? emptyFacets);
        setTotal(page.total);
        setCursor(page.nextCursor);
        setError(null);
        setOfflineSince(null);
        void cache.saveList(current, page);
      } catch (e) {
        if (mine !== generation.current) return;
        const cached = e instanceof NetworkError ? await cache.lastList() : null;
        if (cached) {
          setItems(cached.page.items);
          setFacets(cached.page.facets ?? emptyFacets);
          setTotal(cached.page.total);
          setCursor(null);
          setOfflineSince(cached.savedAt);
          setError(null);
        } else setError(describeError(t, e));
      } finally {
        if (mine === generation.current) {
          setLoading(false);
          setRefreshing(false);
        }
      }
    },
    [api, cache, queryKey, t],
  );

  useEffect(() => {
    void load('first');
  }, [load]);
  usePocsChanged(useCallback(() => void load('refresh'), [load]));

  useEffect(() => {
    if (!suggestFor) {
      setSuggestions(null);
      return;
    }
    const controller = new AbortController();
    api
      .suggest(suggestFor, controller.signal)
      .then(setSuggestions)
      .catch(() => undefined);
    return () => controller.abort();
  }, [api, suggestFor]);

  async function loadMore() {
    if (!cursor || loadingMore || loading) return;
    const mine = generation.current;
    setLoadingMore(true);
    try {
      const page = await api.listPocs({ ...(JSON.parse(queryKey) as PocQuery), cursor });
      if (mine !== generation.current) return;
      // An interruptible update: appending a page never holds up the frame the user is scrolling.
      startTransition(() => {
        setItems((prev) => {
          const seen = new Set(prev.map((p) => p.id));
          return [...prev, ...page.items.filter((p) => !seen.has(p.id))];
        });
        setCursor(page.nextCursor);
      });
    } catch (e) {
      setError(describeError(t, e));
    } finally {
      setLoadingMore(false);
    }
  }

  const toggle = (kind: 'language' | 'tag', value: string) =>
    setFilters((f) => ({ ...f, [kind]: f[kind].includes(value) ? f[kind].filter((v) => v !== value) : [...f[kind], value] }));
  const hasFilters = filters.language.length > 0 || filters.tag.length > 0 || !!filters.status;
  const showSuggestions = !!suggestions && text.trim() === suggestFor && (suggestions.names.length + suggestions.tags.length + suggestions.languages.length > 0);

  const renderItem = useCallback(({ item }: { item: Poc }) => <PocRow poc={item} onOpen={onOpen} />, [onOpen]);

  return (
    <View style={{ flex: 1, backgroundColor: theme.colors.background }} testID="poc-list-screen">
      <View style={{ padding: theme.space(3), gap: theme.space(2), backgroundColor: theme.colors.surface, borderBottomWidth: 1, borderBottomColor: theme.colors.border }}>
        <View style={{ flexDirection: 'row', gap: 8, alignItems: 'center' }}>
          <TextInput
            value={text}
            onChangeText={setText}
            placeholder={t('poc.list.search')}
            accessibilityLabel={t('poc.list.search')}
            accessibilityHint={t('poc.list.searchHint')}
            placeholderTextColor={theme.colors.placeholder}
            autoCapitalize="none"
            autoCorrect={false}
            returnKeyType="search"
            testID="poc-search"
            style={{ flex: 1, minHeight: theme.touch, borderWidth: 1, borderColor: theme.colors.border, borderRadius: theme.radius, paddingHorizontal: 12, color: theme.colors.text, backgroundColor: theme.colors.background, fontSize: theme.font.body }}
          />
          <Button label={t('poc.list.new')} onPress={onNew} testID="poc-new" />
        </View>
        {showSuggestions ? (
          <View accessibilityLabel={t('poc.list.suggestions')} testID="poc-suggestions" style={{ flexDirection: 'row', flexWrap: 'wrap' }}>
            {suggestions!.names.map((name) => (
              <Chip key={`n-${name}`} label={name} onPress={() => setText(name)} testID={`suggest-name-${name}`} />
            ))}
            {suggestions!.languages.map((l) => (
              <Chip key={`l-${l}`} label={l} onPress={() => toggle('language', l)} testID={`suggest-language-${l}`} />
            ))}
            {suggestions!.tags.map((tag) => (
              <Chip key={`t-${tag}`} label={`#${tag}`} onPress={() => toggle('tag', tag)} testID={`suggest-tag-${tag}`} />
            ))}
          </View>
        ) : null}
        <FacetRow title={t('poc.list.languages')} values={withSelected(facets.languages, filters.language)} selected={filters.language} onToggle={(v) => toggle('language', v)} testID="facet-language" />
        <FacetRow title={t('poc.list.tags')} values={withSelected(facets.tags, filters.tag)} selected={filters.tag} onToggle={(v) => toggle('tag', v)} testID="facet-tag" />
        <FacetRow
          title={t('poc.list.status')}
          values={withSelected(facets.status, filters.status ? [filters.status] : [])}
          selected={filters.status ? [filters.status] : []}
          label={(v) => t(`poc.status.${v}`)}
          onToggle={(v) => setFilters((f) => ({ ...f, status: f.status === v ? undefined : (v as PocStatus) }))}
          testID="facet-status"
        />
        <View style={{ flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center' }}>
          <Text style={{ color: theme.colors.textMuted, fontSize: theme.font.small }} testID="poc-total" accessibilityLiveRegion="polite">
            {t('poc.list.total', { count: total })}
          </Text>
          {hasFilters ? (
            <Pressable accessibilityRole="button" onPress={() => setFilters({ language: [], tag: [], status: undefined })} style={{ minHeight: 32, justifyContent: 'center' }}>
              <Text style={{ color: theme.colors.primary, fontSize: theme.font.small }}>{t('poc.list.clearFilters')}</Text>
            </Pressable>
          ) : null}
        </View>
      </View>
      {offlineSince ? (
        <Banner tone="warning" testID="offline-banner">{`${t('common.offline')} (${formatDate(offlineSince)})`}</Banner>
      ) : !online ? (
        <Banner tone="warning" testID="offline-banner">{t('common.offline')}</Banner>
      ) : null}
      {error ? (
        <View style={{ padding: 12, gap: 8 }}>
          <Banner tone="error" testID="poc-list-error">{error}</Banner>
          <Button label={t('common.retry')} variant="secondary" onPress={() => void load('first')} />
        </View>
      ) : null}
      <FlatList
        data={items}
        keyExtractor={(p) => p.id}
        renderItem={renderItem}
        getItemLayout={(_, index) => ({ length: POC_ROW_HEIGHT, offset: POC_ROW_HEIGHT * index, index })}
        initialNumToRender={15}
        maxToRenderPerBatch={10}
        updateCellsBatchingPeriod={30}
        windowSize={7}
        onEndReached={() => void loadMore()}
        onEndReachedThreshold={0.6}
        refreshControl={<RefreshControl refreshing={refreshing} onRefresh={() => void load('refresh')} tintColor={theme.colors.primary} />}
        ListHeaderComponent={<Pending items={outbox} onDiscard={(id) => void queue.remove(id)} />}
        ListEmptyComponent={loading ? <Loading /> : error ? null : <Text style={{ padding: 24, color: theme.colors.textMuted, textAlign: 'center' }} testID="poc-empty">{q || hasFilters ? t('poc.list.noMatch') : t('poc.list.empty')}</Text>}
        ListFooterComponent={loadingMore ? <Loading /> : null}
        testID="poc-list"
        style={{ flex: 1 }}
      />
    </View>
  );
}

function withSelected(values: FacetValue[], selected: string[]): FacetValue[] {
  const missing = selected.filter((s) => !values.some((v) => v.value === s)).map((value) => ({ value, count: 0 }));
  return [...missing, ...values];
}

function FacetRow({ title, values, selected, onToggle, label, testID }: { title: string; values: FacetValue[]; selected: string[]; onToggle: (v: string) => void; label?: (v: string) => string; testID: string }) {
  const theme = useTheme();
  if (values.length === 0) return null;
  return (
    <View style={{ flexDirection: 'row', alignItems: 'center', gap: 8 }} testID={testID}>
      <Text style={{ color: theme.colors.textMuted, fontSize: theme.font.small, width: 84 }}>{title}</Text>
      <ScrollView horizontal showsHorizontalScrollIndicator={false} contentContainerStyle={{ alignItems: 'center' }}>
        {values.map((v) => (
          <Chip key={v.value} label={label ? label(v.value) : v.value} count={v.count} selected={selected.includes(v.value)} onPress={() => onToggle(v.value)} testID={`${testID}-${v.value}`} />
        ))}
      </ScrollView>
    </View>
  );
}

function Pending({ items, onDiscard }: { items: QueuedPoc[]; onDiscard: (id: string) => void }) {
  const theme = useTheme();
  const { t } = useI18n();
  if (items.length === 0) return null;
  return (
    <View testID="poc-pending">
      {items.map((item) => (
        <View key={item.id} style={{ minHeight: POC_ROW_HEIGHT, paddingHorizontal: theme.space(4), justifyContent: 'center', backgroundColor: theme.colors.surfaceAlt, borderBottomWidth: 1, borderBottomColor: theme.colors.border, flexDirection: 'row', alignItems: 'center' }}>
          <View style={{ flex: 1 }}>
            <Text style={{ color: theme.colors.text, fontSize: theme.font.body, fontWeight: '600' }}>{item.body.name || '—'}</Text>
            <Text style={{ color: item.error ? theme.colors.danger : theme.colors.textMuted, fontSize: theme.font.small }}>
              {item.error ? t('poc.list.pendingFailed', { detail: Object.values(item.error.fieldErrors)[0] ?? item.error.detail }) : t('poc.list.pending')}
            </Text>
          </View>
          {item.error ? <Button label={t('poc.list.discard')} variant="ghost" onPress={() => onDiscard(item.id)} /> : null}
        </View>
      ))}
    </View>
  );
}
