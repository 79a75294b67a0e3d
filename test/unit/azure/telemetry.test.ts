import { describe, expect, test } from '@jest/globals';
import { createTelemetry, noTelemetry, scrubProperties } from '../../../src/azure/telemetry.js';
import { RecordingTelemetry } from '../../support/telemetry.js';

describe('telemetry', () => {
  test('drops sensitive keys and masks bearer tokens in values', () => {
    const scrubbed = scrubProperties({
      clusterId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c',
      accessToken: 'eyJ0eXAi',
      configurationProtectedSettings: '{"sas":"x"}',
      detail: 'call failed with Authorization: Bearer eyJ0eXAiOiJKV1Qi.abc.def',
      attempts: 2,
      skipped: undefined,
    });

    expect(Object.keys(scrubbed).sort()).toStrictEqual(['attempts', 'clusterId', 'detail']);
    expect(scrubbed.detail).toBe('call failed with Authorization: Bearer ***');
    expect(scrubbed.attempts).toBe('2');
  });

  test('is off without errors when no connection string is configured', async () => {
    const telemetry = await createTelemetry(undefined);

    // The no-op sink: events and metrics go nowhere, and flushing it settles.
    expect(telemetry).toBe(noTelemetry);
    expect(() => telemetry.event('ClusterEvaluated', { clusterId: 'c' })).not.toThrow();
    expect(() => telemetry.metric('NonCompliantClusters', 3)).not.toThrow();
    await expect(telemetry.flush()).resolves.toBeUndefined();
  });

  test('records scrubbed events for tests and the demo', () => {
    const telemetry = new RecordingTelemetry();

    telemetry.event('RemediationStarted', { stepId: 'managed-identity:enable-managed-identity', token: 'secret' });

    expect(telemetry.events).toStrictEqual([{ name: 'RemediationStarted', properties: { stepId: 'managed-identity:enable-managed-identity' } }]);
  });
});
