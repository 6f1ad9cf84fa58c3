import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestIssuer } from '../testing/tokens.ts';
import { createTokenVerifier } from './verifier.ts';

describe('verified-token cache', () => {
  it('given a cached token, when it expires, then it is refused like any expired token', async () => {
    const issuer = await createTestIssuer();
    const verifier = createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks });
    const token = await issuer.token({ tenantId: randomUUID(), expiresIn: '2s' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ roles: ['member'] });
    await expect(verifier.verify(token)).resolves.toMatchObject({ roles: ['member'] });
    await new Promise((r) => setTimeout(r, 2_100));
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401 });
  });

  it('given a cached token, when one character of its signature changes, then it is verified again and refused', async () => {
    const issuer = await createTestIssuer();
    const verifier = createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks });
    const token = await issuer.token({ tenantId: randomUUID() });
    await verifier.verify(token);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await expect(verifier.verify(`${token.slice(0, -2)}${last}${token.at(-1)}`)).rejects.toMatchObject({ status: 401 });
  });

  it('forgets a token after maxAgeMs even if it has not expired (a withdrawn key stops working within it)', async () => {
    const issuer = await createTestIssuer();
    let keys = issuer.jwks;
    const verifier = createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: async (h, t) => (await import('jose')).createLocalJWKSet(keys)(h, t), cache: { maxAgeMs: 50 } });
    const token = await issuer.token({ tenantId: randomUUID() });
    await verifier.verify(token);
    keys = { keys: [] };
    await new Promise((r) => setTimeout(r, 80));
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401 });
  });
});
