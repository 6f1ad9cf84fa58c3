import type { App } from '@poc/platform';
import { type Identity, causality } from '../context.ts';
import { Onboarded, OnboardBody, OnboardingAccepted } from '../schemas.ts';
import { issuePair } from '../sessions/sessions.ts';
import { onboardTenant, waitUntilActive } from '../tenants/onboarding.ts';

/**
 * `POST /v1/tenants`: 201 with a token pair once the tenant is provisioned
 * (waiting up to IDENTITY_PROVISIONING_WAIT_MS), else 202: the tenant exists,
 * provisioning goes on, and login answers 503 until it is done.
 */
export function tenantRoutes(identity: Identity) {
  return async (app: App) => {
    app.post(
      '/tenants',
      {
        config: { rateLimit: { max: identity.env.ONBOARDING_PER_HOUR, timeWindow: 3_600_000 } },
        schema: {
          tags: ['identity'],
          summary: 'Self-service onboarding: a tenant, its owner, its storage',
          body: OnboardBody,
          response: { 201: Onboarded, 202: OnboardingAccepted },
        },
      },
      async (request, reply) => {
        const { tenant, user } = await onboardTenant(identity, request.body, causality(request));
        if (await waitUntilActive(identity, tenant.id, identity.env.IDENTITY_PROVISIONING_WAIT_MS)) {
          const pair = await issuePair(identity, { userId: user.id, tenantId: tenant.id, roles: user.roles });
          return reply.code(201).send({ tenant, user, ...pair });
        }
        return reply.code(202).header('retry-after', '2').send({ tenant, user, status: 'provisioning' as const });
      },
    );
  };
}
