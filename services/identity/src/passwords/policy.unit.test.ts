import { describe, expect, it } from 'vitest';
import { loadCommonPasswords, passwordProblem } from './policy.ts';

const common = loadCommonPasswords();
const codeOf = (password: string, context?: { email?: string; slug?: string }) => passwordProblem(password, common, context)?.code ?? 'ok';

describe('password policy (NIST SP 800-63B, ASVS L2)', () => {
  it('ships a list of tens of thousands of common passwords', () => {
    expect(common.size).toBeGreaterThan(40_000);
    expect(common.has('password')).toBe(true);
  });

  it('needs 12 characters, counted as characters not bytes', () => {
    expect(codeOf('short pass1')).toBe('IDENTITY_ERR_PASSWORD_TOO_SHORT');
    expect(codeOf('violet tango')).toBe('ok');
    expect(codeOf('ééééééééééé')).toBe('IDENTITY_ERR_PASSWORD_TOO_SHORT');
    expect(codeOf('🦊🦊🦊🦊🦊🦊🦊🦊🦊🦊🦊x')).toBe('ok');
  });

  it('allows 64 characters and more (up to 128), with no composition rules', () => {
    expect(codeOf('a very long passphrase made only of lower case words and spaces ok')).toBe('ok');
    expect(codeOf('x'.repeat(63) + 'y')).toBe('ok');
    expect(codeOf('ab'.repeat(64))).toBe('ok');
    expect(codeOf('ab'.repeat(64) + 'c')).toBe('IDENTITY_ERR_PASSWORD_TOO_LONG');
    expect(codeOf('alllowercaseletters')).toBe('ok');
  });

  it('refuses passwords of the common list, whatever their case', () => {
    for (const p of ['leavemealone', 'LeaveMeAlone', '1qaz2wsx3edc', 'unbelievable']) expect(codeOf(p), p).toBe('IDENTITY_ERR_PASSWORD_COMMON');
  });

  it('refuses a common password with only digits or symbols around it, one repeated character, and the own email', () => {
    for (const p of ['password1234', '!!!qwerty123456', 'dragon2024!!', 'aaaaaaaaaaaaaa']) expect(codeOf(p), p).toBe('IDENTITY_ERR_PASSWORD_COMMON');
    expect(codeOf('ana.lopez@acme.io', { email: 'ana.lopez@acme.io' })).toBe('IDENTITY_ERR_PASSWORD_COMMON');
    expect(codeOf('ana.lopez1999', { email: 'ana.lopez1999@acme.io' })).toBe('IDENTITY_ERR_PASSWORD_COMMON');
  });
});
