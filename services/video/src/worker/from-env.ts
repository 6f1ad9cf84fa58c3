import { hostname } from 'node:os';
import type { Env } from '../env.ts';
import type { WorkerOptions } from './worker.ts';

/** The worker's options from the service configuration. */
export function workerOptions(env: Env): WorkerOptions {
  return {
    workerId: `${hostname()}:${process.pid}`,
    maxRenders: env.VIDEO_MAX_RENDERS,
    tenantBudget: env.VIDEO_TENANT_MAX_RENDERS,
    maxAttempts: env.VIDEO_MAX_ATTEMPTS,
    retryBaseMs: env.VIDEO_RETRY_BASE_MS,
    leaseMs: env.VIDEO_LEASE_MS,
    progressIntervalMs: env.VIDEO_PROGRESS_INTERVAL_MS,
    pollMs: env.VIDEO_POLL_MS,
    workDir: env.VIDEO_WORK_DIR,
    pace: env.VIDEO_PACE,
  };
}
