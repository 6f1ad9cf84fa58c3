import type { CSSProperties, ReactNode } from 'react';
import { AbsoluteFill, Easing, Series, interpolate, spring, useCurrentFrame, useVideoConfig } from 'remotion';
import { CHART_BARS, type Scene, planVideo, totalsOf } from './plan.ts';
import type { DojoCard, PocCard, YearInReviewProps } from './schema.ts';

// Every scene is laid out on a 1280x720 stage and scaled to the output size,
// so 360p, 720p and 1080p show the same picture.
const STAGE = { width: 1280, height: 720 };
const INK = '#f4f1ea';
const MUTED = '#a9b3c7';
const BG = '#121826';
const ACCENT = ['#f6b93b', '#4fc3f7', '#81c784', '#e57373', '#ba68c8', '#ffb74d', '#4db6ac', '#f06292'];
const STATUS: Record<PocCard['status'], { label: string; color: string }> = {
  idea: { label: 'Idea', color: '#ba68c8' },
  in_progress: { label: 'In progress', color: '#4fc3f7' },
  done: { label: 'Done', color: '#81c784' },
  abandoned: { label: 'Shelved', color: '#a9b3c7' },
};
const FONT = '"DejaVu Sans", "Liberation Sans", "Noto Sans", Arial, sans-serif';

function Stage({ children }: { children: ReactNode }) {
  const { width } = useVideoConfig();
  return (
    <AbsoluteFill style={{ backgroundColor: BG }}>
      <div
        style={{
          position: 'absolute',
          ...STAGE,
          transform: `scale(${width / STAGE.width})`,
          transformOrigin: 'top left',
          fontFamily: FONT,
          color: INK,
        }}
      >
        {children}
      </div>
    </AbsoluteFill>
  );
}

/** Fades a scene of `durationInFrames` in over its first 8 frames and out over its last 8. */
function useFade(durationInFrames: number): number {
  const frame = useCurrentFrame();
  const edge = Math.max(1, Math.min(8, Math.floor(durationInFrames / 4)));
  return interpolate(frame, [0, edge, durationInFrames - edge, durationInFrames], [0, 1, 1, 0], {
    extrapolateLeft: 'clamp',
    extrapolateRight: 'clamp',
  });
}

function useRise(delay = 0): { opacity: number; transform: string } {
  const frame = useCurrentFrame();
  const { fps } = useVideoConfig();
  const p = spring({ frame: frame - delay, fps, config: { damping: 200 }, durationInFrames: 15 });
  return { opacity: p, transform: `translateY(${(1 - p) * 40}px)` };
}

const centered: CSSProperties = { position: 'absolute', inset: 0, display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', textAlign: 'center' };

function Opening({ userName, year, frames }: { userName: string; year: number; frames: number }) {
  const fade = useFade(frames);
  const title = useRise(0);
  const sub = useRise(8);
  return (
    <div style={{ ...centered, opacity: fade }}>
      <div style={{ fontSize: 36, color: MUTED, letterSpacing: 6, textTransform: 'uppercase', ...sub }}>Year in review</div>
      <div style={{ fontSize: 150, fontWeight: 800, color: ACCENT[0], ...title }}>{year}</div>
      <div style={{ fontSize: 54, fontWeight: 700, ...sub }}>{userName}</div>
    </div>
  );
}

function Totals({ props, frames }: { props: YearInReviewProps; frames: number }) {
  const fade = useFade(frames);
  const frame = useCurrentFrame();
  const t = totalsOf(props);
  const counting = (n: number) => Math.round(interpolate(frame, [0, 30], [0, n], { extrapolateRight: 'clamp', easing: Easing.out(Easing.cubic) }));
  const items: [string, number, string][] = [
    ['POCs', t.pocs, ACCENT[0]!],
    ['done', t.done, STATUS.done.color],
    ['languages', t.languages, ACCENT[1]!],
    ['tags', t.tags, ACCENT[7]!],
    ['dojos', t.dojos, ACCENT[6]!],
  ];
  return (
    <div style={{ ...centered, opacity: fade }}>
      <div style={{ fontSize: 44, fontWeight: 700, marginBottom: 50 }}>Your {props.year} in numbers</div>
      <div style={{ display: 'flex', gap: 40 }}>
        {items.map(([label, n, color], i) => (
          <div key={label} style={{ width: 190, padding: '26px 0', borderRadius: 24, backgroundColor: '#1d2638', ...riseAt(frame, i * 4) }}>
            <div style={{ fontSize: 84, fontWeight: 800, color }}>{counting(n)}</div>
            <div style={{ fontSize: 28, color: MUTED }}>{label}</div>
          </div>
        ))}
      </div>
    </div>
  );
}

// A rise computed from a frame (usable in loops, unlike a hook).
function riseAt(frame: number, delay: number): { opacity: number; transform: string } {
  const p = interpolate(frame - delay, [0, 12], [0, 1], { extrapolateLeft: 'clamp', extrapolateRight: 'clamp', easing: Easing.out(Easing.cubic) });
  return { opacity: p, transform: `translateY(${(1 - p) * 40}px)` };
}

const day = (iso: string | null): string | null => (iso ? iso.slice(0, 10) : null);

function Card({ poc, scale, delay }: { poc: PocCard; scale: number; delay: number }) {
  const frame = useCurrentFrame();
  const status = STATUS[poc.status];
  const started = day(poc.startedAt) ?? day(poc.createdAt);
  const finished = day(poc.finishedAt);
  const chip = (text: string, color: string) => (
    <span key={text} style={{ display: 'inline-block', margin: `0 ${8 * scale}px ${8 * scale}px 0`, padding: `${4 * scale}px ${12 * scale}px`, borderRadius: 999, backgroundColor: color, color: BG, fontSize: 20 * scale, fontWeight: 700 }}>
      {text}
    </span>
  );
  return (
    <div
      style={{
        boxSizing: 'border-box',
        padding: 28 * scale,
        borderRadius: 24 * scale,
        backgroundColor: '#1d2638',
        borderLeft: `${10 * scale}px solid ${status.color}`,
        overflow: 'hidden',
        ...riseAt(frame, delay),
      }}
    >
      <div style={{ fontSize: 22 * scale, fontWeight: 700, color: status.color, textTransform: 'uppercase', letterSpacing: 2 }}>{status.label}</div>
      <div style={{ fontSize: 46 * scale, fontWeight: 800, margin: `${10 * scale}px 0 ${16 * scale}px`, lineHeight: 1.1, maxHeight: 46 * scale * 2.3, overflow: 'hidden' }}>{poc.name}</div>
      <div>
        {poc.languages.slice(0, 4).map((l) => chip(l, ACCENT[1]!))}
        {poc.tags.slice(0, 5).map((t) => chip(`#${t}`, ACCENT[0]!))}
      </div>
      <div style={{ fontSize: 22 * scale, color: MUTED, marginTop: 8 * scale }}>
        {started}
        {finished ? ` → ${finished}` : ''}
      </div>
    </div>
  );
}

function PocPage({ scene }: { scene: Extract<Scene, { kind: 'pocs' }> }) {
  const fade = useFade(scene.frames);
  const n = scene.cards.length;
  const columns = n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
  const scale = n <= 1 ? 1.25 : n <= 2 ? 0.9 : n <= 4 ? 0.75 : n <= 6 ? 0.6 : 0.45;
  return (
    <div style={{ position: 'absolute', inset: 0, padding: '40px 60px', opacity: fade, display: 'flex', flexDirection: 'column' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', fontSize: 28, color: MUTED, marginBottom: 24 }}>
        <span>Your POCs</span>
        <span>
          {scene.page + 1} / {scene.pages}
        </span>
      </div>
      <div style={{ flex: 1, display: 'grid', gridTemplateColumns: `repeat(${columns}, 1fr)`, gap: 24, alignContent: 'center' }}>
        {scene.cards.map((poc, i) => (
          <Card key={`${poc.name}-${i}`} poc={poc} scale={scale} delay={i * 3} />
        ))}
      </div>
      {scene.more > 0 ? <div style={{ fontSize: 30, color: ACCENT[0], textAlign: 'center', marginTop: 16 }}>…and {scene.more} more</div> : null}
    </div>
  );
}

function Chart({ title, items, color, frames }: { title: string; items: readonly { label: string; count: number }[]; color: string; frames: number }) {
  const fade = useFade(frames);
  const frame = useCurrentFrame();
  const bars = items.slice(0, CHART_BARS);
  const max = Math.max(1, ...bars.map((b) => b.count));
  return (
    <div style={{ position: 'absolute', inset: 0, padding: '50px 90px', opacity: fade }}>
      <div style={{ fontSize: 48, fontWeight: 800, marginBottom: 30 }}>{title}</div>
      {bars.map((bar, i) => {
        const grow = interpolate(frame - i * 3, [0, 24], [0, 1], { extrapolateLeft: 'clamp', extrapolateRight: 'clamp', easing: Easing.out(Easing.cubic) });
        return (
          <div key={bar.label} style={{ display: 'flex', alignItems: 'center', height: 62 }}>
            <div style={{ width: 260, fontSize: 28, textAlign: 'right', paddingRight: 20, overflow: 'hidden', whiteSpace: 'nowrap' }}>{bar.label}</div>
            <div style={{ height: 40, width: (780 * bar.count * grow) / max, backgroundColor: ACCENT[i % ACCENT.length] ?? color, borderRadius: 8 }} />
            <div style={{ fontSize: 28, paddingLeft: 16, color: MUTED }}>{Math.round(bar.count * grow)}</div>
          </div>
        );
      })}
    </div>
  );
}

function Dojos({ dojos, frames }: { dojos: readonly DojoCard[]; frames: number }) {
  const fade = useFade(frames);
  const frame = useCurrentFrame();
  return (
    <div style={{ ...centered, opacity: fade }}>
      <div style={{ fontSize: 110, fontWeight: 800, color: ACCENT[6] }}>{dojos.length}</div>
      <div style={{ fontSize: 44, fontWeight: 700, marginBottom: 30 }}>{dojos.length === 1 ? 'dojo attended' : 'dojos attended'}</div>
      <div style={{ display: 'flex', flexWrap: 'wrap', justifyContent: 'center', gap: 16, maxWidth: 1100 }}>
        {dojos.slice(0, 6).map((d, i) => (
          <div key={`${d.title}-${i}`} style={{ padding: '10px 22px', borderRadius: 16, backgroundColor: '#1d2638', fontSize: 26, ...riseAt(frame, 6 + i * 3) }}>
            {d.title} <span style={{ color: MUTED }}>· {d.language}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

function Empty({ year, frames }: { year: number; frames: number }) {
  const fade = useFade(frames);
  const rise = useRise(0);
  return (
    <div style={{ ...centered, opacity: fade, padding: 80 }}>
      <div style={{ fontSize: 54, fontWeight: 800, marginBottom: 24, ...rise }}>A quiet {year}</div>
      <div style={{ fontSize: 34, color: MUTED, maxWidth: 900, lineHeight: 1.4 }}>No POCs this year, and that is fine: every great idea starts with a blank page. Here is to the next one.</div>
    </div>
  );
}

function Closing({ userName, year, pocs, frames }: { userName: string; year: number; pocs: number; frames: number }) {
  const fade = useFade(frames);
  const rise = useRise(0);
  return (
    <div style={{ ...centered, opacity: fade }}>
      <div style={{ fontSize: 64, fontWeight: 800, ...rise }}>Thank you, {userName}</div>
      <div style={{ fontSize: 36, color: MUTED, marginTop: 24 }}>{pocs > 0 ? `${pocs} POC${pocs === 1 ? '' : 's'} in ${year}. On to ${year + 1}!` : `See you in ${year + 1}.`}</div>
      <div style={{ fontSize: 26, color: ACCENT[0], marginTop: 60, letterSpacing: 4 }}>POC TRACKER</div>
    </div>
  );
}

function SceneView({ scene, props }: { scene: Scene; props: YearInReviewProps }) {
  switch (scene.kind) {
    case 'opening':
      return <Opening userName={props.userName} year={props.year} frames={scene.frames} />;
    case 'totals':
      return <Totals props={props} frames={scene.frames} />;
    case 'pocs':
      return <PocPage scene={scene} />;
    case 'languages':
      return <Chart title="Top languages" items={props.topLanguages} color={ACCENT[1]!} frames={scene.frames} />;
    case 'tags':
      return <Chart title="Top tags" items={props.topTags} color={ACCENT[0]!} frames={scene.frames} />;
    case 'dojos':
      return <Dojos dojos={props.dojos} frames={scene.frames} />;
    case 'empty':
      return <Empty year={props.year} frames={scene.frames} />;
    case 'closing':
      return <Closing userName={props.userName} year={props.year} pocs={props.pocs.length} frames={scene.frames} />;
    default:
      return unreachable(scene);
  }
}

function unreachable(scene: never): never {
  throw new Error(`unknown scene ${(scene as { kind: string }).kind}`);
}

/** The year-in-review video: the scenes of `planVideo`, one after the other. */
export function YearInReview(props: YearInReviewProps) {
  const { width, height, fps } = useVideoConfig();
  const plan = planVideo(props, { width, height }, fps);
  return (
    <Stage>
      <Series>
        {plan.scenes.map((scene, i) => (
          <Series.Sequence key={i} durationInFrames={scene.frames}>
            <SceneView scene={scene} props={props} />
          </Series.Sequence>
        ))}
      </Series>
    </Stage>
  );
}
