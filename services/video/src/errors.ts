import { AppError } from '@poc/platform';

/** The video service's error codes: one per distinct problem, never reused. */
export const VIDEO_ERR = {
  /** No video with this id for the caller (another user's and another tenant's look the same). */
  NOT_FOUND: 'VIDEO_ERR_NOT_FOUND',
  /** The video has no file yet (queued, rendering or failed). */
  NOT_READY: 'VIDEO_ERR_NOT_READY',
  /** `Range` asks for bytes the file does not have. */
  RANGE_NOT_SATISFIABLE: 'VIDEO_ERR_RANGE_NOT_SATISFIABLE',
  /** The year-end job is for owners and admins. */
  YEAR_END_FORBIDDEN: 'VIDEO_ERR_YEAR_END_FORBIDDEN',
  /** The year lies in the future. */
  YEAR_IN_FUTURE: 'VIDEO_ERR_YEAR_IN_FUTURE',
} as const;

/** `Range` outside the file: 416, with the file size in `Content-Range`. */
export class RangeNotSatisfiableError extends AppError {
  readonly status = 416;
  readonly title = 'Range Not Satisfiable';
  constructor(size: number) {
    super(VIDEO_ERR.RANGE_NOT_SATISFIABLE, `The file has ${size} bytes.`, { headers: { 'content-range': `bytes */${size}` } });
  }
}

/** The video has no file yet: 409, try again once it is done. */
export class VideoNotReadyError extends AppError {
  readonly status = 409;
  readonly title = 'Conflict';
  constructor(status: string) {
    super(VIDEO_ERR.NOT_READY, `The video is ${status}; its file is not there yet.`);
  }
}
