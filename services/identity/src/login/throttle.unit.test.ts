import { describe, expect, it } from 'vitest';
import { waitSeconds } from './throttle.ts';

const defaults = { maxFailures: 5, maxFailuresPerAddress: 20, waitIncrementSeconds: 30, maxWaitSeconds: 900, failureResetSeconds: 43_200 };

describe('waitSeconds', () => {
  it('is zero before the allowed failures, then doubles up to the maximum', () => {
    expect([1, 4, 5, 6, 7, 10, 20].map((n) => waitSeconds(n, 5, defaults))).toEqual([0, 0, 30, 60, 120, 900, 900]);
  });

  it('with the default settings, allows far fewer than ASVS 100 failures per account per hour', () => {
    let clock = 0;
    let failures = 0;
    while (clock < 3600) {
      failures += 1;
      clock += Math.max(waitSeconds(failures, defaults.maxFailures, defaults), 0.001);
    }
    expect(failures).toBeLessThanOrEqual(15);
  });
});
