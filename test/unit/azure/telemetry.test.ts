import { describe, expect, test } from '@jest/globals';
import { createTelemetry, noTelemetry, scrubProperties, type TelemetrySink } from '../../../src/azure/telemetry.js';
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
    const telemetry = createTelemetry(undefined);

    // The no-op sink: events and metrics go nowhere, and flushing it settles.
    expect(telemetry).toBe(noTelemetry);
    expect(() => telemetry.event('ClusterEvaluated', { clusterId: 'c' })).not.toThrow();
    expect(() => telemetry.metric('NonCompliantClusters', 3)).not.toThrow();
    await expect(telemetry.flush()).resolves.toBeUndefined();
  });

  test('keeps what is sent while the SDK loads, scrubbed, and hands it over in order once it is ready', async () => {
    // Prepare: an SDK that is ready only when the test says so
    const sent: string[] = [];
    let ready: (sink: TelemetrySink) => void = () => undefined;
    const sink: TelemetrySink = { event: (name, properties) => void sent.push(`${name} ${JSON.stringify(properties)}`), metric: (name, value) => void sent.push(`${name}=${value}`), flush: async () => void sent.push('flushed') };
    const telemetry = createTelemetry({ connectionString: 'InstrumentationKey=x' }, undefined, () => new Promise((resolve) => (ready = resolve)));

    // Act: send before the SDK is ready, then let it be ready, then send again
    telemetry.event('EventAccepted', { eventId: 'e1', token: 'secret' });
    telemetry.metric('NonCompliantClusters', 3);
    const sentBeforeReady = [...sent];
    ready(sink);
    const flushed = telemetry.flush();
    telemetry.event('EventAccepted', { eventId: 'e2' });
    await flushed;

    // Assert
    expect(sentBeforeReady).toStrictEqual([]);
    expect(sent).toStrictEqual(['EventAccepted {"eventId":"e1"}', 'NonCompliantClusters=3', 'EventAccepted {"eventId":"e2"}', 'flushed']);
  });

  test('says why on flush when the SDK cannot start, and never throws at the caller', async () => {
    // Prepare
    let fail: (error: Error) => void = () => undefined;
    const telemetry = createTelemetry({ connectionString: 'InstrumentationKey=x' }, undefined, () => new Promise((_, reject) => (fail = reject)));

    // Act
    telemetry.event('EventAccepted', { eventId: 'e1' });
    fail(new Error('Cannot find module applicationinsights'));

    // Assert: nothing throws at the caller; flush names the cause
    await expect(telemetry.flush()).rejects.toThrow('telemetry: the Application Insights SDK could not start: Cannot find module applicationinsights');
    expect(() => telemetry.event('EventAccepted', { eventId: 'late' })).not.toThrow();
  });

  test('records scrubbed events for tests and the demo', () => {
    const telemetry = new RecordingTelemetry();

    telemetry.event('RemediationStarted', { stepId: 'managed-identity:enable-managed-identity', token: 'secret' });

    expect(telemetry.events).toStrictEqual([{ name: 'RemediationStarted', properties: { stepId: 'managed-identity:enable-managed-identity' } }]);
  });
});
