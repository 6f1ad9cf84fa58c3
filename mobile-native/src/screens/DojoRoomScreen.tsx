import { Suspense, useCallback, useEffect, useState } from 'react';
import { Text, View } from 'react-native';
import type { Dojo, DojoParticipant, Me } from '../api/types';
import { LazyCodeEditor as CodeEditor } from '../components/dojo/LazyCodeEditor';
import { colorFor, type EditorSnapshot } from '../components/dojo/types';
import { Banner, Body, Button, Card, ConfirmDialog, Loading, Row, Title } from '../components/ui';
import { useI18n } from '../i18n';
import { useServices } from '../state/AppContext';
import { useNow } from '../state/hooks';
import { describeError } from '../state/services';
import { useTheme } from '../theme';

type Sync = { serverUrl: string; room: string; params: Record<string, string> };

export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function DojoRoomScreen({ id }: { id: string }) {
  const { api } = useServices();
  const { t } = useI18n();
  const theme = useTheme();
  const now = useNow(1000);
  const [dojo, setDojo] = useState<Dojo | null>(null);
  const [me, setMe] = useState<Me | null>(null);
  const [sync, setSync] = useState<Sync | null>(null);
  const [finalCode, setFinalCode] = useState<string | null>(null);
  const [live, setLive] = useState<EditorSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [ending, setEnding] = useState(false);

  const load = useCallback(async () => {
    try {
      const [d, who] = await Promise.all([api.getDojo(id), api.me()]);
      setDojo(d);
      setMe(who);
      if (d.status === 'ended') setFinalCode((await api.dojoCode(id)).code);
      else setSync(await api.dojoSync(id, who.displayName));
    } catch (e) {
      setError(describeError(t, e));
    }
  }, [api, id, t]);

  useEffect(() => {
    void load();
  }, [load]);

  const ended = dojo?.status === 'ended' || live?.session.status === 'ended';
  useEffect(() => {
    // The dojo ended while we were in it: show the final code, read-only.
    if (ended && finalCode === null && dojo) {
      setSync(null);
      void api.dojoCode(id).then((c) => setFinalCode(c.code)).catch(() => undefined);
    }
  }, [ended, finalCode, dojo, api, id]);

  const onChange = useCallback((s: EditorSnapshot) => setLive(s), []);
  const renewToken = useCallback(() => api.accessToken(), [api]);

  async function end() {
    setEnding(true);
    try {
      const d = await api.endDojo(id);
      setDojo(d);
      setConfirmEnd(false);
    } catch (e) {
      setError(describeError(t, e));
    } finally {
      setEnding(false);
    }
  }

  if (!dojo || !me) return <View style={{ flex: 1, backgroundColor: theme.colors.background }}>{error ? <Banner tone="error">{error}</Banner> : <Loading />}</View>;

  const session = live?.session ?? {};
  const participants: DojoParticipant[] = session.participants ?? dojo.participants;
  const pilotId = session.pilot ?? dojo.pilot ?? null;
  const pilotName = session.pilotName ?? participants.find((p) => p.userId === pilotId)?.displayName ?? null;
  const endsAt = session.rotationEndsAt ?? (dojo.rotationEndsAt ? Date.parse(dojo.rotationEndsAt) : null);
  const canEnd = !ended && (dojo.createdBy === me.id || me.roles.some((r) => r === 'owner' || r === 'admin'));
  const statusText = !live
    ? t('dojo.room.connecting')
    : live.status === 'connected'
      ? t('dojo.room.connected')
      : live.status === 'reconnecting'
        ? t('dojo.room.reconnecting')
        : live.status === 'closed'
          ? t('dojo.room.closed', { reason: String(live.closeCode ?? '') })
          : t('dojo.room.connecting');

  return (
    <View style={{ flex: 1, backgroundColor: theme.colors.background, padding: theme.space(3), gap: theme.space(2) }} testID="dojo-room-screen">
      <Row style={{ justifyContent: 'space-between' }}>
        <View style={{ flexShrink: 1 }}>
          <Title level={2}>{dojo.title}</Title>
          <Body muted>{[dojo.kata, dojo.language].filter(Boolean).join(' · ')}</Body>
        </View>
        {canEnd ? <Button label={t('dojo.room.end')} variant="danger" onPress={() => setConfirmEnd(true)} testID="dojo-end" /> : null}
      </Row>
      {error ? <Banner tone="error">{error}</Banner> : null}
      {ended ? (
        <Banner tone="info" testID="dojo-ended">{t('dojo.room.ended')}</Banner>
      ) : (
        <Card style={{ flexDirection: 'row', flexWrap: 'wrap', gap: 16, alignItems: 'center' }}>
          <Text accessibilityLiveRegion="polite" style={{ color: live?.status === 'connected' ? theme.colors.success : theme.colors.warning, fontWeight: '600' }} testID="dojo-connection">
            {statusText}
          </Text>
          <Text style={{ color: theme.colors.text, fontWeight: '600' }} testID="dojo-pilot">
            {pilotName ? t('dojo.room.pilot', { name: pilotName + (pilotId === me.id ? ` ${t('dojo.room.you')}` : '') }) : t('dojo.room.noPilot')}
          </Text>
          {endsAt ? (
            <Text style={{ color: theme.colors.text, fontVariant: ['tabular-nums'] }} accessibilityLiveRegion="none" testID="dojo-countdown">
              {t('dojo.room.rotation', { time: formatCountdown(endsAt - now) })}
            </Text>
          ) : null}
        </Card>
      )}
      <View style={{ flex: 1, minHeight: 320 }}>
        {ended && finalCode === null ? (
          <Loading />
        ) : (
          <Suspense fallback={<Loading />}>
          <CodeEditor
            key={ended ? 'final' : 'live'}
            language={dojo.language}
            dark={theme.dark}
            readOnly={ended}
            {...(ended ? { initialCode: finalCode ?? '' } : {})}
            sync={ended ? null : sync}
            user={{ name: me.displayName, color: colorFor(me.id) }}
            label={t('dojo.room.editor')}
            onChange={onChange}
            renewToken={renewToken}
            dom={{ style: { flex: 1 }, matchContents: false }}
          />
          </Suspense>
        )}
      </View>
      <View testID="dojo-participants" accessibilityLabel={t('dojo.room.participants')}>
        <Body muted>{t('dojo.room.participants')}</Body>
        <Row>
          {(live?.peers.length ? live.peers.map((p) => ({ key: String(p.clientId), name: p.name, color: p.color, role: participants.find((x) => x.displayName === p.name)?.role, self: p.self })) : participants.map((p) => ({ key: p.userId, name: p.displayName, color: colorFor(p.userId), role: p.role, self: p.userId === me.id }))).map((p) => (
            <View key={p.key} style={{ flexDirection: 'row', alignItems: 'center', gap: 6, paddingVertical: 4, paddingHorizontal: 8, borderRadius: 12, backgroundColor: theme.colors.surface }}>
              <View style={{ width: 10, height: 10, borderRadius: 5, backgroundColor: p.color }} />
              <Text style={{ color: theme.colors.text }}>
                {p.name}
                {p.self ? ` ${t('dojo.room.you')}` : ''}
                {p.role ? ` · ${t(`dojo.role.${p.role}`)}` : ''}
              </Text>
            </View>
          ))}
        </Row>
      </View>
      <ConfirmDialog visible={confirmEnd} title={t('dojo.room.end')} body={t('dojo.room.endConfirm')} confirmLabel={t('dojo.room.end')} onConfirm={() => void end()} onCancel={() => setConfirmEnd(false)} busy={ending} />
    </View>
  );
}
