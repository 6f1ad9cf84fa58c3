// Stage configuration and the route table API Gateway is built from, without synthesising.
import { describe, expect, it } from 'vitest';
import { authEnv } from '../../services/platform/src/config/env.ts';
import { ROUTES } from '../../services/edge/src/routes.ts';
import { apiRouteKeys, ownerPrefix, PUBLIC_ROUTES, webSocketPathPatterns } from '../src/api-routes.ts';
import { resolveStageConfig } from '../src/config.ts';

const config = (context: Record<string, unknown>) => resolveStageConfig((key) => context[key]);

describe('JWT settings of the API Gateway authorizer', () => {
  it('default to the platform audience and to https://api.<domain> as issuer, per stage', () => {
    expect(config({}).jwt).toEqual({ issuer: 'https://api.dev.poc-tracker.example.com', audience: [authEnv.JWT_AUDIENCE.default] });
    expect(config({ stage: 'prod' }).jwt).toEqual({ issuer: 'https://api.poc-tracker.example.com', audience: ['poc-tracker-api'] });
    expect(config({ stage: 'prod', domainName: 'poc.example.org' }).jwt.issuer).toBe('https://api.poc.example.org');
  });

  it('are overridden by context (jwtIssuer, jwtAudience)', () => {
    const c = config({ stage: 'prod', jwtIssuer: 'https://id.example.org/realms/poc', jwtAudience: 'poc-tracker-api,mobile' });
    expect(c.jwt).toEqual({ issuer: 'https://id.example.org/realms/poc', audience: ['poc-tracker-api', 'mobile'] });
  });

  it('refuse an issuer API Gateway cannot discover (the platform default "poc-tracker" is local only)', () => {
    expect(authEnv.JWT_ISSUER.default).toBe('poc-tracker');
    expect(() => config({ jwtIssuer: authEnv.JWT_ISSUER.default })).toThrow(/jwtIssuer.*https URL/);
    expect(() => config({ jwtIssuer: 'http://api.example.com' })).toThrow(/jwtIssuer/);
    expect(() => config({ jwtIssuer: 'https://api.example.com/?x=1' })).toThrow(/jwtIssuer/);
  });
});

describe('API routes derived from ROUTES', () => {
  it('lets in each prefix of ROUTES (JWT) and the public exceptions, and nothing else', () => {
    const keys = apiRouteKeys();
    expect(keys.filter((k) => k.public).map((k) => k.key)).toEqual([...PUBLIC_ROUTES]);
    for (const prefix of new Set(ROUTES.map((r) => r.prefix))) {
      expect(keys.map((k) => k.key)).toEqual(expect.arrayContaining([`ANY ${prefix}`]));
    }
    expect(keys.map((k) => k.key)).toContain('ANY /v1/me/{proxy+}');
    expect(keys.map((k) => k.key)).toContain('ANY /v1/videos/{proxy+}');
    expect(keys.some((k) => /\/v1\/(search|query)\b/.test(k.key))).toBe(false);
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
  });

  it('routes a method-restricted prefix for its methods only', () => {
    const keys = apiRouteKeys([{ prefix: '/v1/reports', upstream: 'reports', methods: ['GET', 'HEAD'] }], []).map((k) => k.key);
    expect(keys).toEqual(['GET /v1/reports', 'GET /v1/reports/{proxy+}', 'HEAD /v1/reports', 'HEAD /v1/reports/{proxy+}']);
  });

  it('refuses a public route outside ROUTES or for a method ROUTES does not route', () => {
    expect(() => apiRouteKeys(ROUTES, [...PUBLIC_ROUTES, 'GET /v1/search'])).toThrow(/not under any prefix of ROUTES/);
    expect(() => apiRouteKeys([{ prefix: '/v1/auth', upstream: 'identity', methods: ['POST'] }], ['GET /v1/auth/{proxy+}'])).toThrow(/POST only/);
  });

  it('maps a path to its longest prefix, and WebSocket prefixes to CloudFront patterns', () => {
    expect(ownerPrefix('/v1/pocs/{proxy+}')).toBe('/v1/pocs');
    expect(ownerPrefix('/v1/pocsearch')).toBeUndefined();
    expect(ownerPrefix('/a/b', [{ prefix: '/a', upstream: 'pocs' }, { prefix: '/a/b', upstream: 'query' }])).toBe('/a/b');
    expect(webSocketPathPatterns()).toEqual(['/v1/dojos/*']);
  });
});
