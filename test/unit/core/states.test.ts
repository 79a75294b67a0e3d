import { describe, expect, test } from '@jest/globals';
import { isBusy, isSettled, isStopped, provisioningPhase, type ProvisioningPhase } from '../../../src/core/states.js';

describe('provisioningPhase / isSettled / isBusy', () => {
  const cases: [state: string | undefined, phase: ProvisioningPhase, settled: boolean, busy: boolean][] = [
    ['Succeeded', 'succeeded', true, false],
    ['succeeded', 'succeeded', true, false],
    ['Failed', 'failed', true, false],
    ['Canceled', 'failed', true, false],
    ['Creating', 'in-progress', false, true],
    ['Updating', 'in-progress', false, true],
    ['Deleting', 'in-progress', false, true],
    ['Accepted', 'in-progress', false, true],
    ['Running', 'in-progress', false, true],
    ['Upgrading', 'in-progress', false, true],
    ['Scaling', 'in-progress', false, true],
    ['Starting', 'in-progress', false, true],
    ['Stopping', 'in-progress', false, true],
    ['Migrating', 'in-progress', false, true],
    ['Canceling', 'in-progress', false, true],
    ['Provisioning', 'in-progress', false, true],
    ['UPDATING', 'in-progress', false, true],
    ['Weird', 'unknown', false, true],
    ['', 'unknown', false, true],
    // No state at all: nothing says an operation runs, so a write is tried (ARM decides).
    [undefined, 'unknown', false, false],
  ];
  test.each(cases)('%s: %s, settled %s, busy %s', (state, phase, settled, busy) => {
    expect(provisioningPhase(state)).toBe(phase);
    expect(isSettled(state)).toBe(settled);
    expect(isBusy(state)).toBe(busy);
  });

  test('does not mistake inherited object keys for states', () => {
    expect(provisioningPhase('constructor')).toBe('unknown');
    expect(provisioningPhase('toString')).toBe('unknown');
  });
});

describe('isStopped (power state, a separate axis)', () => {
  test.each([
    ['Stopped', true],
    ['stopped', true],
    ['Running', false],
    [undefined, false],
  ] as const)('%s -> %s', (powerState, stopped) => {
    expect(isStopped(powerState)).toBe(stopped);
  });
});
