import { writeFile } from 'node:fs/promises';
import { type YearInReviewInput, YearInReviewProps } from '@poc/video-composition';
import type { RenderOptions, RenderResult, VideoRenderer } from '../render/remotion.ts';

/** Writes a fake MP4 (its bytes name the POCs it was given), reporting progress on the way; can be held or made to fail. */
export class FakeRenderer implements VideoRenderer {
  calls: YearInReviewInput[] = [];
  failWith: Error | null = null;
  hold: Promise<void> | null = null;

  async render(input: YearInReviewInput, options: RenderOptions): Promise<RenderResult> {
    this.calls.push(input);
    if (this.failWith) throw this.failWith;
    options.onProgress?.(0.25);
    await this.hold;
    options.onProgress?.(0.75);
    const props = YearInReviewProps.parse(input);
    const bytes = Buffer.from(`FAKEMP4 ${props.pocs.map((p) => p.name).join('|')} `.repeat(50));
    await writeFile(options.outputLocation, bytes);
    return { frames: 90, fps: 30, width: 1280, height: 720, durationSeconds: 3 };
  }
}
