import { Composition, type CalculateMetadataFunction } from 'remotion';
import { FPS, planVideo } from './plan.ts';
import { COMPOSITION_ID, RESOLUTIONS, YearInReviewProps } from './schema.ts';
import { YearInReview } from './YearInReview.tsx';

const calculateMetadata: CalculateMetadataFunction<YearInReviewProps> = ({ props }) => {
  // Parse again: the renderer hands over JSON, and the plan relies on the defaults.
  const parsed = YearInReviewProps.parse(props);
  const size = RESOLUTIONS[parsed.resolution];
  const plan = planVideo(parsed, size, FPS);
  return { durationInFrames: plan.durationInFrames, fps: FPS, width: size.width, height: size.height, props: parsed, defaultCodec: 'h264' };
};

const defaultProps: YearInReviewProps = {
  userName: 'Ada Lovelace',
  year: 2025,
  resolution: '720p',
  pace: 1,
  pocs: [
    { name: 'Outbox relay on Kafka', languages: ['typescript'], tags: ['events', 'kafka'], status: 'done', createdAt: '2025-02-03T09:00:00.000Z', startedAt: '2025-02-03T09:00:00.000Z', finishedAt: '2025-02-20T17:00:00.000Z' },
    { name: 'Search that forgives typos', languages: ['sql'], tags: ['search'], status: 'in_progress', createdAt: '2025-06-11T09:00:00.000Z', startedAt: null, finishedAt: null },
  ],
  topLanguages: [{ label: 'typescript', count: 1 }, { label: 'sql', count: 1 }],
  topTags: [{ label: 'events', count: 1 }, { label: 'kafka', count: 1 }, { label: 'search', count: 1 }],
  dojos: [{ title: 'Bowling kata', language: 'typescript', date: '2025-04-02T14:00:00.000Z' }],
};

/** The Remotion root: one composition, sized and timed from its props. */
export function RemotionRoot() {
  return (
    <Composition
      id={COMPOSITION_ID}
      component={YearInReview}
      schema={YearInReviewProps}
      defaultProps={defaultProps}
      calculateMetadata={calculateMetadata}
      fps={FPS}
      width={RESOLUTIONS['720p'].width}
      height={RESOLUTIONS['720p'].height}
    />
  );
}
