// The whole app on Azurite and the emulator (the Functions handlers, the queue trigger played from host.json, the
// emulator's events delivered to onResourceEvent): a stopped cluster's drift is recorded and its steps blocked, with no
// write and no continuation; the cluster's start raises ResourceActionSuccess, the intake accepts it, and the worker
// fixes the drift. And the approval view of a step that removes pod identities, with the removals kept in the Table.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import azureFunctions from '@azure/functions';
import { remediateCluster } from '../../../src/functions/remediateCluster.js';
import { FUNCTION_NAMES } from '../../../src/names.js';
import { Driver, OTHER_IDENTITY } from '../../support/driver.js';
import { NO_DRIFT } from '../../support/events.js';
import { setPath, type Json } from '../../support/arm.js';

/** Starting the driver (Azurite gives up after 30 s, then the emulator) and a first sweep over the fleet. */
const START_TIMEOUT = 90_000;
/** Longer than the driver's own 60 s drain limit, so that limit names what is stuck. */
const TEST_TIMEOUT = 90_000;
const POLL = { updateIntervalInMs: 20 };

interface Cluster {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

interface RemediateAnswer {
  status: number;
  body: {
    plan: { id: string; blockedBy: { reason: string; message: string } | null; disrupts: string | null; removes?: unknown }[];
    steps: { stepId: string; outcome: string; blockedBy?: { reason: string }; reason?: string; disrupts?: string }[];
    nextEvaluationInSeconds?: number;
  };
}

describe('stopped clusters and cluster starts, through the whole app', () => {
  let driver: Driver;
  let clusters: Cluster[];

  beforeAll(async () => {
    driver = await Driver.start({ fleet: { clusters: 2, subscriptions: 1, seed: 14, drift: NO_DRIFT } });
    clusters = (driver.emulator.fleet?.clusters ?? []).map(({ id, subscriptionId, resourceGroup, name }) => ({ id, subscriptionId, resourceGroup, name }));
    if (clusters.length !== 2) throw new Error(`the seeded fleet has ${clusters.length} clusters, not 2`);
    await driver.sweep();
    await driver.drain();
  }, START_TIMEOUT);
  afterAll(async () => driver?.stop());

  const cluster = (index: number): Cluster => {
    const found = clusters[index];
    if (!found) throw new Error(`no cluster ${index}`);
    return found;
  };

  /** Changes the cluster as ARM holds it, without a write event (what happened while no one was looking). */
  function seedChange(clusterId: string, change: (body: Json) => void): void {
    const body = driver.emulator.state.cluster(clusterId) as Json;
    change(body);
    driver.emulator.putCluster(body);
  }

  async function remediate(target: Cluster, approve: string[] = []): Promise<RemediateAnswer> {
    const request = new azureFunctions.HttpRequest({
      method: 'POST',
      url: `http://127.0.0.1:7071/api/clusters/${target.subscriptionId}/${target.resourceGroup}/${target.name}/remediate`,
      params: { subscriptionId: target.subscriptionId, resourceGroup: target.resourceGroup, clusterName: target.name },
      headers: { 'content-type': 'application/json' },
      body: { string: JSON.stringify({ approve }) },
    });
    const response = await remediateCluster(request, driver.context(FUNCTION_NAMES.remediateCluster));
    return { status: response.status ?? 200, body: response.jsonBody as RemediateAnswer['body'] };
  }

  test(
    'stop, drift, evaluate: blocked ClusterStopped, nothing written or retried; start: the event re-evaluates and the fix runs',
    async () => {
      // Prepare: someone stops the cluster (the stop's event is ignored, with the reason) ...
      const target = cluster(0);
      const clusters = driver.clientsAs(OTHER_IDENTITY).containerService(target.subscriptionId).managedClusters;
      const intakeBefore = driver.intakeResults.length;
      await clusters.beginStopAndWait(target.resourceGroup, target.name, POLL);
      await driver.drain();
      const stopIntake = driver.intakeResults.slice(intakeBefore);
      expect(stopIntake.map((result) => result.outcome)).toStrictEqual(['ignored']);
      expect(stopIntake[0]?.reason).toMatch(/managedClusters\/stop\/action is not a managed cluster start/);
      // ... and the cluster had drifted: workload identity off
      seedChange(target.id, (body) => setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false }));
      const writesBefore = driver.appWrites.length;

      // Act: a person asks the app to remediate it
      const answer = await remediate(target);
      const evaluationsAfterRemediate = driver.evaluationsOf(target.id);
      await driver.drain();

      // Assess: recorded, blocked with the reason, nothing written, nothing enqueued to try again
      expect(answer.status).toBe(200);
      expect(answer.body.plan.map((step) => [step.id, step.blockedBy?.reason])).toStrictEqual([['workload-identity:enable-workload-identity', 'ClusterStopped']]);
      expect(answer.body.steps).toMatchObject([{ stepId: 'workload-identity:enable-workload-identity', outcome: 'blocked', blockedBy: { reason: 'ClusterStopped' } }]);
      expect(answer.body.steps[0]?.reason).toMatch(/az aks start/);
      expect(answer.body.nextEvaluationInSeconds).toBeUndefined();
      expect(driver.appWrites.length).toBe(writesBefore);
      expect(driver.evaluationsOf(target.id)).toBe(evaluationsAfterRemediate);
      const blocked = await driver.services.store.getState(target.id);
      expect(blocked?.status).toBe('NonCompliant');
      // The state row keeps why (the report's blocked steps read it there): plans are not stored.
      expect(blocked?.results.find((result) => result.ruleId === 'workload-identity')?.blocked).toStrictEqual([expect.objectContaining({ reason: 'ClusterStopped', message: expect.stringMatching(/az aks start/) })]);
      expect(await driver.services.store.listRemediations(target.id)).toStrictEqual([]);

      // Act: someone starts it; the start event reaches onResourceEvent
      const beforeStart = driver.intakeResults.length;
      await clusters.beginStartAndWait(target.resourceGroup, target.name, POLL);
      await driver.drain();

      // Assess: the start was accepted and the drift fixed with one PUT
      const startIntake = driver.intakeResults.slice(beforeStart);
      expect(startIntake[0]).toMatchObject({ outcome: 'enqueued', decision: { operation: 'start', target: 'cluster' } });
      expect(driver.writesTo(target.id).map((write) => write.method)).toStrictEqual(['PUT']);
      const fixed = await driver.services.store.getState(target.id);
      expect(fixed?.status).toBe('Compliant');
      expect(fixed?.results.filter((result) => result.blocked)).toStrictEqual([]);
    },
    TEST_TIMEOUT,
  );

  test(
    'the approval view shows what disabling pod identity disrupts and removes, and the Table keeps the removals',
    async () => {
      // Prepare
      const target = cluster(1);
      const identity = { resourceId: `/subscriptions/${target.subscriptionId}/resourceGroups/rg-ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders`, clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', objectId: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e' };
      seedChange(target.id, (body) =>
        setPath(body, 'properties.podIdentityProfile', { enabled: true, userAssignedIdentities: [{ name: 'orders', namespace: 'orders', identity }], userAssignedIdentityExceptions: [] }),
      );

      // Act: first look (awaiting approval), then approve
      const looked = await remediate(target);
      const approved = await remediate(target, ['no-pod-identity:disable-pod-identity']);
      await driver.drain();

      // Assess
      const step = looked.body.plan.find((candidate) => candidate.id === 'no-pod-identity:disable-pod-identity');
      expect(step?.disrupts).toMatch(/pod identit/i);
      expect(step?.removes).toStrictEqual({ podIdentities: [{ name: 'orders', namespace: 'orders', identityResourceId: identity.resourceId, clientId: identity.clientId }], podIdentityExceptions: [] });
      expect(looked.body.steps).toMatchObject([{ outcome: 'awaiting-approval', disrupts: step?.disrupts }]);
      expect(approved.body.steps).toMatchObject([{ outcome: 'started' }]);
      const [row] = await driver.services.store.listRemediations(target.id);
      expect(row).toMatchObject({ stepId: 'no-pod-identity:disable-pod-identity', disrupts: step?.disrupts, removes: step?.removes });
      expect((await driver.services.store.getState(target.id))?.status).toBe('Compliant');
    },
    TEST_TIMEOUT,
  );
});
