import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import type { Poc } from '../api/types';
import { signUpFieldErrors, slugify, toSignUpRequest, validateSignUp } from './auth-forms';
import { emptyPocForm, formFromPoc, pocFieldErrors, splitList, toCreateBody, toPatchBody, validatePocForm } from './poc-form';

const poc: Poc = {
  id: 'p1',
  name: 'Edge cache',
  description: 'A cache at the edge',
  languages: ['go', 'lua'],
  tags: ['perf'],
  repoUrl: null,
  status: 'in_progress',
  startedAt: '2026-03-01T00:00:00.000Z',
  finishedAt: null,
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
  createdBy: 'u1',
  version: 4,
};

describe('the POC form', () => {
  it('normalises lists like the server: trimmed, lower-case, de-duplicated', () => {
    expect(splitList(' Go, rust ,GO,, TypeScript')).toEqual(['go', 'rust', 'typescript']);
  });

  it('says what is wrong before sending', () => {
    const errors = validatePocForm({ ...emptyPocForm, repoUrl: 'http://gitlab.com/x', startedAt: '2026-05-02', finishedAt: '2026-05-01' });
    expect(errors).toEqual({ name: 'validation.required', repoUrl: 'validation.repoUrl', finishedAt: 'validation.finishedBeforeStarted' });
    expect(validatePocForm({ ...emptyPocForm, name: 'x'.repeat(201) }).name).toBe('validation.nameTooLong');
    expect(validatePocForm({ ...emptyPocForm, name: 'ok', repoUrl: 'https://github.com/acme/edge' })).toEqual({});
  });

  it('creates with only the filled fields', () => {
    expect(toCreateBody({ ...emptyPocForm, name: ' Edge ', languages: 'Go', startedAt: '2026-05-02' })).toEqual({
      name: 'Edge',
      status: 'idea',
      languages: ['go'],
      tags: [],
      startedAt: '2026-05-02T00:00:00.000Z',
    });
  });

  it('patches only what the user changed (an untouched field never overwrites someone else\u2019s edit)', () => {
    expect(toPatchBody(poc, formFromPoc(poc))).toEqual({});
    expect(toPatchBody(poc, { ...formFromPoc(poc), tags: 'perf, cdn', description: '' })).toEqual({ tags: ['perf', 'cdn'], description: null });
    expect(toPatchBody(poc, { ...formFromPoc(poc), finishedAt: '2026-04-01', startedAt: '' })).toEqual({ finishedAt: '2026-04-01T00:00:00.000Z', startedAt: null });
  });

  it('puts the server field errors on their fields', () => {
    const error = new ApiError({ status: 400, errors: [{ path: 'body.name', message: 'must NOT have more than 200 characters' }, { path: 'body.owner', message: 'is not an allowed property' }] });
    expect(pocFieldErrors(error.fieldErrors)).toEqual({ fields: { name: 'must NOT have more than 200 characters' }, other: ['owner: is not an allowed property'] });
  });
});

describe('the sign-up form', () => {
  it('suggests a slug from the organisation name', () => {
    expect(slugify('  Açaí Labs & Co. ')).toBe('acai-labs-co');
  });

  it('maps the API body to the form and the server field errors back', () => {
    const values = { organisation: 'Acme', slug: 'acme', displayName: 'Olga', email: 'o@acme.test', password: 'pw' };
    expect(validateSignUp(values)).toEqual({});
    expect(validateSignUp({ ...values, slug: 'Not A Slug', email: 'x' })).toEqual({ slug: 'validation.slug', email: 'validation.email' });
    expect(toSignUpRequest(values)).toEqual({ name: 'Acme', slug: 'acme', admin: { email: 'o@acme.test', password: 'pw', displayName: 'Olga' } });
    const error = new ApiError({ status: 400, errors: [{ path: 'body.admin.password', message: 'is too common' }, { path: 'body.slug', message: 'is taken' }] });
    expect(signUpFieldErrors(error.fieldErrors).fields).toEqual({ password: 'is too common', slug: 'is taken' });
  });
});
