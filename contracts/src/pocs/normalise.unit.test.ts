import { describe, expect, it } from 'vitest';
import { githubRepoUrl, normaliseLabel, normaliseLabels, normaliseName } from './normalise.ts';

describe('normalisation of API.md', () => {
  it('trims, lower-cases, collapses spaces and de-duplicates languages and tags, keeping first-seen order', () => {
    expect(normaliseLabel('  Type   Script ')).toBe('type script');
    expect(normaliseLabels([' Go', 'go ', 'RUST', '', '   ', 'Rust', 'C#'])).toEqual(['go', 'rust', 'c#']);
    // Composed and decomposed accents are one label.
    expect(normaliseLabels(['Caf\u00e9', 'cafe\u0301'])).toEqual(['caf\u00e9']);
  });

  it('trims names but keeps their case', () => {
    expect(normaliseName('  Kafka Outbox  ')).toBe('Kafka Outbox');
  });

  it('accepts only https://github.com/<owner>/... URLs, canonicalised', () => {
    expect(githubRepoUrl('https://github.com/acme/outbox-relay/')).toBe('https://github.com/acme/outbox-relay');
    expect(githubRepoUrl(' https://github.com/acme/repo/tree/main/poc?tab=readme#top ')).toBe('https://github.com/acme/repo/tree/main/poc');
    expect(githubRepoUrl('https://GitHub.com/acme')).toBe('https://github.com/acme');
    for (const bad of ['http://github.com/acme/repo', 'https://github.com.evil.example/acme/repo', 'https://evil.example/github.com/acme',
      'https://user:pw@github.com/acme/repo', 'https://github.com:8443/acme/repo', 'https://github.com/', 'https://github.com', 'javascript:alert(1)',
      'https://gitlab.com/acme/repo', 'github.com/acme/repo', 'https://github.com/-acme/repo']) {
      expect(githubRepoUrl(bad), bad).toBeNull();
    }
  });
});
