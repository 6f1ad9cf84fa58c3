import {
  type PocCreateRequest,
  type PocCreatedData,
  type PocUpdateRequest,
  githubRepoUrl,
  normaliseLabel,
  normaliseName,
} from '@poc/contracts';
import { type FieldError, ValidationError } from '@poc/platform';
import { POC_ERR } from '../errors.ts';
import type { PocChanges } from './commands.ts';

/**
 * From a request body that passed its JSON Schema to the normalised values of
 * API.md: names trimmed; languages and tags trimmed, lower-cased and
 * de-duplicated; repoUrl canonical; instants in UTC. What the schema cannot
 * say (blank once trimmed, a look-alike GitHub host) is a `ValidationError`
 * naming every bad field.
 */
class Fields {
  readonly errors: FieldError[] = [];
  code: string = POC_ERR.NAME_BLANK;

  fail(code: string, path: string, message: string): void {
    if (this.errors.length === 0) this.code = code;
    this.errors.push({ path, message });
  }

  name(raw: string): string {
    const name = normaliseName(raw);
    if (!name) this.fail(POC_ERR.NAME_BLANK, 'body.name', 'must not be blank');
    return name;
  }

  labels(raw: readonly string[], field: 'languages' | 'tags'): string[] {
    const seen = new Set<string>();
    raw.forEach((label, i) => {
      const value = normaliseLabel(label);
      if (!value) this.fail(POC_ERR.LABEL_BLANK, `body.${field}.${i}`, 'must not be blank');
      else seen.add(value);
    });
    return [...seen];
  }

  repoUrl(raw: string | null): string | null {
    if (raw === null) return null;
    const url = githubRepoUrl(raw);
    if (url === null) this.fail(POC_ERR.REPO_URL, 'body.repoUrl', 'must be an https://github.com/<owner>/... URL');
    return url;
  }

  throwIfAny(): void {
    if (this.errors.length > 0) {
      throw new ValidationError(this.code, `The request is invalid: ${this.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, this.errors);
    }
  }
}

const instant = (raw: string | null): string | null => (raw === null ? null : new Date(raw).toISOString());

export function createData(body: PocCreateRequest): PocCreatedData {
  const f = new Fields();
  const data: PocCreatedData = {
    name: f.name(body.name),
    description: (body.description ?? '').trim(),
    languages: f.labels(body.languages ?? [], 'languages'),
    tags: f.labels(body.tags ?? [], 'tags'),
    repoUrl: f.repoUrl(body.repoUrl ?? null),
    status: body.status ?? 'idea',
    startedAt: instant(body.startedAt ?? null),
    finishedAt: instant(body.finishedAt ?? null),
  };
  f.throwIfAny();
  return data;
}

export function changes(body: PocUpdateRequest): PocChanges {
  const f = new Fields();
  const out: { -readonly [K in keyof PocChanges]: PocChanges[K] } = {};
  if (body.name !== undefined) out.name = f.name(body.name);
  if (body.description !== undefined) out.description = body.description.trim();
  if (body.languages !== undefined) out.languages = f.labels(body.languages, 'languages');
  if (body.tags !== undefined) out.tags = f.labels(body.tags, 'tags');
  if (body.repoUrl !== undefined) out.repoUrl = f.repoUrl(body.repoUrl);
  if (body.status !== undefined) out.status = body.status;
  if (body.startedAt !== undefined) out.startedAt = instant(body.startedAt);
  if (body.finishedAt !== undefined) out.finishedAt = instant(body.finishedAt);
  f.throwIfAny();
  return out;
}
