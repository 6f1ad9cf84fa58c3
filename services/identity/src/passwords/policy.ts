import { readFileSync } from 'node:fs';
import { type FieldError, ValidationError } from '@poc/platform';
import { IDENTITY_ERR } from '../errors.ts';

/** NIST SP 800-63B / ASVS level 2: length only, no composition rules. */
export const PASSWORD_MIN_LENGTH = 12;
/** At least 64 must be allowed; argon2 takes any length, this only bounds the work per request. */
export const PASSWORD_MAX_LENGTH = 128;

/** The common-password list shipped with the service (`common-passwords.txt`), lower-cased. */
export function loadCommonPasswords(file = new URL('./common-passwords.txt', import.meta.url)): ReadonlySet<string> {
  const set = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const entry = line.trim();
    if (entry && !entry.startsWith('#')) set.add(entry);
  }
  return set;
}

/** Counted in Unicode code points after NFKC normalisation (63B § 5.1.1.2). */
export const normalizePassword = (password: string): string => password.normalize('NFKC');

/**
 * Checks a new password; returns what is wrong with it, or null. Rejected:
 * too short or too long; in the common list, case-insensitively; a common
 * password with only digits or punctuation around it (`password1234`,
 * `!qwerty123456`); one repeated character; the account's own email or its
 * local part (63B's context-specific words).
 */
export function passwordProblem(
  password: string,
  common: ReadonlySet<string>,
  context: { email?: string; slug?: string } = {},
): { code: string; message: string } | null {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return { code: IDENTITY_ERR.PASSWORD_TOO_SHORT, message: `must be at least ${PASSWORD_MIN_LENGTH} characters` };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return { code: IDENTITY_ERR.PASSWORD_TOO_LONG, message: `must be at most ${PASSWORD_MAX_LENGTH} characters` };
  }
  const lower = normalized.toLowerCase();
  const core = lower.replace(/^[\d\p{P}\p{S}\s]+|[\d\p{P}\p{S}\s]+$/gu, '');
  const email = context.email?.toLowerCase();
  const contextual = [email, email?.split('@')[0], context.slug?.toLowerCase()].filter((w): w is string => !!w && w.length >= 4);
  if (
    common.has(lower) ||
    (core.length >= 4 && common.has(core)) ||
    new Set(lower).size === 1 ||
    contextual.includes(lower) ||
    contextual.includes(core)
  ) {
    return { code: IDENTITY_ERR.PASSWORD_COMMON, message: 'is too common or too easy to guess; choose another' };
  }
  return null;
}

/** Throws a `ValidationError` naming `path` when the password breaks the policy. */
export function assertPasswordPolicy(
  password: string,
  common: ReadonlySet<string>,
  path: string,
  context: { email?: string; slug?: string } = {},
): void {
  const problem = passwordProblem(password, common, context);
  if (problem) {
    const errors: FieldError[] = [{ path, message: problem.message }];
    throw new ValidationError(problem.code, `The password ${problem.message}.`, errors);
  }
}
