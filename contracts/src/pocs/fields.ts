import { type Static, Type } from '@sinclair/typebox';
import { Instant } from '../envelope.ts';

/**
 * The fields of a POC, shared by the HTTP schemas and the event payloads.
 * None carries an `$id`: they are embedded, and only whole request/response
 * schemas are registered by id.
 */

export const POC_STATUSES = ['idea', 'in_progress', 'done', 'abandoned'] as const;
export type PocStatus = (typeof POC_STATUSES)[number];
export const PocStatusSchema = Type.Union(
  POC_STATUSES.map((s) => Type.Literal(s)),
  { description: 'idea, in_progress, done or abandoned' },
);

/** Bounds of API.md (and a few the API leaves implicit), in one place. */
export const POC_LIMITS = {
  nameMax: 200,
  descriptionMax: 5_000,
  labelMax: 50,
  languagesMax: 20,
  tagsMax: 50,
  repoUrlMax: 300,
} as const;

// No control characters in one-line text; descriptions may hold tabs and newlines.
const ONE_LINE = '^[^\\u0000-\\u001f\\u007f]*$';
const MULTI_LINE = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';

export const PocNameSchema = Type.String({ minLength: 1, maxLength: POC_LIMITS.nameMax, pattern: ONE_LINE, description: '1–200 characters, trimmed' });
export const PocDescriptionSchema = Type.String({ maxLength: POC_LIMITS.descriptionMax, pattern: MULTI_LINE });
/** A language or a tag: normalised (trimmed, inner spaces collapsed, lower-case, NFC). */
export const LabelSchema = Type.String({ minLength: 1, maxLength: POC_LIMITS.labelMax, pattern: ONE_LINE });
export const LanguagesSchema = Type.Array(LabelSchema, { maxItems: POC_LIMITS.languagesMax, uniqueItems: true, description: 'normalised: trimmed, lower-case, de-duplicated' });
export const TagsSchema = Type.Array(LabelSchema, { maxItems: POC_LIMITS.tagsMax, uniqueItems: true, description: 'normalised: trimmed, lower-case, de-duplicated' });
/** `https://github.com/<owner>/...`; checked further (host, no credentials or port) by `githubRepoUrl`. */
export const RepoUrlSchema = Type.String({ maxLength: POC_LIMITS.repoUrlMax, pattern: '^https://github\\.com/[^\\s]+$', description: 'an https://github.com/... URL' });
export const NullableRepoUrlSchema = Type.Union([RepoUrlSchema, Type.Null()]);
export const NullableInstantSchema = Type.Union([Instant, Type.Null()]);

export type PocName = Static<typeof PocNameSchema>;
