import { type EventBus, type PostgresTenantCatalog, type Subscription, type TenantProvisioner, appendInTransaction, asSystem, topicFor } from '@poc/platform';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';

export const PROVISIONER_GROUP = 'identity-provisioner';

/**
 * The provisioner: a subscriber (group `identity-provisioner`) that runs every
 * registered provisioning step for each `tenant.onboarded`, then marks the
 * tenant active and appends `tenant.provisioned`, in one transaction. A failing
 * step fails the batch, which the bus delivers again after `retryDelayMs`:
 * provisioning is retried until it succeeds, and the tenant stays
 * `provisioning` (no tokens are issued for it) meanwhile.
 */
export function startProvisioner(options: {
  bus: EventBus;
  db: Kysely<unknown>;
  catalog: PostgresTenantCatalog;
  provisioner: TenantProvisioner;
  retryDelayMs: number;
  log: FastifyBaseLogger;
}): Promise<Subscription> {
  const { bus, db, catalog, provisioner, log } = options;
  return bus.subscribe({
    group: PROVISIONER_GROUP,
    topics: [topicFor('tenant.onboarded')],
    retryDelayMs: options.retryDelayMs,
    maxBatch: 50,
    async handle(batch) {
      for (const { event } of batch) {
        if (event.type !== 'tenant.onboarded') continue;
        const entry = await catalog.get(event.tenantId);
        if (!entry || entry.status !== 'provisioning') continue; // redelivered after it succeeded
        try {
          await provisioner.provision(entry.placement);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          log.warn({ tenantId: event.tenantId, attempt: entry.attempts + 1, err: error }, 'tenant provisioning failed; will retry');
          await catalog.recordFailure(event.tenantId, message);
          throw error;
        }
        await asSystem(db, async (trx) => {
          await catalog.markActive(event.tenantId, trx);
          await appendInTransaction(trx, `tenant-${event.tenantId}`, 'any', [
            { type: 'tenant.provisioned', schemaVersion: 1, data: { tenantId: event.tenantId, steps: provisioner.steps } },
          ], { tenantId: event.tenantId, actor: 'system:identity-provisioner', correlationId: event.correlationId, causationId: event.id });
        });
        log.info({ tenantId: event.tenantId, steps: provisioner.steps }, 'tenant provisioned');
      }
    },
  });
}
