import { POC_LIMITS } from './fields.ts';

/**
 * Normalisation rules of API.md, shared by the write side (what it stores)
 * and the read side (how it matches filters such as `language=Go`).
 */

/** Trimmed, NFC, inner whitespace collapsed to one space, lower-case. `'  Type Script '` → `'type script'`. */
export function normaliseLabel(raw: string): string {
  return raw.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

/** Each label normalised, blanks dropped, duplicates removed (first occurrence kept, order kept). */
export function normaliseLabels(raw: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const label of raw) {
    const value = normaliseLabel(label);
    if (value) seen.add(value);
  }
  return [...seen];
}

/** A name or a title: NFC and trimmed (case is the author's). */
export function normaliseName(raw: string): string {
  return raw.normalize('NFC').trim();
}

/**
 * `raw` as a canonical GitHub URL, or null when it is not one: scheme https,
 * host exactly github.com (no `github.com.evil.example`, no `user@`, no port),
 * at least an owner in the path; query and fragment dropped, trailing slash removed.
 */
export function githubRepoUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.hostname !== 'github.com' || url.port !== '' || url.username !== '' || url.password !== '') {
    return null;
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (!/^\/[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\/[^\s]*)?$/.test(path)) return null;
  const canonical = `https://github.com${path}`;
  return canonical.length <= POC_LIMITS.repoUrlMax ? canonical : null;
}
