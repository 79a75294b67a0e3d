// The chaos run (bench/chaos.ts, `npm run chaos`) at a small seeded size: the real handlers on the emulator and
// Azurite under ARM faults, failed operations, a 429 storm, a storage stall, duplicated and shuffled events and
// crashes after ARM writes. Fault rates are higher than the default run's so that every kind is met at this size.
import { describe, expect, test } from '@jest/globals';
import { CHAOS_DEFAULT, runChaos, type ChaosOptions } from '../../../bench/chaos.js';

const SMALL: ChaosOptions = {
  ...CHAOS_DEFAULT,
  clusters: 60,
  seed: 5,
  lroFailedRate: 0.25,
  crashRate: 0.25,
  driftShare: 0.1,
  stormAtMs: 300,
  stormMs: 2000,
  stallAtMs: 2500,
  stallMs: 3000,
  drainTimeoutMs: 60_000,
};

describe('npm run chaos, small', () => {
  test(
    'holds every invariant under every kind of fault',
    async () => {
      // Act
      const result = await runChaos(SMALL);

      // Assess: each kind of fault was injected...
      expect(result.faults.throttled429).toBeGreaterThan(0);
      expect(result.faults.lroFailed).toBeGreaterThan(0);
      expect(result.faults.crashesAfterWrite).toBeGreaterThan(0);
      expect(result.faults.storageCallsStalled).toBeGreaterThan(0);
      expect(result.faults.eventsDuplicated).toBeGreaterThan(0);
      expect(result.faults.clustersDriftedByOthers).toBeGreaterThan(0);
      // ...and every invariant held (the details say what broke when one did not).
      expect(Object.entries(result.invariants).filter(([, invariant]) => !invariant.held)).toStrictEqual([]);
      expect(Object.keys(result.invariants)).toHaveLength(6);
      expect(result.held).toBe(true);
    },
    110_000,
  );
});
