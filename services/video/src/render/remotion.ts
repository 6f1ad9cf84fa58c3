import { access, constants, rm } from 'node:fs/promises';
import { bundle } from '@remotion/bundler';
import { type RenderMediaOnProgress, type RenderMediaOptions, makeCancelSignal, openBrowser, renderMedia, selectComposition } from '@remotion/renderer';
import { COMPOSITION_ID, type YearInReviewInput, YearInReviewProps, entryPoint } from '@poc/video-composition';

/** What a finished render produced. */
export interface RenderResult {
  readonly frames: number;
  readonly fps: number;
  readonly width: number;
  readonly height: number;
  readonly durationSeconds: number;
}

export interface RenderOptions {
  /** Where the MP4 goes (a local file; the worker moves it to the blob store). */
  readonly outputLocation: string;
  /** 0..1 as frames are rendered and encoded. */
  readonly onProgress?: (progress: number) => void;
  /** Aborting it cancels the render (the worker stopping). */
  readonly signal?: AbortSignal;
}

/** Renders the year-in-review composition: the worker's port to Remotion (a fake one in unit tests). */
export interface VideoRenderer {
  render(props: YearInReviewInput, options: RenderOptions): Promise<RenderResult>;
}

/** The configured browser is not there: the reason a job fails with, and what start-up refuses. */
export class BrowserMissingError extends Error {
  constructor(readonly path: string) {
    super(`no browser at ${path}: install Chromium (apt-get install chromium-headless-shell, or chromium) or set VIDEO_BROWSER_EXECUTABLE to a Chrome/Chromium binary`);
    this.name = 'BrowserMissingError';
  }
}

/** Resolves when `path` is an executable file; throws `BrowserMissingError` otherwise. */
export async function checkBrowser(path: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new BrowserMissingError(path);
  }
}

/**
 * Bundle the composition with webpack (once: the worker does it at start-up;
 * a render then only opens the bundle). Returns the serve URL (a directory).
 */
export async function bundleComposition(): Promise<string> {
  return bundle({ entryPoint, enableCaching: true });
}

/** Delete a bundle made by `bundleComposition` (a directory of ~30 MB under the temporary directory). */
export async function removeBundle(serveUrl: string): Promise<void> {
  await rm(serveUrl, { recursive: true, force: true });
}

/**
 * How every render encodes (the worker's, and the bench's bare `renderMedia`
 * beside it, so the two cannot drift apart). Measured on two cores
 * (services/video/README.md, Performance): x264 `veryfast` costs ffmpeg ~40%
 * less CPU than the default `medium` and makes a smaller file at the same CRF
 * for these flat, synthetic pictures; JPEG frames at quality 90 carry fewer
 * artefacts for x264 to spend bits on than the default 80, for no measurable
 * extra capture time.
 */
export const RENDER_MEDIA_OPTIONS = {
  codec: 'h264',
  imageFormat: 'jpeg',
  jpegQuality: 90,
  x264Preset: 'veryfast',
  logLevel: 'error',
} as const satisfies Partial<RenderMediaOptions>;

export interface RemotionRendererOptions {
  /** From `bundleComposition()`. */
  readonly serveUrl: string;
  /** Chrome/Chromium to drive. Never left to Remotion: it would download one (and crash offline). */
  readonly browserExecutable: string;
  /** Browser tabs rendering frames in parallel (1 is fastest on two cores). */
  readonly concurrency: number;
}

/**
 * `selectComposition` + `renderMedia` with H.264, the browser given, no
 * licence key (it would make a network call) and props parsed by the
 * composition's own zod schema first, so bad props fail before a browser opens.
 */
export class RemotionRenderer implements VideoRenderer {
  constructor(private readonly options: RemotionRendererOptions) {}

  async render(input: YearInReviewInput, options: RenderOptions): Promise<RenderResult> {
    const props = YearInReviewProps.parse(input);
    const { serveUrl, browserExecutable, concurrency } = this.options;
    await checkBrowser(browserExecutable);
    options.signal?.throwIfAborted();
    // One browser for both steps: `selectComposition` and `renderMedia` would otherwise each launch their own.
    const browser = await openBrowser('chrome', { browserExecutable, logLevel: RENDER_MEDIA_OPTIONS.logLevel });
    const { cancelSignal, cancel } = makeCancelSignal();
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      const composition = await selectComposition({ serveUrl, id: COMPOSITION_ID, inputProps: props, puppeteerInstance: browser, browserExecutable, logLevel: RENDER_MEDIA_OPTIONS.logLevel });
      options.signal?.throwIfAborted();
      const onProgress: RenderMediaOnProgress = ({ progress }) => options.onProgress?.(progress);
      await renderMedia({
        ...RENDER_MEDIA_OPTIONS,
        cancelSignal,
        serveUrl,
        composition,
        inputProps: props,
        outputLocation: options.outputLocation,
        puppeteerInstance: browser,
        browserExecutable,
        concurrency,
        onProgress,
        overwrite: true,
      });
      return {
        frames: composition.durationInFrames,
        fps: composition.fps,
        width: composition.width,
        height: composition.height,
        durationSeconds: composition.durationInFrames / composition.fps,
      };
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      await browser.close({ silent: true }).catch(() => undefined);
    }
  }
}
