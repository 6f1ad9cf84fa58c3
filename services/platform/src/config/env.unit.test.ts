import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, commonEnv, databaseEnv, loadEnv } from './env.ts';

const Env = Type.Object({ ...commonEnv, ...databaseEnv });

describe('loadEnv', () => {
  it('applies defaults and converts numbers', () => {
    const env = loadEnv(Env, { DATABASE_URL: 'postgres://u@h:5432/db', PORT: '9000' });
    expect(env.PORT).toBe(9000);
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.DATABASE_POOL_MAX).toBe(10);
  });

  it('names a missing setting', () => {
    expect(() => loadEnv(Env, {})).toThrow(/DATABASE_URL: is required/);
  });

  it('names a malformed setting and every other bad one', () => {
    try {
      loadEnv(Env, { DATABASE_URL: 'nonsense', PORT: 'eighty', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).settings).toEqual(expect.arrayContaining(['DATABASE_URL', 'PORT', 'LOG_LEVEL']));
      expect((error as Error).message).toMatch(/DATABASE_URL: .*postgres:\/\//);
    }
  });
});
