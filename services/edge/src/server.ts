import { runService } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';

await runService(loadServiceEnv, async (env) => ({ app: await buildApp({ env }) }));
