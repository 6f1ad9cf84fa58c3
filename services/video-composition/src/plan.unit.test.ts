import { describe, expect, it } from 'vitest';
import { planVideo, sceneStarts, totalsOf } from './plan.ts';
import { type PocCard, RESOLUTIONS, YearInReviewProps } from './schema.ts';

const poc = (i: number, status: PocCard['status'] = 'done'): PocCard => ({
  name: `POC ${i}`, languages: ['go'], tags: [`t${i % 3}`], status, createdAt: `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`, startedAt: null, finishedAt: null,
});
const year = (pocs: number) => ({
  pocs: Array.from({ length: pocs }, (_, i) => poc(i)),
  topLanguages: pocs ? [{ label: 'go', count: pocs }] : [],
  topTags: pocs ? [{ label: 't0', count: 1 }] : [],
  dojos: [{ title: 'Kata', language: 'go', date: '2025-02-01' }],
});
const size = RESOLUTIONS['720p'];
const seconds = (pocs: number) => planVideo(year(pocs), size).durationInFrames / 30;
const pocSeconds = (pocs: number) => planVideo(year(pocs), size).scenes.filter((s) => s.kind === 'pocs').reduce((n, s) => n + s.frames, 0) / 30;

describe('planVideo', () => {
  it('given 3 POCs, then one card per page and a short video', () => {
    const plan = planVideo(year(3), size);
    expect(plan.cardsPerPage).toBe(1);
    expect(plan.shownPocs).toBe(3);
    expect(plan.scenes.map((s) => s.kind)).toEqual(['opening', 'totals', 'pocs', 'pocs', 'pocs', 'languages', 'tags', 'dojos', 'closing']);
    expect(seconds(3)).toBeLessThan(25);
  });

  it('given 40 POCs, then several cards per page and a 30-second video', () => {
    const plan = planVideo(year(40), size);
    expect(plan.cardsPerPage).toBeGreaterThan(1);
    expect(plan.shownPocs).toBe(40);
    expect(seconds(40)).toBe(30);
  });

  it('given 300 POCs, then the POC section stays within its cap, pages are full, and the rest is counted', () => {
    const plan = planVideo(year(300), size);
    expect(plan.cardsPerPage).toBe(12);
    expect(pocSeconds(300)).toBeLessThanOrEqual(30);
    const pages = plan.scenes.filter((s) => s.kind === 'pocs');
    const last = pages.at(-1)!;
    expect(last.kind === 'pocs' && last.more).toBe(300 - plan.shownPocs);
    expect(plan.shownPocs).toBeGreaterThan(100);
  });

  it('given more POCs, then never a shorter POC section', () => {
    let previous = 0;
    for (let n = 1; n <= 400; n += 7) {
      expect(pocSeconds(n)).toBeGreaterThanOrEqual(previous);
      previous = pocSeconds(n);
    }
  });

  it('given an empty year, then a short kind video: opening, a word, the dojos, closing', () => {
    const plan = planVideo(year(0), size);
    expect(plan.scenes.map((s) => s.kind)).toEqual(['opening', 'empty', 'dojos', 'closing']);
    expect(seconds(0)).toBeLessThanOrEqual(12);
  });

  it('given pace 0.25, then every scene is four times shorter', () => {
    const quick = planVideo({ ...year(40), pace: 0.25 }, size);
    expect(quick.durationInFrames).toBeCloseTo(planVideo(year(40), size).durationInFrames / 4, -1);
    expect(sceneStarts(quick)[2]!.from).toBe(quick.scenes[0]!.frames + quick.scenes[1]!.frames);
  });

  it('counts the totals from the POCs themselves', () => {
    const t = totalsOf({ ...year(0), pocs: [poc(1, 'done'), poc(2, 'idea'), poc(3, 'done')] });
    expect(t).toMatchObject({ pocs: 3, done: 2, ideas: 1, languages: 1, tags: 3, dojos: 1 });
  });
});

describe('YearInReviewProps', () => {
  it('refuses a POC without a name and a resolution it does not know, and fills the defaults', () => {
    expect(YearInReviewProps.safeParse({ userName: 'A', year: 2025, ...year(1), pocs: [{ ...poc(1), name: '' }] }).success).toBe(false);
    expect(YearInReviewProps.safeParse({ userName: 'A', year: 2025, ...year(1), resolution: '4k' }).success).toBe(false);
    expect(YearInReviewProps.parse({ userName: 'A', year: 2025, ...year(1) })).toMatchObject({ resolution: '720p', pace: 1 });
  });
});
