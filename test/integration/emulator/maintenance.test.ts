// Planned maintenance configurations through the real @azure/arm-containerservice client, and a test moving the
// emulator's clock so that a window opens and closes in no real time.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MaintenanceConfiguration } from '@azure/arm-containerservice';
import { type EmulatorEvent, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { parseMaintenanceConfig, windowAt } from '../../../src/core/maintenance-windows.js';
import { EMULATOR_START_TIMEOUT_MS, containerService } from '../../support/emulator.js';

const SUBSCRIPTION = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const GROUP = 'rg-maint';
const CLUSTER_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.ContainerService/managedClusters/aks-maint`;

// Saturdays 22:00-02:00 UTC (a 4-hour window crossing midnight), weekly.
const SATURDAY_NIGHT = {
  maintenanceWindow: { schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Saturday' } }, durationHours: 4, utcOffset: '+00:00', startDate: new Date('2026-01-01'), startTime: '22:00' },
};

describe('planned maintenance configurations', () => {
  let emulator: RunningEmulator;
  const events: EmulatorEvent[] = [];
  const client = () => containerService(emulator, SUBSCRIPTION);
  const list = async (): Promise<MaintenanceConfiguration[]> => {
    const found: MaintenanceConfiguration[] = [];
    for await (const config of client().maintenanceConfigurations.listByManagedCluster(GROUP, 'aks-maint')) found.push(config);
    return found;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ lroDurationMs: 20, throttleFactor: 0, now: () => new Date('2026-04-17T12:00:00Z') });
    emulator.putCluster({ id: CLUSTER_ID, location: 'westeurope', properties: { provisioningState: 'Succeeded', powerState: { code: 'Running' } } });
    emulator.putMaintenanceConfiguration(CLUSTER_ID, { name: 'default', properties: { timeInWeek: [{ day: 'Sunday', hourSlots: [1, 2] }], notAllowedTime: [] } });
    emulator.onEvent((event) => events.push(event));
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('createOrUpdate, get, listByManagedCluster and delete, with write and delete events', async () => {
    // Act
    const created = await client().maintenanceConfigurations.createOrUpdate(GROUP, 'aks-maint', 'aksManagedAutoUpgradeSchedule', SATURDAY_NIGHT);
    const got = await client().maintenanceConfigurations.get(GROUP, 'aks-maint', 'aksManagedAutoUpgradeSchedule');
    const listed = await list();
    await client().maintenanceConfigurations.delete(GROUP, 'aks-maint', 'aksManagedAutoUpgradeSchedule');

    // Assess
    expect(created).toMatchObject({ name: 'aksManagedAutoUpgradeSchedule', type: 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations', id: `${CLUSTER_ID}/maintenanceConfigurations/aksManagedAutoUpgradeSchedule` });
    expect(got.maintenanceWindow).toMatchObject({ schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Saturday' } }, durationHours: 4, startTime: '22:00' });
    expect(listed.map((config) => config.name)).toStrictEqual(['default', 'aksManagedAutoUpgradeSchedule']);
    expect(listed[0]?.timeInWeek).toStrictEqual([{ day: 'Sunday', hourSlots: [1, 2] }]);
    expect((await list()).map((config) => config.name)).toStrictEqual(['default']);
    await expect(client().maintenanceConfigurations.get(GROUP, 'aks-maint', 'aksManagedAutoUpgradeSchedule')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    expect(events.slice(-2).map((event) => `${event.eventType} ${event.data.operationName}`)).toStrictEqual([
      'Microsoft.Resources.ResourceWriteSuccess Microsoft.ContainerService/managedClusters/maintenanceConfigurations/write',
      'Microsoft.Resources.ResourceDeleteSuccess Microsoft.ContainerService/managedClusters/maintenanceConfigurations/delete',
    ]);
  });

  test('a configuration outside the spec schema is a 400 naming the problem', async () => {
    const tooShort = { maintenanceWindow: { ...SATURDAY_NIGHT.maintenanceWindow, durationHours: 2 } };

    await expect(client().maintenanceConfigurations.createOrUpdate(GROUP, 'aks-maint', 'aksManagedNodeOSUpgradeSchedule', tooShort)).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidParameter',
      message: expect.stringMatching(/durationHours/),
    });
  });

  test('moving the clock opens and closes a window the emulator serves', async () => {
    // Prepare: the window as the product would read it, through the SDK
    await client().maintenanceConfigurations.createOrUpdate(GROUP, 'aks-maint', 'aksManagedNodeOSUpgradeSchedule', SATURDAY_NIGHT);
    const config = parseMaintenanceConfig(await client().maintenanceConfigurations.get(GROUP, 'aks-maint', 'aksManagedNodeOSUpgradeSchedule'));
    const open = () => windowAt(config, emulator.clock.now());

    // Act and assess: Friday noon, then Saturday 22:30, then Sunday 02:00
    expect(open()).toBeUndefined();
    emulator.clock.set('2026-04-18T22:30:00Z');
    expect(open()).toMatchObject({ start: '2026-04-18T22:00:00.000Z', end: '2026-04-19T02:00:00.000Z' });
    emulator.clock.advance(3.5 * 3_600_000);
    expect(open()).toBeUndefined();
    // The emulator's own timestamps follow the same clock.
    const rewritten = await client().maintenanceConfigurations.createOrUpdate(GROUP, 'aks-maint', 'aksManagedNodeOSUpgradeSchedule', SATURDAY_NIGHT);
    expect(rewritten.systemData?.lastModifiedAt?.toISOString()).toBe('2026-04-19T02:00:00.000Z');
  });

  test('a deleted cluster takes its configurations with it', async () => {
    emulator.putCluster({ id: `${CLUSTER_ID}-2`, location: 'westeurope', properties: { provisioningState: 'Succeeded' } });
    emulator.putMaintenanceConfiguration(`${CLUSTER_ID}-2`, { name: 'default', properties: { timeInWeek: [{ day: 'Monday', hourSlots: [] }] } });
    expect(emulator.state.maintenanceConfigurations(`${CLUSTER_ID}-2`)).toHaveLength(1);

    // The clock stands still in this file: the delete ends when it is moved past the operation's end.
    const deleting = await client().managedClusters.beginDelete(GROUP, 'aks-maint-2', { updateIntervalInMs: 5 });
    emulator.clock.advance(1_000);
    await deleting.pollUntilDone();

    expect(emulator.state.maintenanceConfigurations(`${CLUSTER_ID}-2`)).toStrictEqual([]);
    expect(() => emulator.putMaintenanceConfiguration(CLUSTER_ID, { name: 'default', properties: { maintenanceWindow: { durationHours: 30 } } })).toThrow(/putMaintenanceConfiguration: Maintenance configuration 'default'/);
  });
});
