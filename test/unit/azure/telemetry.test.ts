import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTelemetry, RecordingTelemetry, scrubProperties } from '../../../src/azure/telemetry.js';

describe('telemetry', () => {
  it('drops sensitive keys and masks bearer tokens in values', () => {
    const scrubbed = scrubProperties({
      clusterId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c',
      accessToken: 'eyJ0eXAi',
      configurationProtectedSettings: '{"sas":"x"}',
      detail: 'call failed with Authorization: Bearer eyJ0eXAiOiJKV1Qi.abc.def',
      attempts: 2,
      skipped: undefined,
    });
    assert.deepEqual(Object.keys(scrubbed).sort(), ['attempts', 'clusterId', 'detail']);
    assert.equal(scrubbed.detail, 'call failed with Authorization: Bearer ***');
    assert.equal(scrubbed.attempts, '2');
  });

  it('is off without errors when no connection string is configured', async () => {
    const telemetry = await createTelemetry(undefined);
    telemetry.event('ClusterEvaluated', { clusterId: 'c' });
    telemetry.metric('NonCompliantClusters', 3);
    await telemetry.flush();
  });

  it('records scrubbed events for tests and the demo', () => {
    const telemetry = new RecordingTelemetry();
    telemetry.event('RemediationStarted', { stepId: 'managed-identity:enable-managed-identity', token: 'secret' });
    assert.deepEqual(telemetry.events, [{ name: 'RemediationStarted', properties: { stepId: 'managed-identity:enable-managed-identity' } }]);
  });
});
