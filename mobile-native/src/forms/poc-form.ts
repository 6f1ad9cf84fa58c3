import { POC_STATUSES, type Poc, type PocCreate, type PocStatus, type PocWrite } from '../api/types';

/** What the POC form edits: text as typed; lists as comma-separated text. */
export interface PocFormValues {
  name: string;
  description: string;
  languages: string;
  tags: string;
  repoUrl: string;
  status: PocStatus;
  startedAt: string;
  finishedAt: string;
}

/** Error messages are i18n keys (see src/i18n), resolved by the screen. */
export type PocFormErrors = Partial<Record<keyof PocFormValues, string>>;

export const emptyPocForm: PocFormValues = {
  name: '',
  description: '',
  languages: '',
  tags: '',
  repoUrl: '',
  status: 'idea',
  startedAt: '',
  finishedAt: '',
};

export function formFromPoc(poc: Poc): PocFormValues {
  return {
    name: poc.name,
    description: poc.description ?? '',
    languages: poc.languages.join(', '),
    tags: poc.tags.join(', '),
    repoUrl: poc.repoUrl ?? '',
    status: poc.status,
    startedAt: poc.startedAt?.slice(0, 10) ?? '',
    finishedAt: poc.finishedAt?.slice(0, 10) ?? '',
  };
}

/** Same normalisation as the server: trimmed, lower-case, de-duplicated. */
export function splitList(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const v = part.trim().toLowerCase();
    if (v) seen.add(v);
  }
  return [...seen];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const REPO = /^https:\/\/github\.com\/[^\s/]+\/[^\s/]+\/?$/;

/** What the form can tell before asking the server; the server stays the judge (its field errors are shown the same way). */
export function validatePocForm(values: PocFormValues): PocFormErrors {
  const errors: PocFormErrors = {};
  const name = values.name.trim();
  if (!name) errors.name = 'validation.required';
  else if (name.length > 200) errors.name = 'validation.nameTooLong';
  if (values.repoUrl.trim() && !REPO.test(values.repoUrl.trim())) errors.repoUrl = 'validation.repoUrl';
  if (!POC_STATUSES.includes(values.status)) errors.status = 'validation.status';
  for (const field of ['startedAt', 'finishedAt'] as const) {
    const v = values[field].trim();
    if (v && (!DATE.test(v) || Number.isNaN(Date.parse(v)))) errors[field] = 'validation.date';
  }
  if (!errors.startedAt && !errors.finishedAt && values.startedAt && values.finishedAt && values.finishedAt < values.startedAt) {
    errors.finishedAt = 'validation.finishedBeforeStarted';
  }
  return errors;
}

const toInstant = (date: string): string | null => (date.trim() ? `${date.trim()}T00:00:00.000Z` : null);

export function toCreateBody(values: PocFormValues): PocCreate {
  const body: PocCreate = { name: values.name.trim(), status: values.status, languages: splitList(values.languages), tags: splitList(values.tags) };
  if (values.description.trim()) body.description = values.description.trim();
  if (values.repoUrl.trim()) body.repoUrl = values.repoUrl.trim();
  const started = toInstant(values.startedAt);
  const finished = toInstant(values.finishedAt);
  if (started) body.startedAt = started;
  if (finished) body.finishedAt = finished;
  return body;
}

/** Only what changed since `original` (a PATCH that names untouched fields could undo someone else's edit). */
export function toPatchBody(original: Poc, values: PocFormValues): PocWrite {
  const next = toCreateBody(values);
  const patch: PocWrite = {};
  if (next.name !== original.name) patch.name = next.name;
  if ((next.description ?? null) !== (original.description ?? null)) patch.description = next.description ?? null;
  if (!sameList(next.languages ?? [], original.languages)) patch.languages = next.languages ?? [];
  if (!sameList(next.tags ?? [], original.tags)) patch.tags = next.tags ?? [];
  if ((next.repoUrl ?? null) !== (original.repoUrl ?? null)) patch.repoUrl = next.repoUrl ?? null;
  if (next.status !== original.status) patch.status = next.status as PocStatus;
  for (const field of ['startedAt', 'finishedAt'] as const) {
    const typed = values[field].trim() || null;
    if (typed !== (original[field]?.slice(0, 10) ?? null)) patch[field] = toInstant(values[field]);
  }
  return patch;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Fields of the form whose value differs between two versions of a POC: what a 412 conflict is about. */
export function conflictingFields(mine: PocWrite, theirs: Poc, base: Poc): (keyof PocWrite)[] {
  const changedByThem = (Object.keys(mine) as (keyof PocWrite)[]).filter((k) => JSON.stringify(theirs[k]) !== JSON.stringify(base[k]));
  return changedByThem;
}

/** Server field paths (after `fieldErrorsOf`) that belong to this form. */
export function pocFieldErrors(fieldErrors: Readonly<Record<string, string>>): { fields: PocFormErrors; other: string[] } {
  const fields: PocFormErrors = {};
  const other: string[] = [];
  for (const [path, message] of Object.entries(fieldErrors)) {
    const root = path.split('.')[0] as keyof PocFormValues;
    if (root in emptyPocForm) fields[root] = message;
    else other.push(`${path}: ${message}`);
  }
  return { fields, other };
}
