import { useCallback, useEffect, useRef, useState } from 'react';
import { Platform as RNPlatform, View } from 'react-native';
import type { Video } from '../api/types';
import { Banner, Body, Button, Card, Field, Row, Screen, Title } from '../components/ui';
import { VideoPlayer } from '../components/VideoPlayer';
import { useI18n } from '../i18n';
import { useServices } from '../state/AppContext';
import { describeError } from '../state/services';
import { useTheme } from '../theme';

const key = (year: number) => `poc-tracker.video.${year}`;

export function YearScreen() {
  const { api, platform } = useServices();
  const { t } = useI18n();
  const theme = useTheme();
  const [yearText, setYearText] = useState(String(new Date().getFullYear()));
  const year = Number(yearText);
  const [video, setVideo] = useState<Video | null>(null);
  const [source, setSource] = useState<{ uri: string; headers: Record<string, string> } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const objectUrl = useRef<string | null>(null);

  // The last video asked for this year, if any (the server keeps one per user and year).
  useEffect(() => {
    setVideo(null);
    setSource(null);
    if (!Number.isInteger(year)) return;
    let live = true;
    void platform.dataStore.getItem(key(year)).then(async (id) => {
      if (!id || !live) return;
      try {
        const v = await api.getVideo(id);
        if (live) setVideo(v);
      } catch {
        // gone or offline: the user can ask again
      }
    });
    return () => {
      live = false;
    };
  }, [api, platform, year]);

  // Follow progress until done or failed.
  const status = video?.status;
  const videoId = video?.id;
  useEffect(() => {
    if (!videoId || (status !== 'queued' && status !== 'rendering')) return;
    const timer = setInterval(() => {
      api
        .getVideo(videoId)
        .then(setVideo)
        .catch((e: unknown) => setError(describeError(t, e)));
    }, 2000);
    return () => clearInterval(timer);
  }, [api, videoId, status, t]);

  // Where to play it from: the web's <video> cannot send a bearer token, so without a signed URL it plays a blob.
  useEffect(() => {
    if (!video || video.status !== 'done') return;
    let live = true;
    void (async () => {
      try {
        const src = await api.videoSource(video);
        if (RNPlatform.OS === 'web' && !video.url) {
          const body = await api.videoContent(video.id);
          const url = URL.createObjectURL(new Blob([body], { type: 'video/mp4' }));
          objectUrl.current = url;
          if (live) setSource({ uri: url, headers: {} });
        } else if (live) setSource(src);
      } catch (e) {
        if (live) setError(describeError(t, e));
      }
    })();
    return () => {
      live = false;
      if (objectUrl.current) URL.revokeObjectURL(objectUrl.current);
      objectUrl.current = null;
    };
  }, [api, video?.id, video?.status, video?.url, t]);

  const request = useCallback(
    async (force: boolean) => {
      setBusy(true);
      setError(null);
      try {
        const v = await api.requestVideo(year, force);
        await platform.dataStore.setItem(key(year), v.id);
        setVideo({ ...v, progress: v.progress ?? 0 });
        setSource(null);
      } catch (e) {
        setError(describeError(t, e));
      } finally {
        setBusy(false);
      }
    },
    [api, platform, t, year],
  );

  async function share() {
    if (!video) return;
    try {
      const body = await api.videoContent(video.id);
      await platform.saveFile({ name: `poc-tracker-${video.year}.mp4`, contentType: 'video/mp4', body });
    } catch (e) {
      setError(describeError(t, e));
    }
  }

  const percent = Math.round((video?.progress ?? 0) * 100);
  return (
    <Screen testID="year-screen">
      <Title>{t('video.title')}</Title>
      <Card>
        <Row>
          <Field label={t('video.year')} testID="video-year" value={yearText} onChangeText={setYearText} keyboardType="number-pad" />
        </Row>
        <Row>
          <Button label={video ? t('video.again') : t('video.request')} onPress={() => void request(!!video)} busy={busy} disabled={!Number.isInteger(year)} testID="video-request" />
        </Row>
      </Card>
      {error ? <Banner tone="error" testID="video-error">{error}</Banner> : null}
      {video ? (
        <Card testID="video-status">
          {video.status === 'queued' ? <Body>{t('video.queued')}</Body> : null}
          {video.status === 'rendering' ? <Body>{t('video.rendering', { percent })}</Body> : null}
          {video.status === 'failed' ? <Body style={{ color: theme.colors.danger }}>{t('video.failed', { error: video.error ?? '' })}</Body> : null}
          {video.status === 'queued' || video.status === 'rendering' ? (
            <View accessibilityRole="progressbar" accessibilityValue={{ min: 0, max: 100, now: percent }} style={{ height: 10, borderRadius: 5, backgroundColor: theme.colors.surfaceAlt, overflow: 'hidden' }}>
              <View style={{ width: `${percent}%`, height: '100%', backgroundColor: theme.colors.primary }} />
            </View>
          ) : null}
          {video.status === 'done' ? (
            <>
              <Body>{t('video.done', { seconds: Math.round(video.durationSeconds ?? 0) })}</Body>
              {source ? <VideoPlayer uri={source.uri} headers={source.headers} label={t('video.title')} /> : null}
              <Button label={RNPlatform.OS === 'web' ? t('video.download') : t('video.share')} variant="secondary" onPress={() => void share()} testID="video-share" />
            </>
          ) : null}
        </Card>
      ) : null}
    </Screen>
  );
}
