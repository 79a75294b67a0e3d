// The emulator's error answers have the shapes recorded from real ARM (emulator/fixtures/arm/errors).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { readFixture } from '../../support/fixtures.js';
import { EMULATOR_START_TIMEOUT_MS, armRequest, type RawResponse } from '../../support/emulator.js';

interface RecordedError {
  status: number;
  body: { error: { code: string; message: string } };
}

/** The recorded message with its names turned into wildcards, so the emulator's own names match. */
function messagePattern(recorded: string, names: readonly string[]): RegExp {
  let pattern = recorded.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const name of names) pattern = pattern.split(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^\']+');
  return new RegExp(`^${pattern}`);
}

describe('error shapes recorded from real ARM', () => {
  let emulator: RunningEmulator;
  let subscriptionId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ fleet: { clusters: 1, subscriptions: 1, seed: 3 }, throttleFactor: 0.01 });
    subscriptionId = emulator.fleet?.subscriptions[0]?.subscriptionId ?? '';
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('answers a missing resource like the recorded 404', async () => {
    const recorded = readFixture('arm/errors/ResourceNotFound.404.recorded.json') as RecordedError;

    const response = await armRequest(emulator, 'GET', `/subscriptions/${subscriptionId}/resourceGroups/rg-x/providers/Microsoft.ContainerService/managedClusters/missing?api-version=2026-06-01`);

    expect(response.status).toBe(recorded.status);
    const body = response.body as RecordedError['body'];
    expect(Object.keys(body.error).sort()).toStrictEqual(Object.keys(recorded.body.error).sort());
    expect(body.error.code).toBe(recorded.body.error.code);
    expect(body.error.message).toMatch(messagePattern(recorded.body.error.message, ['Microsoft.Network/virtualNetworks', 'xplattestvnet2747', 'xplatTstVmssGCreate2715']));
  });

  test('answers an exhausted read bucket like the captured 429, with Retry-After', async () => {
    // Prepare
    const recorded = readFixture('arm/errors/SubscriptionRequestsThrottled.429.captured.json') as RecordedError;
    const path = `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`;

    // Act: read until throttled (a tiny bucket runs dry within 50 reads)
    let throttled: RawResponse | undefined;
    for (let i = 0; i < 50 && !throttled; i += 1) {
      const response = await armRequest(emulator, 'GET', path);
      if (response.status === 429) throttled = response;
    }

    // Assess
    expect(throttled).toBeDefined();
    expect(throttled?.status).toBe(recorded.status);
    expect(String(throttled?.headers['retry-after'])).toMatch(/^[1-9]\d*$/);
    const body = throttled?.body as RecordedError['body'];
    expect(body.error.code).toBe(recorded.body.error.code);
    expect(body.error.message).toMatch(messagePattern(recorded.body.error.message, ['e093f4fd-0000-0000-0000-000000000000', '85e5d083-7fd9-4588-9a28-6c035bea11a3', '10']));
  });
});
