// The worker under failure: a crash after the ARM write (before the Table write) or between the intent row and
// the write, transient ARM errors retried by the queue until the poison queue takes over, and permanent errors
// counted per (cluster, rule) until the attempt limit records RemediationFailed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateBaseline } from '../../../src/core/index.js';
import { Driver, OTHER_IDENTITY } from '../../support/driver.js';
import { clusterWriteEvent, NO_DRIFT } from '../../support/events.js';

const CLUSTER_RP = 'Microsoft.ContainerService';

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

describe('the worker when things fail', { timeout: 120_000 }, () => {
  let driver: Driver;
  let clusters: Target[];

  before(async () => {
    driver = await Driver.start({
      fleet: { clusters: 6, subscriptions: 1, seed: 5, drift: NO_DRIFT },
      armRetry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
    });
    clusters = targets(driver);
    assert.equal(clusters.length, 6);
  });

  after(async () => driver?.stop());

  const cluster = (index: number): Target => {
    const found = clusters[index];
    if (!found) throw new Error(`no cluster ${index}`);
    return found;
  };

  it('finishes after a crash between the ARM write and the Table write, without a second write', async () => {
    const clusterStep = cluster(0);
    const extensionStep = cluster(1);
    const fluxId = `${extensionStep.id}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
    disableWorkloadIdentity(driver, clusterStep.id);
    driver.setEventDelivery(false);
    await driver.clientsAs(OTHER_IDENTITY).kubernetesConfiguration(extensionStep.subscriptionId).extensions.beginDeleteAndWait(extensionStep.resourceGroup, CLUSTER_RP, 'managedClusters', extensionStep.name, 'flux');
    driver.setEventDelivery(true);

    const crashed = new Set<string>();
    driver.faults.afterWrite = async (step) => {
      if (crashed.has(step.id)) return;
      crashed.add(step.id);
      throw new Error(`simulated crash after the ARM write of ${step.id}`);
    };
    try {
      await driver.sweep();
      await driver.drain();
    } finally {
      driver.faults.afterWrite = undefined;
    }

    assert.deepEqual([...crashed].sort(), ['required-extension/flux:install-extension', 'workload-identity:enable-workload-identity']);
    for (const [clusterId, resourceId] of [
      [clusterStep.id, clusterStep.id],
      [extensionStep.id, fluxId],
    ] as const) {
      const deliveries = driver.processed.filter((message) => (message.item as { clusterId?: string }).clusterId?.toLowerCase() === clusterId.toLowerCase());
      assert.ok(deliveries.some((message) => message.error?.message.startsWith('simulated crash')), `${clusterId}: the first delivery crashed`);
      assert.ok(deliveries.some((message) => message.dequeueCount >= 2 && message.outcome?.kind === 'evaluated'), `${clusterId}: the redelivery finished the work`);
      assert.equal(putsTo(driver, resourceId), 1, `${resourceId}: exactly one PUT`);
      assert.equal(acceptedWritesTo(driver, clusterId), 1, `${clusterId}: the emulator accepted exactly one write`);
      assert.equal((await driver.services.store.getState(clusterId))?.status, 'Compliant');
      const rows = await driver.services.store.listRemediations(clusterId);
      assert.equal(rows.length, 1, 'one intent row');
      assert.equal(rows[0]?.status, 'Succeeded', 'the intent left open by the crash was confirmed by the re-read');
    }
    assert.equal(await driver.poisonCount(), 0);
  });

  it('writes once when it crashed between the intent row and the ARM write', async () => {
    const target = cluster(2);
    disableWorkloadIdentity(driver, target.id);
    let crashes = 0;
    driver.faults.afterIntent = async (step) => {
      if (crashes > 0) return;
      crashes += 1;
      throw new Error(`simulated crash before the ARM write of ${step.id}`);
    };
    try {
      await driver.deliver(clusterWriteEvent(target.id, OTHER_IDENTITY));
      await driver.drain();
    } finally {
      driver.faults.afterIntent = undefined;
    }
    assert.equal(crashes, 1);
    assert.equal(putsTo(driver, target.id), 1, 'one PUT, after the unconfirmed intent was closed');
    assert.equal((await driver.services.store.getState(target.id))?.status, 'Compliant');
    const rows = await driver.services.store.listRemediations(target.id);
    assert.deepEqual(rows.map((row) => [row.status, row.error?.code ?? null]), [['Succeeded', null], ['Failed', 'NotConfirmed']]);
  });

  it('rethrows a transient ARM failure so the queue retries it, and then succeeds', async () => {
    const target = cluster(3);
    disableWorkloadIdentity(driver, target.id);
    // One delivery's worth of 500s on the PUT (the first try and the SDK's two retries).
    driver.emulator.setFaults([{ route: `PUT /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${target.name}`, kind: '500', sequence: [true, true, true] }]);
    try {
      await driver.services.queue.enqueue({ clusterId: target.id, cause: { kind: 'sweep', id: 'transient-test' }, enqueuedAt: new Date().toISOString() });
      await driver.drain();
    } finally {
      driver.emulator.setFaults([]);
    }
    const deliveries = driver.processed.filter((message) => (message.item as { cause?: { id?: string } }).cause?.id === 'transient-test');
    assert.equal(deliveries[0]?.error?.name, 'RetryLaterError');
    assert.match(deliveries[0]?.error?.message ?? '', /InternalServerError \(HTTP 500\)/, 'the error names the ARM code');
    assert.equal(deliveries[1]?.dequeueCount, 2);
    assert.equal(deliveries[1]?.outcome?.kind, 'evaluated');
    assert.equal(acceptedWritesTo(driver, target.id), 1);
    assert.equal((await driver.services.store.getState(target.id))?.status, 'Compliant');
    assert.equal(await driver.poisonCount(), 0);
  });

  it('moves a message that keeps failing to the poison queue after maxDequeueCount deliveries', async () => {
    const target = cluster(4);
    disableWorkloadIdentity(driver, target.id);
    driver.emulator.setFaults([{ route: `PUT /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${target.name}`, kind: '500', rate: 1 }]);
    try {
      await driver.services.queue.enqueue({ clusterId: target.id, cause: { kind: 'sweep', id: 'poison-test' }, enqueuedAt: new Date().toISOString() });
      await driver.drain();
    } finally {
      driver.emulator.setFaults([]);
    }
    const deliveries = driver.processed.filter((message) => (message.item as { cause?: { id?: string } }).cause?.id === 'poison-test');
    assert.deepEqual(deliveries.map((message) => message.dequeueCount), [1, 2, 3, 4, 5]);
    assert.ok(deliveries.every((message) => message.error?.name === 'RetryLaterError'));
    assert.equal(driver.poisoned.at(-1)?.messageId, deliveries[4]?.messageId);
    assert.equal(await driver.poisonCount(), 1);
    assert.equal(acceptedWritesTo(driver, target.id), 0);
    assert.equal((await driver.services.store.getState(target.id))?.status, 'NonCompliant', 'the evaluation is recorded even though the fix could not be written');
  });

  it('sends a message that is not a work item to the poison queue, naming the problem', async () => {
    const before = await driver.poisonCount();
    await driver.storage.evaluationQueue.sendMessage(Buffer.from(JSON.stringify({ clusterId: cluster(5).id, cause: { kind: 'nonsense', id: 'x' } })).toString('base64'));
    await driver.drain();
    const last = driver.processed.at(-1);
    assert.equal(last?.error?.name, 'InvalidWorkItemError');
    assert.match(last?.error?.message ?? '', /cause\.kind/);
    assert.equal(await driver.poisonCount(), before + 1);
  });
});

describe('the attempt limit', { timeout: 60_000 }, () => {
  const SECRET = 'dapr-api-token-0f9e8d7c6b5a';
  let driver: Driver;
  let target: Target;

  before(async () => {
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
  });

  after(async () => driver?.stop());

  it('retries a permanent failure with back-off, then records RemediationFailed with the last error and stops', async () => {
    await driver.sweep();
    await driver.drain();
    const state = await driver.services.store.getState(target.id);
    assert.equal(state?.status, 'RemediationFailed');
    const dapr = state?.results.find((result) => result.ruleId === 'required-extension/dapr');
    assert.equal(dapr?.status, 'RemediationFailed');
    assert.equal(dapr?.lastError?.code, 'ProtectedSettingMissing');
    assert.match(dapr?.lastError?.message ?? '', /DAPR_API_TOKEN/);

    const failures = driver.telemetry.events.filter((event) => event.name === 'RemediationFailed');
    assert.deepEqual(failures.map((event) => [event.properties['attempt'], event.properties['final']]), [['1', 'false'], ['2', 'false'], ['3', 'true']]);
    const rows = await driver.services.store.listRemediations(target.id);
    assert.deepEqual(rows.map((row) => row.status), ['Failed', 'Failed', 'Failed']);
    const attempts = await driver.services.store.getAttempts(target.id, 'required-extension/dapr');
    assert.equal(attempts.count, 3);

    await driver.sweep();
    await driver.drain();
    assert.equal((await driver.services.store.listRemediations(target.id)).length, 3, 'no attempt after the limit');
    assert.equal((await driver.services.store.getState(target.id))?.status, 'RemediationFailed');
  });

  it('runs again when a person names the step on the remediate route, and never exposes the protected value', async () => {
    driver.services.env['DAPR_API_TOKEN'] = SECRET;
    const { remediateCluster } = await import('../../../src/functions/remediateCluster.js');
    const { default: azureFunctions } = await import('@azure/functions');
    const [, , subscriptionId, , resourceGroup, , , , clusterName] = target.id.split('/');
    const response = await remediateCluster(
      new azureFunctions.HttpRequest({
        method: 'POST',
        url: `http://localhost/api/clusters/${subscriptionId}/${resourceGroup}/${clusterName}/remediate`,
        params: { subscriptionId: subscriptionId ?? '', resourceGroup: resourceGroup ?? '', clusterName: clusterName ?? '' },
        body: { string: JSON.stringify({ approve: ['required-extension/dapr'] }) },
      }),
      driver.context('remediateCluster'),
    );
    assert.equal(response.status, 200);
    const body = response.jsonBody as { steps: { stepId: string; outcome: string }[] };
    assert.deepEqual(body.steps.map((step) => [step.stepId, step.outcome]), [['required-extension/dapr:install-extension', 'started']]);
    await driver.drain();
    assert.equal((await driver.services.store.getState(target.id))?.status, 'Compliant');
    assert.deepEqual(driver.emulator.state.protectedSettingNames(target.id, 'dapr'), ['apiToken'], 'the protected setting reached ARM');
    assert.equal((await driver.services.store.getAttempts(target.id, 'required-extension/dapr')).count, 0, 'fixed: the attempts start over');

    const everything = JSON.stringify([
      driver.logs,
      driver.telemetry.events,
      driver.telemetry.metrics,
      response.jsonBody,
      await driver.services.store.listRemediations(target.id),
      await driver.services.store.getState(target.id),
      await driver.services.store.listHistory(target.id),
    ]);
    assert.ok(!everything.includes(SECRET), 'the protected value is in no log, telemetry, response or table row');
  });
});
