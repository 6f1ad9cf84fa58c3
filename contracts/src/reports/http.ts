import { type Static, Type } from '@sinclair/typebox';
import { pocSearchFilterProperties } from '../pocs/search.ts';

/**
 * The HTTP schemas of the Reports section of API.md. Schemas with an `$id`
 * are registered once with `app.addSchema` (see `reportSchemas`).
 *
 * @example
 * app.get('/v1/reports/summary', { schema: { querystring: ReportSummaryQuery, response: { 200: ref(ReportSummary) } } }, handler);
 */

const Instant = Type.String({ format: 'date-time' });
const BooleanFlag = Type.Boolean({ default: false });

/** `GET /v1/reports/pocs.csv`: the filters of `GET /v1/pocs` (with `from`/`to`: created at or after / before), and `bom`. */
export const PocCsvQuery = Type.Object(
  {
    ...pocSearchFilterProperties,
    bom: Type.Optional({ ...BooleanFlag, description: 'start with a UTF-8 byte order mark, so spreadsheets read the file as UTF-8' }),
  },
  { additionalProperties: false },
);
export type PocCsvQuery = Static<typeof PocCsvQuery>;

/** `GET /v1/reports/pocs.pdf`: a calendar `year`, or a period `from`/`to` (created at or after / before). */
export const PocPdfQuery = Type.Object(
  {
    year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'a calendar year (UTC)' })),
    from: Type.Optional({ ...Instant, description: 'created at or after' }),
    to: Type.Optional({ ...Instant, description: 'created before' }),
  },
  { additionalProperties: false },
);
export type PocPdfQuery = Static<typeof PocPdfQuery>;

/** `GET /v1/reports/summary`. */
export const ReportSummaryQuery = Type.Object(
  {
    from: Type.Optional({ ...Instant, description: 'POCs created (dojos started) at or after' }),
    to: Type.Optional({ ...Instant, description: 'POCs created (dojos started) before' }),
    asOf: Type.Optional({ ...Instant, description: "the summary as it was at this instant: the tenant's events up to it, replayed" }),
  },
  { additionalProperties: false },
);
export type ReportSummaryQuery = Static<typeof ReportSummaryQuery>;

const Count = Type.Integer({ minimum: 0 });
const ValueCounts = Type.Array(Type.Object({ value: Type.String(), count: Count }, { additionalProperties: false }), {
  description: 'by count (descending), then value',
});

/**
 * `GET /v1/reports/summary` answer. POCs are the ones that exist (not
 * deleted) and were created in the period; dojos are those held (started and
 * ended) that started in the period.
 */
export const ReportSummary = Type.Object(
  {
    from: Type.Union([Instant, Type.Null()]),
    to: Type.Union([Instant, Type.Null()]),
    /** The instant the summary is as of (`asOf`, or when it was computed). */
    asOf: Instant,
    /** `tenant`: every POC of the tenant; `own`: a member's own POCs and the dojos they took part in. */
    scope: Type.Union([Type.Literal('tenant'), Type.Literal('own')]),
    totals: Type.Object(
      {
        pocs: Count,
        /** Distinct languages, tags and authors among those POCs. */
        languages: Count,
        tags: Count,
        members: Count,
      },
      { additionalProperties: false },
    ),
    byMonth: Type.Array(Type.Object({ month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' }), count: Count }, { additionalProperties: false }), {
      description: 'months (UTC, YYYY-MM) with at least one POC created, in order',
    }),
    byLanguage: ValueCounts,
    byTag: ValueCounts,
    /** Every status, zeros included, in the order idea, in_progress, done, abandoned. */
    byStatus: ValueCounts,
    /** POCs per author (user id). */
    byMember: Type.Array(Type.Object({ userId: Type.String(), count: Count }, { additionalProperties: false })),
    dojos: Type.Object(
      {
        /** Dojos started in the period and ended. */
        held: Count,
        /** Distinct people who joined them. */
        participants: Count,
        /** Their duration, start to end, in whole minutes (summed). */
        minutes: Count,
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'ReportSummary', additionalProperties: false, title: 'Report summary' },
);
export type ReportSummary = Static<typeof ReportSummary>;

/** The projections a rebuild can start. */
export const REBUILDABLE_PROJECTIONS = ['analytics'] as const;
export type RebuildableProjection = (typeof REBUILDABLE_PROJECTIONS)[number];

/** `POST /v1/reports/rebuilds` body. */
export const RebuildRequest = Type.Object(
  { projection: Type.Union(REBUILDABLE_PROJECTIONS.map((p) => Type.Literal(p)), { description: 'the projection to rebuild from the history: analytics' }) },
  { $id: 'RebuildRequest', additionalProperties: false, title: 'Rebuild a projection' },
);
export type RebuildRequest = Static<typeof RebuildRequest>;

export const RebuildAccepted = Type.Object({ id: Type.String({ format: 'uuid' }) }, { $id: 'RebuildAccepted', additionalProperties: false });

/** `GET /v1/reports/rebuilds/:id`: a rebuild of the caller's tenant and how far it got. */
export const Rebuild = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    projection: Type.String(),
    status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
    /** Events replayed so far, of `totalEvents` (the tenant's events when it started; more may arrive). */
    events: Count,
    totalEvents: Count,
    /** 0..1 (1 once done). */
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    startedAt: Instant,
    finishedAt: Type.Union([Instant, Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Rebuild', additionalProperties: false, title: 'Rebuild progress' },
);
export type Rebuild = Static<typeof Rebuild>;

export const RebuildParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'the rebuild id' }) }, { additionalProperties: false });

/** The reports schemas with an `$id`, to register with `app.addSchema`. */
export const reportSchemas = [ReportSummary, RebuildRequest, RebuildAccepted, Rebuild];
