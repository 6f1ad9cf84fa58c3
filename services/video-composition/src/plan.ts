import type { PocCard, YearInReviewProps } from './schema.ts';

export const FPS = 30;

/** Seconds of each fixed scene. */
export const SCENE_SECONDS = { opening: 3, totals: 3, languages: 3, tags: 3, dojos: 3, closing: 3, empty: 3 } as const;
/** A page of POC cards stays at least this long (readable), at most this long (not boring). */
export const PAGE_SECONDS = { min: 2, max: 3 } as const;
/** Cards per page, in the order the planner tries them. */
export const PAGE_SIZES = [1, 2, 4, 6, 9, 12] as const;
/** Bars of the language and tag charts. */
export const CHART_BARS = 8;

/**
 * How long the POC section may last: it grows with the year (6 s plus 0.15 s
 * per POC) up to 30 s, so 3 POCs make a short video and 300 a full one.
 */
export const pocSectionCapSeconds = (pocs: number): number => Math.min(30, 6 + 0.15 * pocs);

export type Scene =
  | { readonly kind: 'opening'; readonly frames: number }
  | { readonly kind: 'totals'; readonly frames: number }
  | { readonly kind: 'pocs'; readonly frames: number; readonly cards: readonly PocCard[]; readonly page: number; readonly pages: number; readonly more: number }
  | { readonly kind: 'languages'; readonly frames: number }
  | { readonly kind: 'tags'; readonly frames: number }
  | { readonly kind: 'dojos'; readonly frames: number }
  | { readonly kind: 'empty'; readonly frames: number }
  | { readonly kind: 'closing'; readonly frames: number };

export interface Plan {
  readonly fps: number;
  readonly width: number;
  readonly height: number;
  readonly scenes: readonly Scene[];
  readonly durationInFrames: number;
  /** Cards per POC page (0 when the year is empty). */
  readonly cardsPerPage: number;
  /** How many POCs the video shows (the rest are counted on the last page). */
  readonly shownPocs: number;
}

/** `count` items spread evenly over `items`, keeping their order. */
function sample<T>(items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}

/**
 * The scenes of a video and their lengths, from the data alone (the
 * composition's `calculateMetadata` and its component both call it). The POC
 * section shows one card per page for a small year and up to twelve for a big
 * one, each page 2-3 s, within `pocSectionCapSeconds`; past twelve per page it
 * samples the POCs evenly over the year and says how many more there were.
 * An empty year is an opening, a kind word, and the closing card. `pace`
 * scales every length (previews).
 */
export function planVideo(
  props: Pick<YearInReviewProps, 'pocs' | 'topLanguages' | 'topTags' | 'dojos'> & { pace?: number },
  size: { width: number; height: number },
  fps = FPS,
): Plan {
  const pace = props.pace ?? 1;
  const f = (seconds: number) => Math.max(1, Math.round(seconds * pace * fps));
  const scenes: Scene[] = [{ kind: 'opening', frames: f(SCENE_SECONDS.opening) }];
  const n = props.pocs.length;
  let cardsPerPage = 0;
  let shown = 0;
  if (n === 0) {
    scenes.push({ kind: 'empty', frames: f(SCENE_SECONDS.empty) });
  } else {
    scenes.push({ kind: 'totals', frames: f(SCENE_SECONDS.totals) });
    const cap = pocSectionCapSeconds(n);
    const maxPages = Math.max(1, Math.floor(cap / PAGE_SECONDS.min));
    cardsPerPage = PAGE_SIZES.find((size) => Math.ceil(n / size) <= maxPages) ?? PAGE_SIZES[PAGE_SIZES.length - 1]!;
    const pages = Math.min(maxPages, Math.ceil(n / cardsPerPage));
    const cards = sample(props.pocs, pages * cardsPerPage);
    shown = cards.length;
    const pageFrames = f(Math.min(PAGE_SECONDS.max, Math.max(PAGE_SECONDS.min, cap / pages)));
    for (let page = 0; page < pages; page++) {
      const onPage = cards.slice(page * cardsPerPage, (page + 1) * cardsPerPage);
      scenes.push({ kind: 'pocs', frames: pageFrames, cards: onPage, page, pages, more: page === pages - 1 ? n - shown : 0 });
    }
    if (props.topLanguages.length > 0) scenes.push({ kind: 'languages', frames: f(SCENE_SECONDS.languages) });
    if (props.topTags.length > 0) scenes.push({ kind: 'tags', frames: f(SCENE_SECONDS.tags) });
  }
  if (props.dojos.length > 0) scenes.push({ kind: 'dojos', frames: f(SCENE_SECONDS.dojos) });
  scenes.push({ kind: 'closing', frames: f(SCENE_SECONDS.closing) });
  return {
    fps,
    width: size.width,
    height: size.height,
    scenes,
    durationInFrames: scenes.reduce((sum, s) => sum + s.frames, 0),
    cardsPerPage,
    shownPocs: shown,
  };
}

/** The first frame of each scene, in order (where a test or a thumbnail looks). */
export function sceneStarts(plan: Plan): { scene: Scene; from: number }[] {
  let from = 0;
  return plan.scenes.map((scene) => {
    const at = { scene, from };
    from += scene.frames;
    return at;
  });
}

/** The totals the second scene shows, derived from the props (never passed separately, so they cannot disagree). */
export function totalsOf(props: Pick<YearInReviewProps, 'pocs' | 'topLanguages' | 'topTags' | 'dojos'>) {
  const by = (status: PocCard['status']) => props.pocs.filter((p) => p.status === status).length;
  return {
    pocs: props.pocs.length,
    done: by('done'),
    inProgress: by('in_progress'),
    ideas: by('idea'),
    abandoned: by('abandoned'),
    languages: new Set(props.pocs.flatMap((p) => p.languages)).size,
    tags: new Set(props.pocs.flatMap((p) => p.tags)).size,
    dojos: props.dojos.length,
  };
}
