// The worker under failure: a crash after the ARM write (before the Table write) or between the intent row and
// the write, transient ARM errors retried by the queue until the poison queue takes over, and permanent errors
// counted per (cluster, rule) until the attempt limit records RemediationFailed.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { validateBaseline } from '../../../src/core/index.js';
import { Driver, OTHER_IDENTITY } from '../../support/driver.js';
import { clusterWriteEvent, NO_DRIFT } from '../../support/events.js';

const CLUSTER_RP = 'Microsoft.ContainerService';
/** Starting the driver: Azurite (which gives up after 30 s) and the emulator. */
const START_TIMEOUT = 60_000;
/** A test that drains the queue through retries with back-off: longer than the driver's own 60 s drain limit, so that limit names what is stuck. */
const TEST_TIMEOUT = 90_000;

interface Target {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function targets(driver: Driver): Target[] {
  return (driver.emulator.fleet?.clusters ?? []).map(({ id, subscriptionId, resourceGroup, name }) => ({ id, subscriptionId, resourceGroup, name }));
}

/** Turns workload identity off behind everyone's back (a seed: no event, no ARM request). */
function disableWorkloadIdentity(driver: Driver, clusterId: string): void {
  const body = driver.emulator.state.cluster(clusterId) as { properties: { securityProfile?: Record<string, unknown> } };
  body.properties.securityProfile = { ...body.properties.securityProfile, workloadIdentity: { enabled: false } };
  driver.emulator.putCluster(body);
}

function putsTo(driver: Driver, resourceId: string): number {
  return driver.writesTo(resourceId).filter((write) => write.method === 'PUT').length;
}

/** Accepted ARM writes the app made to a resource, as the emulator's events report them. */
function acceptedWritesTo(driver: Driver, resourceId: string): number {
  const key = resourceId.toLowerCase();
  return driver.intakeResults.filter((result) => result.outcome === 'confirmation' && (result.decision.clusterId ?? '').toLowerCase() === key).length;
}

describe('the worker when things fail', () => {
  let driver: Driver;
  let clusters: Target[];

  beforeAll(async () => {
    driver = await Driver.start({
      fleet: { clusters: 6, subscriptions: 1, seed: 5, drift: NO_DRIFT },
      armRetry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
    });
    clusters = targets(driver);
    if (clusters.length !== 6) throw new Error(`the seeded fleet has ${clusters.length} clusters, not 6`);
  }, START_TIMEOUT);

  afterAll(async () => driver?.stop());

  const cluster = (index: number): Target => {
    const found = clusters[index];
    if (!found) throw new Error(`no cluster ${index}`);
    return found;
  };

  test(
    'finishes after a crash between the ARM write and the Table write, without a second write',
    async () => {
      // Prepare: one cluster with workload identity off, another whose flux extension someone else deleted (no event
      // delivered), and a crash right after the first ARM write of each step
      const clusterStep = cluster(0);
      const extensionStep = cluster(1);
      const fluxId = `${extensionStep.id}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
      disableWorkloadIdentity(driver, clusterStep.id);
      driver.setEventDelivery(false);
      await driver
        .clientsAs(OTHER_IDENTITY)
        .kubernetesConfiguration(extensionStep.subscriptionId)
        .extensions.beginDeleteAndWait(extensionStep.resourceGroup, CLUSTER_RP, 'managedClusters', extensionStep.name, 'flux');
      driver.setEventDelivery(true);
      const crashed = new Set<string>();
      driver.faults.afterWrite = async (step) => {
        if (crashed.has(step.id)) return;
        crashed.add(step.id);
        throw new Error(`simulated crash after the ARM write of ${step.id}`);
      };

      // Act
      try {
        await driver.sweep();
        await driver.drain();
      } finally {
        driver.faults.afterWrite = undefined;
      }

      // Assess
      expect([...crashed].sort()).toStrictEqual(['required-extension/flux:install-extension', 'workload-identity:enable-workload-identity']);
      for (const [clusterId, resourceId] of [
        [clusterStep.id, clusterStep.id],
        [extensionStep.id, fluxId],
      ] as const) {
        const deliveries = driver.processed.filter((message) => (message.item as { clusterId?: string }).clusterId?.toLowerCase() === clusterId.toLowerCase());
        // The first delivery crashed...
        expect(deliveries.some((message) => message.error?.message.startsWith('simulated crash'))).toBe(true);
        // ...and the redelivery finished the work.
        expect(deliveries.some((message) => message.dequeueCount >= 2 && message.outcome?.kind === 'evaluated')).toBe(true);
        // Exactly one PUT, and the emulator accepted exactly one write.
        expect(putsTo(driver, resourceId)).toBe(1);
        expect(acceptedWritesTo(driver, clusterId)).toBe(1);
        expect((await driver.services.store.getState(clusterId))?.status).toBe('Compliant');
        // One intent row: the one the crash left open, confirmed by the re-read.
        const rows = await driver.services.store.listRemediations(clusterId);
        expect(rows.map((row) => row.status)).toStrictEqual(['Succeeded']);
      }
      expect(await driver.poisonCount()).toBe(0);
    },
    TEST_TIMEOUT,
  );

  test(
    'writes once when it crashed between the intent row and the ARM write',
    async () => {
      // Prepare
      const target = cluster(2);
      disableWorkloadIdentity(driver, target.id);
      let crashes = 0;
      driver.faults.afterIntent = async (stepId) => {
        if (crashes > 0) return;
        crashes += 1;
        throw new Error(`simulated crash before the ARM write of ${stepId}`);
      };

      // Act
      try {
        await driver.deliver(clusterWriteEvent(target.id, OTHER_IDENTITY));
        await driver.drain();
      } finally {
        driver.faults.afterIntent = undefined;
      }

      // Assess: one PUT, after the unconfirmed intent was closed
      expect(crashes).toBe(1);
      expect(putsTo(driver, target.id)).toBe(1);
      expect((await driver.services.store.getState(target.id))?.status).toBe('Compliant');
      const rows = await driver.services.store.listRemediations(target.id);
      expect(rows.map((row) => [row.status, row.error?.code ?? null])).toStrictEqual([
        ['Succeeded', null],
        ['Failed', 'NotConfirmed'],
      ]);
    },
    TEST_TIMEOUT,
  );

  test(
    'rethrows a transient ARM failure so the queue retries it, and then succeeds',
    async () => {
      // Prepare: one delivery's worth of 500s on the PUT (the first try and the SDK's two retries)
      const target = cluster(3);
      disableWorkloadIdentity(driver, target.id);
      driver.emulator.setFaults([
        { route: `PUT /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${target.name}`, kind: '500', sequence: [true, true, true] },
      ]);

      // Act
      try {
        await driver.services.queue.enqueue({ clusterId: target.id, cause: { kind: 'sweep', id: 'transient-test' }, enqueuedAt: new Date().toISOString() });
        await driver.drain();
      } finally {
        driver.emulator.setFaults([]);
      }

      // Assess
      const deliveries = driver.processed.filter((message) => (message.item as { cause?: { id?: string } }).cause?.id === 'transient-test');
      expect(deliveries[0]?.error?.name).toBe('RetryLaterError');
      // The error names the ARM code.
      expect(deliveries[0]?.error?.message).toMatch(/InternalServerError \(HTTP 500\)/);
      expect(deliveries[1]?.dequeueCount).toBe(2);
      expect(deliveries[1]?.outcome?.kind).toBe('evaluated');
      expect(acceptedWritesTo(driver, target.id)).toBe(1);
      expect((await driver.services.store.getState(target.id))?.status).toBe('Compliant');
      expect(await driver.poisonCount()).toBe(0);
    },
    TEST_TIMEOUT,
  );

  test(
    'moves a message that keeps failing to the poison queue after maxDequeueCount deliveries',
    async () => {
      // Prepare: every PUT to the cluster fails
      const target = cluster(4);
      disableWorkloadIdentity(driver, target.id);
      driver.emulator.setFaults([{ route: `PUT /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${target.name}`, kind: '500', rate: 1 }]);

      // Act
      try {
        await driver.services.queue.enqueue({ clusterId: target.id, cause: { kind: 'sweep', id: 'poison-test' }, enqueuedAt: new Date().toISOString() });
        await driver.drain();
      } finally {
        driver.emulator.setFaults([]);
      }

      // Assess
      const deliveries = driver.processed.filter((message) => (message.item as { cause?: { id?: string } }).cause?.id === 'poison-test');
      expect(deliveries.map((message) => message.dequeueCount)).toStrictEqual([1, 2, 3, 4, 5]);
      expect(deliveries.map((message) => message.error?.name)).toStrictEqual(deliveries.map(() => 'RetryLaterError'));
      expect(driver.poisoned.at(-1)?.messageId).toBe(deliveries[4]?.messageId);
      expect(await driver.poisonCount()).toBe(1);
      expect(acceptedWritesTo(driver, target.id)).toBe(0);
      // The evaluation is recorded even though the fix could not be written.
      expect((await driver.services.store.getState(target.id))?.status).toBe('NonCompliant');
    },
    TEST_TIMEOUT,
  );

  test(
    'sends a message that is not a work item to the poison queue, naming the problem',
    async () => {
      // Prepare
      const before = await driver.poisonCount();

      // Act
      await driver.storage.evaluationQueue.sendMessage(Buffer.from(JSON.stringify({ clusterId: cluster(5).id, cause: { kind: 'nonsense', id: 'x' } })).toString('base64'));
      await driver.drain();

      // Assess
      const last = driver.processed.at(-1);
      expect(last?.error?.name).toBe('InvalidWorkItemError');
      expect(last?.error?.message).toMatch(/cause\.kind/);
      expect(await driver.poisonCount()).toBe(before + 1);
    },
    TEST_TIMEOUT,
  );
});

describe('the attempt limit', () => {
  const SECRET = 'dapr-api-token-0f9e8d7c6b5a';
  let driver: Driver;
  let target: Target;

  beforeAll(async () => {
    driver = await Driver.start({
      fleet: { clusters: 1, subscriptions: 1, seed: 21, drift: NO_DRIFT },
      baseline: validateBaseline({
        version: 1,
        rules: {},
        requiredExtensions: [
          { name: 'dapr', extensionType: 'Microsoft.Dapr', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto', protectedSettings: { apiToken: { appSetting: 'DAPR_API_TOKEN' } } },
        ],
      }),
    });
    const [first] = targets(driver);
    if (!first) throw new Error('no cluster');
    target = first;
  }, START_TIMEOUT);

  afterAll(async () => driver?.stop());

  test(
    'retries a permanent failure with back-off, then records RemediationFailed with the last error and stops',
    async () => {
      // Act: a sweep, with DAPR_API_TOKEN unset, so every install attempt fails
      await driver.sweep();
      await driver.drain();

      // Assess
      const state = await driver.services.store.getState(target.id);
      expect(state?.status).toBe('RemediationFailed');
      const dapr = state?.results.find((result) => result.ruleId === 'required-extension/dapr');
      expect(dapr?.status).toBe('RemediationFailed');
      expect(dapr?.lastError?.code).toBe('ProtectedSettingMissing');
      expect(dapr?.lastError?.message).toMatch(/DAPR_API_TOKEN/);
      const failures = driver.telemetry.events.filter((event) => event.name === 'RemediationFailed');
      expect(failures.map((event) => [event.properties['attempt'], event.properties['final']])).toStrictEqual([
        ['1', 'false'],
        ['2', 'false'],
        ['3', 'true'],
      ]);
      const rows = await driver.services.store.listRemediations(target.id);
      expect(rows.map((row) => row.status)).toStrictEqual(['Failed', 'Failed', 'Failed']);
      const attempts = await driver.services.store.getAttempts(target.id, 'required-extension/dapr');
      expect(attempts.count).toBe(3);

      // Act: another sweep after the limit
      await driver.sweep();
      await driver.drain();

      // Assess: no attempt after the limit
      expect(await driver.services.store.listRemediations(target.id)).toHaveLength(3);
      expect((await driver.services.store.getState(target.id))?.status).toBe('RemediationFailed');
    },
    TEST_TIMEOUT,
  );

  test(
    'runs again when a person names the step on the remediate route, and never exposes the protected value',
    async () => {
      // Prepare: the setting now exists
      driver.env['DAPR_API_TOKEN'] = SECRET;
      const { remediateCluster } = await import('../../../src/functions/remediateCluster.js');
      const { default: azureFunctions } = await import('@azure/functions');
      const [, , subscriptionId, , resourceGroup, , , , clusterName] = target.id.split('/');

      // Act
      const response = await remediateCluster(
        new azureFunctions.HttpRequest({
          method: 'POST',
          url: `http://localhost/api/clusters/${subscriptionId}/${resourceGroup}/${clusterName}/remediate`,
          params: { subscriptionId: subscriptionId ?? '', resourceGroup: resourceGroup ?? '', clusterName: clusterName ?? '' },
          body: { string: JSON.stringify({ approve: ['required-extension/dapr'] }) },
        }),
        driver.context('remediateCluster'),
      );
      await driver.drain();

      // Assess
      expect(response.status).toBe(200);
      const body = response.jsonBody as { steps: { stepId: string; outcome: string }[] };
      expect(body.steps.map((step) => [step.stepId, step.outcome])).toStrictEqual([['required-extension/dapr:install-extension', 'started']]);
      expect((await driver.services.store.getState(target.id))?.status).toBe('Compliant');
      // The protected setting reached ARM.
      expect(driver.emulator.state.protectedSettingNames(target.id, 'dapr')).toStrictEqual(['apiToken']);
      // Fixed: the attempts start over.
      expect((await driver.services.store.getAttempts(target.id, 'required-extension/dapr')).count).toBe(0);
      // The protected value is in no log, telemetry, response or table row.
      const everything = JSON.stringify([
        driver.logs,
        driver.telemetry.events,
        driver.telemetry.metrics,
        response.jsonBody,
        await driver.services.store.listRemediations(target.id),
        await driver.services.store.getState(target.id),
        await driver.services.store.listHistory(target.id),
      ]);
      expect(everything).not.toContain(SECRET);
    },
    TEST_TIMEOUT,
  );
});
