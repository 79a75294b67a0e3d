// onResourceEvent against Azurite and the emulator: someone else's change is fixed within seconds, duplicate
// deliveries and bursts give one evaluation each, deletes mark the cluster Deleted, anything else is ignored
// with a reason, and a failed enqueue loses nothing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { IntakeResult } from '../../../src/pipeline/intake.js';
import type { ClusterState } from '../../../src/ports.js';
import { Driver, OTHER_IDENTITY } from '../../support/driver.js';
import { asCloudEvent, clusterActionEvent, clusterWriteEvent, EVENT_FIXTURES, fixtureEvent, NO_DRIFT } from '../../support/events.js';

const CLUSTER_RP = 'Microsoft.ContainerService';
/** Starting the driver (Azurite gives up after 30 s, then the emulator) and a first sweep over the fleet. */
const START_TIMEOUT = 90_000;
/** Longer than the driver's own 60 s drain limit, so that limit names what is stuck. */
const TEST_TIMEOUT = 90_000;

describe('onResourceEvent', () => {
  let driver: Driver;
  let clusters: { id: string; subscriptionId: string; resourceGroup: string; name: string }[];

  beforeAll(async () => {
    driver = await Driver.start({ fleet: { clusters: 5, subscriptions: 1, seed: 11, drift: NO_DRIFT } });
    clusters = (driver.emulator.fleet?.clusters ?? []).map(({ id, subscriptionId, resourceGroup, name }) => ({ id, subscriptionId, resourceGroup, name }));
    if (clusters.length !== 5) throw new Error(`the seeded fleet has ${clusters.length} clusters, not 5`);
    // Record every cluster once, so deletes and evaluations have a state to change.
    await driver.sweep();
    await driver.drain();
    if (driver.appWrites.length !== 0) throw new Error(`a compliant fleet needs no writes, but the app made ${driver.appWrites.length}`);
  }, START_TIMEOUT);

  afterAll(async () => driver?.stop());

  const cluster = (index: number) => {
    const found = clusters[index];
    if (!found) throw new Error(`no cluster ${index}`);
    return found;
  };

  test(
    'reinstalls an extension someone else deleted, with one write, and reports the latency',
    async () => {
      // Prepare
      const target = cluster(0);
      const fluxId = `${target.id}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
      const intakeBefore = driver.intakeResults.length;

      // Act: someone else deletes flux; the event reaches onResourceEvent
      await driver
        .clientsAs(OTHER_IDENTITY)
        .kubernetesConfiguration(target.subscriptionId)
        .extensions.beginDeleteAndWait(target.resourceGroup, CLUSTER_RP, 'managedClusters', target.name, 'flux');
      await driver.drain();

      // Assess: the delete by someone else enqueued an evaluation; the app's reinstall only confirmed
      const intake = driver.intakeResults.slice(intakeBefore);
      expect(intake.map((result) => result.outcome)).toStrictEqual(['enqueued', 'confirmation']);
      // Flux was reinstalled with exactly one PUT.
      expect(driver.writesTo(fluxId).map((write) => write.method)).toStrictEqual(['PUT']);
      const state = await driver.services.store.getState(target.id);
      expect(state?.status).toBe('Compliant');
      // EventToRecordLatencyMs is reported for the event, from the event's time, and stays in seconds.
      const deleteEventId = intake[0]?.decision.id;
      const latency = driver.telemetry.metrics.find((metric) => metric.name === 'EventToRecordLatencyMs' && metric.properties['eventId'] === deleteEventId);
      expect(latency).toBeDefined();
      expect(latency?.value).toBeGreaterThanOrEqual(0);
      expect(latency?.value).toBeLessThan(30_000);
      // The drift is in the history, caused by the event.
      const history = await driver.services.store.listHistory(target.id);
      expect(history.some((t) => t.cause.kind === 'event' && t.cause.id === deleteEventId && t.to === 'NonCompliant')).toBe(true);
    },
    TEST_TIMEOUT,
  );

  test(
    'evaluates once when the same event is delivered three times',
    async () => {
      // Prepare
      const target = cluster(1);
      const before = driver.evaluationsOf(target.id);
      const event = clusterWriteEvent(target.id, OTHER_IDENTITY);

      // Act
      const outcomes = [];
      for (let delivery = 0; delivery < 3; delivery += 1) outcomes.push((await driver.deliver(structuredClone(event))).outcome);
      await driver.drain();

      // Assess
      expect(outcomes).toStrictEqual(['enqueued', 'duplicate', 'duplicate']);
      expect(driver.evaluationsOf(target.id) - before).toBe(1);
    },
    TEST_TIMEOUT,
  );

  test(
    'evaluates once for a burst of 200 events on one cluster, and again for a change after it',
    async () => {
      // Prepare
      const target = cluster(2);
      const before = driver.evaluationsOf(target.id);

      // Act: the burst
      const results = await Promise.all(Array.from({ length: 200 }, () => driver.deliver(clusterWriteEvent(target.id, OTHER_IDENTITY))));
      await driver.drain();

      // Assess: one evaluation for the whole burst
      const counts = new Map<string, number>();
      for (const result of results) counts.set(result.outcome, (counts.get(result.outcome) ?? 0) + 1);
      expect(Object.fromEntries(counts)).toStrictEqual({ enqueued: 1, coalesced: 199 });
      expect(driver.evaluationsOf(target.id) - before).toBe(1);

      // Act: a later change
      const later = await driver.deliver(clusterWriteEvent(target.id, OTHER_IDENTITY));
      await driver.drain();

      // Assess: it is not swallowed
      expect(later.outcome).toBe('enqueued');
      expect(driver.evaluationsOf(target.id) - before).toBe(2);
    },
    TEST_TIMEOUT,
  );

  test(
    'accepts CloudEvents 1.0 and compares resource ids case-insensitively',
    async () => {
      // Prepare
      const target = cluster(3);
      const before = driver.evaluationsOf(target.id);
      const event = clusterWriteEvent(target.id.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), OTHER_IDENTITY);

      // Act
      const result = await driver.deliver(asCloudEvent(event));
      await driver.drain();

      // Assess
      expect(result.decision.schema).toBe('CloudEvents');
      expect(result.outcome).toBe('enqueued');
      expect(driver.evaluationsOf(target.id) - before).toBe(1);
    },
    TEST_TIMEOUT,
  );

  test(
    'reads the first change at once, and once more after the window for a change that arrived while it ran',
    async () => {
      // Prepare: while the evaluation reads the cluster, two more events arrive: a late delivery of a change from
      // before the read, and a change made during it
      const target = cluster(3);
      const before = driver.evaluationsOf(target.id);
      const during: Promise<IntakeResult>[] = [];
      const late = clusterWriteEvent(target.id, OTHER_IDENTITY, { eventTime: new Date(Date.now() - 60_000).toISOString() });
      let newest: Record<string, unknown> | undefined;
      driver.faults.beforeRead = async (clusterId) => {
        if (clusterId.toLowerCase() !== target.id.toLowerCase() || during.length > 0) return;
        newest = clusterWriteEvent(target.id, OTHER_IDENTITY, { eventTime: new Date().toISOString() });
        during.push(driver.deliver(late), driver.deliver(newest));
        await Promise.all(during);
      };

      // Act
      let first: IntakeResult;
      try {
        first = await driver.deliver(clusterWriteEvent(target.id, OTHER_IDENTITY));
        await driver.drain();
      } finally {
        driver.faults.beforeRead = undefined;
      }

      // Assess: the first event enqueued, the others joined its evaluation, and one follow-up evaluation ran, for the
      // newest event
      expect([first.outcome, ...(await Promise.all(during)).map((result) => result.outcome)]).toStrictEqual(['enqueued', 'coalesced', 'coalesced']);
      expect(driver.evaluationsOf(target.id) - before).toBe(2);
      const evaluated = driver.telemetry.events.filter((event) => event.name === 'ClusterEvaluated' && event.properties['clusterId']?.toLowerCase() === target.id.toLowerCase());
      expect(evaluated.at(-1)?.properties['causeId']).toBe(newest?.['id']);
    },
    TEST_TIMEOUT,
  );

  test(
    'ignores, with a reason, what is not a cluster or extension write/delete in scope',
    async () => {
      // Prepare
      const ignoredBefore = driver.telemetry.events.filter((event) => event.name === 'EventIgnored').length;
      const outOfScope = fixtureEvent(EVENT_FIXTURES.clusterWrite);
      const malformed = asCloudEvent(clusterWriteEvent(cluster(0).id, OTHER_IDENTITY));
      delete malformed['source'];
      const cases: [unknown, RegExp][] = [
        [fixtureEvent(EVENT_FIXTURES.actionSuccess), /action Microsoft.EventHub\/namespaces\/AuthorizationRules\/listKeys\/action is not a managed cluster start/],
        [clusterActionEvent(cluster(0).id, OTHER_IDENTITY, { action: 'stop' }), /action Microsoft.ContainerService\/managedClusters\/stop\/action is not a managed cluster start/],
        [fixtureEvent(EVENT_FIXTURES.newKubernetesVersion), /NewKubernetesVersionAvailable is not a resource write, delete or action/],
        [fixtureEvent(EVENT_FIXTURES.writeFailure), /ResourceWriteFailure is not a resource write, delete or action/],
        [fixtureEvent(EVENT_FIXTURES.subscriptionValidation), /SubscriptionValidationEvent is not a resource write, delete or action/],
        [outOfScope, /not in TARGET_SUBSCRIPTION_IDS/],
        [malformed, /malformed: .*source/],
        ['not an object', /malformed: an event must be a JSON object/],
        // Issue 17: `..` was enqueued (and recorded as a Deleted cluster that never existed); a 100,000-character name
        // threw at the table key, so Event Grid redelivered it until it was dead-lettered.
        [clusterWriteEvent(cluster(0).id.replace(/[^/]+$/, '..'), OTHER_IDENTITY), /malformed: .*managed cluster name "\.\." is not valid/],
        [clusterWriteEvent(cluster(0).id.replace(/[^/]+$/, 'c'.repeat(100_000)), OTHER_IDENTITY), /malformed: .*managed cluster name "c+\.\.\." is not valid/],
      ];

      // Act
      const results = [];
      for (const [event] of cases) results.push(await driver.deliver(event));

      // Assess
      expect(results.map((result) => [result.outcome, result.reason])).toStrictEqual(cases.map(([, reason]) => ['ignored', expect.stringMatching(reason)]));
      // Each ignored event is counted.
      const ignored = driver.telemetry.events.filter((event) => event.name === 'EventIgnored');
      expect(ignored.length - ignoredBefore).toBe(cases.length);
      // Nothing was enqueued, on either lane.
      expect(await driver.queueLength()).toBe(0);
    },
    TEST_TIMEOUT,
  );

  test(
    'marks a cluster deleted by someone else as Deleted and keeps its history',
    async () => {
      // Prepare
      const target = cluster(4);
      const historyBefore = await driver.services.store.listHistory(target.id);
      expect(historyBefore.length).toBeGreaterThan(0);
      const intakeBefore = driver.intakeResults.length;

      // Act
      await driver.clientsAs(OTHER_IDENTITY).containerService(target.subscriptionId).managedClusters.beginDeleteAndWait(target.resourceGroup, target.name);
      await driver.drain();

      // Assess
      expect(driver.intakeResults.slice(intakeBefore).map((result) => result.outcome)).toStrictEqual(['marked-deleted']);
      const state: ClusterState | undefined = await driver.services.store.getState(target.id);
      expect(state?.status).toBe('Deleted');
      const history = await driver.services.store.listHistory(target.id);
      expect(history[0]?.to).toBe('Deleted');
      // Earlier history is kept.
      expect(history).toHaveLength(historyBefore.length + 1);
    },
    TEST_TIMEOUT,
  );

  test(
    'loses nothing when enqueueing fails: the claims are undone and a redelivery goes through',
    async () => {
      // Prepare: the events lane's queue is gone
      const target = cluster(1);
      const event = clusterWriteEvent(target.id, OTHER_IDENTITY);
      await driver.storage.eventQueue.delete();

      // Act: a delivery that cannot enqueue, then the same event again once the queue is back
      try {
        await expect(driver.deliver(structuredClone(event))).rejects.toThrow(/QueueNotFound|does not exist|404/i);
      } finally {
        await driver.storage.eventQueue.createIfNotExists();
      }
      const redelivered = await driver.deliver(structuredClone(event));
      await driver.drain();

      // Assess: neither a duplicate nor coalesced into the failed attempt
      expect(redelivered.outcome).toBe('enqueued');
    },
    TEST_TIMEOUT,
  );
});
