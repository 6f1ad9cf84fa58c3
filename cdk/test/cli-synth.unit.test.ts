// `cdk synth` through the real CLI, as CI and operators run it: no AWS credentials at all.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { globalEdgeContext, lambdaBackedResources, readTemplates } from './synth.ts';

const cdkDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function cdkSynth(args: string[]): { outdir: string; output: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'poc-cdk-cli-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  Object.assign(env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  });
  const output = execFileSync(join(cdkDir, 'node_modules/.bin/cdk'), ['synth', '--no-notices', '--quiet', '--ci', '-o', outdir, ...args], {
    cwd: cdkDir,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { outdir, output };
}

describe('cdk synth (CLI, no credentials)', () => {
  it('synthesises the prod stage, Edge included, with no Lambda', () => {
    const edge = globalEdgeContext();
    const { outdir } = cdkSynth(['-c', 'stage=prod', ...Object.entries(edge).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
    const files = readTemplates(outdir);
    expect(Object.keys(files).sort()).toEqual(
      ['Cluster', 'Data', 'Edge', 'Foundation', 'Global'].map((s) => `Poc-Prod-${s}.template.json`),
    );
    expect(lambdaBackedResources(files)).toEqual([]);
  });

  it('synthesises the dev stage before the Global stack exists (first deployment)', () => {
    const { outdir } = cdkSynth([]);
    expect(Object.keys(readTemplates(outdir)).sort()).toEqual(['Cluster', 'Data', 'Foundation', 'Global'].map((s) => `Poc-Dev-${s}.template.json`));
  });
});
