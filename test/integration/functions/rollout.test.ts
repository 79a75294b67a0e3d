// A small rollout through the whole app on Azurite and the HTTPS ARM emulator: the queue host playing the trigger,
// maintenance configurations read through @azure/arm-containerservice, the rollout record in Table Storage, approve
// through the real HTTP function with an Entra principal (the approver recorded), and a restart between the waves
// (fresh services on the same storage) that loses nothing. The app's clock is the emulator's, set just before each
// window so that a window opens in seconds.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import azureFunctions from '@azure/functions';
import { createStorageClients } from '../../../src/azure/storage/index.js';
import { loadConfig } from '../../../src/config.js';
import { createServices, useServices } from '../../../src/container.js';
import { validateBaseline } from '../../../src/core/index.js';
import { approveRollout } from '../../../src/functions/approveRollout.js';
import { getRollout } from '../../../src/functions/getRollout.js';
import { rolloutStatus, type RolloutStatusView } from '../../../src/pipeline/rollouts.js';
import { clusterBody } from '../../support/builders.js';
import { Driver, FAST_TUNING } from '../../support/driver.js';

const SUBSCRIPTION = '7d3c2b1a-0f9e-4d8c-b7a6-958473625140';
const ROLLOUT = 'mi-migration';
const START_TIMEOUT = 60_000;
const TEST_TIMEOUT = 90_000;
const APPROVER = { name: 'alex.kim@contoso.com', objectId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d' };

const clusterId = (name: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-rollout/providers/Microsoft.ContainerService/managedClusters/${name}`;
const CLUSTERS: { id: string; tags: Record<string, string> }[] = [
  { id: clusterId('aks-canary'), tags: { ring: 'canary' } },
  { id: clusterId('aks-a'), tags: {} },
  { id: clusterId('aks-b'), tags: {} },
];
/** Daily, 02:00 UTC for 4 hours. */
const WINDOW = { name: 'aksManagedAutoUpgradeSchedule', properties: { maintenanceWindow: { schedule: { daily: { intervalDays: 1 } }, durationHours: 4, utcOffset: '+00:00', startTime: '02:00', startDate: '2026-03-01' } } };

const baseline = validateBaseline({
  version: 1,
  rules: { managedIdentity: { mode: 'approval' } },
  rollouts: [{ name: ROLLOUT, actions: ['enable-managed-identity'], waves: [{ name: 'canary', match: { tags: { ring: 'canary' } } }], maxConcurrent: 1, maxFailures: 0, stepMinutes: 60 }],
});

function principal(): string {
  const claims = [
    { typ: 'name', val: APPROVER.name },
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: APPROVER.objectId },
    { typ: 'roles', val: 'Compliance.Remediate' },
  ];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims })).toString('base64');
}

describe('a rollout through the whole app', () => {
  let driver: Driver;

  const call = (handler: typeof getRollout, method: 'GET' | 'POST', path: string) =>
    handler(
      new azureFunctions.HttpRequest({ method, url: `http://localhost/api/rollouts/${ROLLOUT}${path}`, params: { rolloutId: ROLLOUT }, headers: { 'x-ms-client-principal': principal() } }),
      driver.context('http'),
    );
  const status = async (): Promise<RolloutStatusView> => (await call(getRollout, 'GET', '')).jsonBody as RolloutStatusView;
  const clusterPuts = (id: string) => driver.writesTo(id).filter((write) => write.method === 'PUT').length;

  beforeAll(async () => {
    driver = await Driver.start({ baseline, settings: { ENTRA_AUTH_REQUIRED: 'true', TARGET_SUBSCRIPTION_IDS: SUBSCRIPTION }, followEmulatorClock: true });
    for (const cluster of CLUSTERS) {
      driver.emulator.putCluster(clusterBody({ id: cluster.id, identityType: null, spClientId: '3f2e1d0c-b9a8-4765-8432-10fedcba9876', tags: cluster.tags }));
      driver.emulator.putMaintenanceConfiguration(cluster.id, WINDOW);
    }
  }, START_TIMEOUT);
  afterAll(() => driver?.stop());

  test(
    'waits for approval, starts each wave only when its window opens, records the approver, and survives a restart',
    async () => {
      // Monday 01:59:55 UTC: the window opens in five seconds.
      driver.emulator.clock.set('2026-03-02T01:59:55Z');
      await driver.sweep();
      await driver.drain();
      let view = await status();
      expect(view.waves.map((wave) => [wave.name, wave.clusters, wave.awaitingApproval])).toStrictEqual([
        ['canary', 1, true],
        ['remaining', 2, false],
      ]);
      expect(CLUSTERS.map((cluster) => clusterPuts(cluster.id))).toStrictEqual([0, 0, 0]);

      // Approve the canary wave over HTTP: the first evaluation finds no window open yet (blocked, looks again when it
      // opens); once it opens, the write goes out and the wave completes.
      const approved = await call(approveRollout, 'POST', '/approve');
      expect(approved.status).toBe(200);
      expect(approved.jsonBody).toMatchObject({ approved: { wave: 'canary', by: `${APPROVER.name} (${APPROVER.objectId})` } });
      await driver.drain();
      expect(CLUSTERS.map((cluster) => clusterPuts(cluster.id))).toStrictEqual([1, 0, 0]);
      const [row] = await driver.services.store.listRemediations(CLUSTERS[0]?.id ?? '');
      expect(Date.parse(row?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse('2026-03-02T02:00:00Z'));
      const canaryReasons = driver.processed
        .map((message) => message.outcome)
        .flatMap((outcome) => (outcome?.kind === 'evaluated' && outcome.run.clusterId.toLowerCase() === (CLUSTERS[0]?.id ?? '').toLowerCase() ? outcome.run.steps : []))
        .map((report) => report.blockedBy?.reason ?? report.outcome);
      expect(canaryReasons).toStrictEqual(['awaiting-approval', 'OutsideMaintenanceWindow', 'started']);
      view = await status();
      expect(view.waves[0]).toMatchObject({ complete: true, succeeded: 1, approvedBy: `${APPROVER.name} (${APPROVER.objectId})` });
      expect(view.waves[1]).toMatchObject({ awaitingApproval: true, pending: 2 });

      // A restart: fresh services on the same storage see exactly the same rollout.
      const config = loadConfig(driver.env);
      const restarted = await createServices(config, { env: driver.env, storageClients: createStorageClients(config.storage), baseline, clock: () => driver.emulator.clock.now(), telemetry: driver.telemetry, tuning: FAST_TUNING });
      expect(await rolloutStatus({ store: restarted.store, baseline }, ROLLOUT, driver.emulator.clock.now())).toStrictEqual(await rolloutStatus({ store: driver.services.store, baseline }, ROLLOUT, driver.emulator.clock.now()));
      useServices(restarted);

      // The next day, just before the window: the remaining wave, one cluster at a time.
      driver.emulator.clock.set('2026-03-03T01:59:57Z');
      expect((await call(approveRollout, 'POST', '/approve')).status).toBe(200);
      await driver.drain();
      // (The restarted services send through their own ARM clients: the emulator and the log say what was written.)
      const identities = CLUSTERS.map((cluster) => (driver.emulator.state.cluster(cluster.id) as { identity?: { type?: string } }).identity?.type);
      expect(identities).toStrictEqual(['SystemAssigned', 'SystemAssigned', 'SystemAssigned']);
      view = await rolloutStatus({ store: restarted.store, baseline }, ROLLOUT, driver.emulator.clock.now());
      expect(view.waves.map((wave) => [wave.name, wave.succeeded, wave.complete])).toStrictEqual([
        ['canary', 1, true],
        ['remaining', 2, true],
      ]);
      for (const cluster of CLUSTERS) {
        const rows = await restarted.store.listRemediations(cluster.id);
        expect(rows.map((r) => r.status)).toStrictEqual(['Succeeded']);
        expect((await restarted.store.getState(cluster.id))?.status).toBe('Compliant');
      }
      // Approving again: nothing waits.
      const again = await call(approveRollout, 'POST', '/approve');
      expect(again.status).toBe(409);
    },
    TEST_TIMEOUT,
  );
});
