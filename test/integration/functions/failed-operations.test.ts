// Writes ARM accepts whose operation then fails (the emulator's lro-failed fault: ARM's InternalOperationError, the
// previous body put back and provisioningState Failed), against Azurite and the emulator: the remediation is logged
// Failed with ARM's code, counts as an attempt, backs off, and after the attempt limit the rule is RemediationFailed;
// the cluster left Failed by our own write does not loop and the queue drains. The app's own write event, which ARM
// sends when it accepts a write, settles nothing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Driver, OTHER_IDENTITY } from '../../support/driver.js';
import { NO_DRIFT } from '../../support/events.js';

const CLUSTER_RP = 'Microsoft.ContainerService';
const START_TIMEOUT = 60_000;
const TEST_TIMEOUT = 90_000;
/** The emulator's code for an operation failed by its lro-failed fault (emulator/http.ts). */
const OPERATION_ERROR = 'InternalOperationError';
/** MAX_REMEDIATION_ATTEMPTS for these tests. */
const MAX_ATTEMPTS = 3;

interface Target {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function targets(driver: Driver): Target[] {
  return (driver.emulator.fleet?.clusters ?? []).map(({ id, subscriptionId, resourceGroup, name }) => ({ id, subscriptionId, resourceGroup, name }));
}

function disableWorkloadIdentity(driver: Driver, clusterId: string): void {
  const body = driver.emulator.state.cluster(clusterId) as { properties: { securityProfile?: Record<string, unknown> } };
  body.properties.securityProfile = { ...body.properties.securityProfile, workloadIdentity: { enabled: false } };
  driver.emulator.putCluster(body);
}

describe('writes whose operation fails', () => {
  let driver: Driver;
  let clusters: Target[];

  beforeAll(async () => {
    driver = await Driver.start({ fleet: { clusters: 3, subscriptions: 1, seed: 17, drift: NO_DRIFT }, settings: { MAX_REMEDIATION_ATTEMPTS: String(MAX_ATTEMPTS) } });
    clusters = targets(driver);
    if (clusters.length !== 3) throw new Error(`the seeded fleet has ${clusters.length} clusters, not 3`);
  }, START_TIMEOUT);

  afterAll(async () => driver?.stop());

  const cluster = (index: number): Target => {
    const found = clusters[index];
    if (!found) throw new Error(`no cluster ${index}`);
    return found;
  };

  test(
    "logs a cluster PUT whose operation ended Failed as Failed with ARM's code, and gives up at the attempt limit without looping",
    async () => {
      // Prepare: workload identity off, and every operation of a PUT to the cluster ends Failed
      const target = cluster(0);
      disableWorkloadIdentity(driver, target.id);
      driver.emulator.setFaults([{ route: `PUT /subscriptions/*/resourceGroups/*/providers/${CLUSTER_RP}/managedClusters/${target.name}`, kind: 'lro-failed', rate: 1 }]);
      const processedBefore = driver.processed.length;

      // Act
      try {
        await driver.services.queue.enqueue({ clusterId: target.id, cause: { kind: 'sweep', id: 'lro-failed-cluster' }, enqueuedAt: new Date().toISOString() });
        await driver.drain();
      } finally {
        driver.emulator.setFaults([]);
      }

      // Assess: the cluster was left Failed by our writes, and the app stopped after the limit
      expect((driver.emulator.state.cluster(target.id) as { properties: { provisioningState: string } }).properties.provisioningState).toBe('Failed');
      const puts = driver.writesTo(target.id).filter((write) => write.method === 'PUT');
      expect(puts).toHaveLength(MAX_ATTEMPTS);
      const rows = await driver.services.store.listRemediations(target.id);
      expect(rows.map((row) => [row.status, row.attempt, row.error?.code])).toStrictEqual([
        ['Failed', 3, OPERATION_ERROR],
        ['Failed', 2, OPERATION_ERROR],
        ['Failed', 1, OPERATION_ERROR],
      ]);
      // ARM's message, as the operation status gave it.
      expect(rows[0]?.error?.message).toMatch(/lro-failed fault/);
      expect(await driver.services.store.getAttempts(target.id, 'workload-identity')).toMatchObject({ count: MAX_ATTEMPTS, lastError: { code: OPERATION_ERROR } });
      const state = await driver.services.store.getState(target.id);
      expect(state?.status).toBe('RemediationFailed');
      expect(state?.results.find((result) => result.ruleId === 'workload-identity')).toMatchObject({ status: 'RemediationFailed', lastError: { code: OPERATION_ERROR } });
      // Bounded: the evaluations of this cluster are the attempts, their confirmations and back-offs, not a loop.
      const runs = driver.processed.slice(processedBefore).filter((message) => (message.item as { clusterId?: string }).clusterId?.toLowerCase() === target.id.toLowerCase());
      expect(runs.length).toBeLessThanOrEqual(4 * MAX_ATTEMPTS);
      expect(await driver.queueLength()).toBe(0);
      expect(await driver.poisonCount()).toBe(0);
      expect(driver.telemetry.events.filter((event) => event.name === 'RemediationSucceeded' && event.properties['clusterId']?.toLowerCase() === target.id.toLowerCase())).toStrictEqual([]);

      // Act: a sweep after the limit
      await driver.sweep();
      await driver.drain();

      // Assess: nothing more is written or logged for it
      expect(driver.writesTo(target.id).filter((write) => write.method === 'PUT')).toHaveLength(MAX_ATTEMPTS);
      expect(await driver.services.store.listRemediations(target.id)).toHaveLength(MAX_ATTEMPTS);
    },
    TEST_TIMEOUT,
  );

  test(
    'logs an extension write whose operation ended Failed the same way',
    async () => {
      // Prepare: someone deleted flux (no event), and every operation of a write to it (PUT or PATCH) ends Failed
      const target = cluster(1);
      const fluxId = `${target.id}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
      driver.setEventDelivery(false);
      await driver.clientsAs(OTHER_IDENTITY).kubernetesConfiguration(target.subscriptionId).extensions.beginDeleteAndWait(target.resourceGroup, CLUSTER_RP, 'managedClusters', target.name, 'flux');
      driver.setEventDelivery(true);
      const fluxPath = `/subscriptions/*/resourceGroups/*/providers/${CLUSTER_RP}/managedClusters/${target.name}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
      driver.emulator.setFaults([
        { route: `PUT ${fluxPath}`, kind: 'lro-failed', rate: 1 },
        { route: `PATCH ${fluxPath}`, kind: 'lro-failed', rate: 1 },
      ]);

      // Act
      try {
        await driver.services.queue.enqueue({ clusterId: target.id, cause: { kind: 'sweep', id: 'lro-failed-extension' }, enqueuedAt: new Date().toISOString() });
        await driver.drain();
      } finally {
        driver.emulator.setFaults([]);
      }

      // Assess: the install, then (a failed create leaves the extension Failed) two repairs
      expect(driver.writesTo(fluxId).map((write) => write.method)).toStrictEqual(['PUT', 'PATCH', 'PATCH']);
      const rows = await driver.services.store.listRemediations(target.id);
      expect(rows.map((row) => [row.status, row.attempt, row.error?.code])).toStrictEqual([
        ['Failed', 3, OPERATION_ERROR],
        ['Failed', 2, OPERATION_ERROR],
        ['Failed', 1, OPERATION_ERROR],
      ]);
      const state = await driver.services.store.getState(target.id);
      expect(state?.results.find((result) => result.ruleId === 'required-extension/flux')).toMatchObject({ status: 'RemediationFailed', lastError: { code: OPERATION_ERROR } });
      expect(await driver.queueLength()).toBe(0);
      expect(await driver.poisonCount()).toBe(0);
    },
    TEST_TIMEOUT,
  );
});

describe('the write event of a write still running', () => {
  let driver: Driver;
  let target: Target;

  beforeAll(async () => {
    // Operations take 3 s: the write event (sent when ARM accepts the write) arrives long before the end.
    driver = await Driver.start({ fleet: { clusters: 1, subscriptions: 1, seed: 23, drift: NO_DRIFT }, emulator: { lroDurationMs: 3000 } });
    const [first] = targets(driver);
    if (!first) throw new Error('no cluster');
    target = first;
  }, START_TIMEOUT);

  afterAll(async () => driver?.stop());

  test(
    'does not mark the remediation Succeeded; the operation status does, once it has',
    async () => {
      // Prepare
      disableWorkloadIdentity(driver, target.id);

      // Act: one evaluation, which starts the write; the queues stop before its continuation is due
      await driver.services.queue.enqueue({ clusterId: target.id, cause: { kind: 'sweep', id: 'slow-write' }, enqueuedAt: new Date().toISOString() });
      driver.startQueues();
      const deadline = Date.now() + 20_000;
      while (!driver.intakeResults.some((result) => result.outcome === 'confirmation') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await driver.settleEvents();
      await driver.stopQueues();
      const afterEvent = await driver.services.store.listRemediations(target.id);

      // Act: the rest
      await driver.drain();

      // Assess: after the event the row was still Accepted; the continuation read the operation and settled it
      expect(driver.intakeResults.filter((result) => result.outcome === 'confirmation')).toHaveLength(1);
      expect(afterEvent.map((row) => row.status)).toStrictEqual(['Accepted']);
      const rows = await driver.services.store.listRemediations(target.id);
      expect(rows.map((row) => row.status)).toStrictEqual(['Succeeded']);
      const succeeded = driver.telemetry.events.filter((event) => event.name === 'RemediationSucceeded');
      expect(succeeded.map((event) => event.properties['confirmedBy'])).toStrictEqual(['operation']);
      expect((await driver.services.store.getState(target.id))?.status).toBe('Compliant');
    },
    TEST_TIMEOUT,
  );
});
