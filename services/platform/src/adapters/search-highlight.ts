import { foldWord } from '../ports/search.ts';

/** What a query word matches in a text: itself, as a prefix (2+ letters), or one of its typo corrections. */
export interface HighlightTerm {
  readonly word: string;
  readonly corrections: readonly string[];
}

const DESCRIPTION_FRAGMENT = 200;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function matches(word: string, terms: readonly HighlightTerm[]): boolean {
  const folded = foldWord(word);
  return terms.some(
    (t) => folded === t.word || (t.word.length >= 2 && folded.startsWith(t.word)) || t.corrections.includes(folded),
  );
}

/**
 * `text` HTML-escaped with `<mark>` around the words the terms match, or null
 * when none does. With `fragment`, long text is cut to a window around the
 * first match (`…` where cut), as the OpenSearch highlighter does.
 */
export function highlightText(text: string, terms: readonly HighlightTerm[], fragment = false): string | null {
  const marks: [number, number][] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (matches(m[0], terms)) marks.push([m.index, m.index + m[0].length]);
  }
  if (marks.length === 0) return null;
  let start = 0;
  let end = text.length;
  if (fragment && text.length > DESCRIPTION_FRAGMENT) {
    const first = marks[0]![0];
    start = Math.max(0, first - 60);
    if (start > 0) {
      const space = text.indexOf(' ', start);
      start = space !== -1 && space < first ? space + 1 : start;
    }
    end = Math.min(text.length, start + DESCRIPTION_FRAGMENT);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      end = space > first ? space : end;
    }
  }
  let out = start > 0 ? '…' : '';
  let at = start;
  for (const [s, e] of marks) {
    if (s < start || e > end) continue;
    out += escapeHtml(text.slice(at, s)) + '<mark>' + escapeHtml(text.slice(s, e)) + '</mark>';
    at = e;
  }
  out += escapeHtml(text.slice(at, end)) + (end < text.length ? '…' : '');
  return out;
}
