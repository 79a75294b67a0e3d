// The emulator's controllable clock: operations, timestamps and events follow it, so tests move time instead of waiting.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type EmulatorEvent, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { CLUSTER_RP, CLUSTER_TYPE, EMULATOR_START_TIMEOUT_MS, armRequest, extensionsClient } from '../../support/emulator.js';

const SUBSCRIPTION = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';
const CLUSTER_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-clock/providers/Microsoft.ContainerService/managedClusters/aks-clock`;

describe('the emulator clock', () => {
  let emulator: RunningEmulator;
  const events: EmulatorEvent[] = [];

  beforeAll(async () => {
    // A clock that stands still unless a test moves it: a one-hour operation ends only when the clock says so.
    const frozen = new Date('2026-04-14T09:00:00Z');
    emulator = await startEmulator({ lroDurationMs: 3_600_000, throttleFactor: 0, now: () => frozen });
    emulator.putCluster({ id: CLUSTER_ID, location: 'westeurope', properties: { provisioningState: 'Succeeded', powerState: { code: 'Running' } } });
    emulator.onEvent((event) => events.push(event));
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('stamps writes and events with its time, and an operation completes when the clock passes its end', async () => {
    // Act: start a create through the real SDK, without waiting for it
    const client = extensionsClient(emulator, SUBSCRIPTION);
    const poller = await client.extensions.beginCreate('rg-clock', CLUSTER_RP, CLUSTER_TYPE, 'aks-clock', 'flux', { extensionType: 'microsoft.flux' }, { updateIntervalInMs: 5 });
    await poller.poll();

    // Assess: created at the clock's time, still running
    expect(emulator.state.extension(CLUSTER_ID, 'flux')).toMatchObject({
      systemData: { createdAt: '2026-04-14T09:00:00.000Z' },
      properties: { provisioningState: 'Creating' },
    });
    expect(events.at(-1)?.eventTime).toBe('2026-04-14T09:00:00.000Z');
    expect(poller.isDone()).toBe(false);

    // Act: an hour later
    emulator.clock.advance(3_600_000);
    const created = await poller.pollUntilDone();

    // Assess
    expect(created.provisioningState).toBe('Succeeded');
    expect(emulator.clock.now().toISOString()).toBe('2026-04-14T10:00:00.000Z');
    expect(emulator.state.runningOperations).toBe(0);
  });

  test('set() moves to any date and the operation status shows it', async () => {
    // Act
    emulator.clock.set('2026-05-01T00:00:00Z');
    const raw = await armRequest(emulator, 'PATCH', `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux?api-version=2023-05-01`, { body: { properties: { releaseTrain: 'Preview' } } });
    const status = await armRequest(emulator, 'GET', new URL(String(raw.headers['azure-asyncoperation'])).pathname + '?api-version=2023-05-01');

    // Assess
    expect(raw.status).toBe(202);
    expect(status.body).toMatchObject({ status: 'InProgress', startTime: '2026-05-01T00:00:00.000Z' });
    expect(() => emulator.clock.advance(-1)).toThrow(/duration >= 0/);
    expect(() => emulator.clock.set('not a date')).toThrow(/needs a date/);
  });
});
