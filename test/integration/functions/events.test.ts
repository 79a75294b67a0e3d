// onResourceEvent against Azurite and the emulator: someone else's change is fixed within seconds, duplicate
// deliveries and bursts give one evaluation each, deletes mark the cluster Deleted, anything else is ignored
// with a reason, and a failed enqueue loses nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterState } from '../../../src/ports.js';
import { Driver, OTHER_IDENTITY } from '../../support/driver.js';
import { asCloudEvent, clusterWriteEvent, EVENT_FIXTURES, fixtureEvent, NO_DRIFT } from '../../support/events.js';

const CLUSTER_RP = 'Microsoft.ContainerService';

describe('onResourceEvent', { timeout: 120_000 }, () => {
  let driver: Driver;
  let clusters: { id: string; subscriptionId: string; resourceGroup: string; name: string }[];

  before(async () => {
    driver = await Driver.start({ fleet: { clusters: 5, subscriptions: 1, seed: 11, drift: NO_DRIFT } });
    clusters = (driver.emulator.fleet?.clusters ?? []).map(({ id, subscriptionId, resourceGroup, name }) => ({ id, subscriptionId, resourceGroup, name }));
    assert.equal(clusters.length, 5);
    // Record every cluster once, so deletes and evaluations have a state to change.
    await driver.sweep();
    await driver.drain();
    assert.equal(driver.appWrites.length, 0, 'a compliant fleet needs no writes');
  });

  after(async () => driver?.stop());

  const cluster = (index: number) => {
    const found = clusters[index];
    if (!found) throw new Error(`no cluster ${index}`);
    return found;
  };

  it("reinstalls an extension someone else deleted, with one write, and reports the latency", async () => {
    const target = cluster(0);
    const fluxId = `${target.id}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
    const intakeBefore = driver.intakeResults.length;
    await driver.clientsAs(OTHER_IDENTITY).kubernetesConfiguration(target.subscriptionId).extensions.beginDeleteAndWait(target.resourceGroup, CLUSTER_RP, 'managedClusters', target.name, 'flux');
    await driver.drain();

    const intake = driver.intakeResults.slice(intakeBefore);
    assert.deepEqual(
      intake.map((result) => result.outcome),
      ['enqueued', 'confirmation'],
      'the delete by someone else enqueued an evaluation; the app\'s reinstall only confirmed',
    );
    assert.deepEqual(driver.writesTo(fluxId).map((write) => write.method), ['PUT'], 'flux was reinstalled with exactly one PUT');
    const state = await driver.services.store.getState(target.id);
    assert.equal(state?.status, 'Compliant');
    const deleteEventId = intake[0]?.decision.id;
    const latency = driver.telemetry.metrics.find((metric) => metric.name === 'EventToRecordLatencyMs' && metric.properties['eventId'] === deleteEventId);
    assert.ok(latency, 'EventToRecordLatencyMs is reported for the event');
    assert.ok(latency.value >= 1000 && latency.value < 30_000, `latency ${latency.value} ms includes the 1 s coalescing window and stays in seconds`);
    const history = await driver.services.store.listHistory(target.id);
    assert.ok(history.some((t) => t.cause.kind === 'event' && t.cause.id === deleteEventId && t.to === 'NonCompliant'), 'the drift is in the history, caused by the event');
  });

  it('evaluates once when the same event is delivered three times', async () => {
    const target = cluster(1);
    const before = driver.evaluationsOf(target.id);
    const event = clusterWriteEvent(target.id, OTHER_IDENTITY);
    const outcomes = [];
    for (let delivery = 0; delivery < 3; delivery += 1) outcomes.push((await driver.deliver(structuredClone(event))).outcome);
    assert.deepEqual(outcomes, ['enqueued', 'duplicate', 'duplicate']);
    await driver.drain();
    assert.equal(driver.evaluationsOf(target.id) - before, 1);
  });

  it('evaluates once for a burst of 200 events on one cluster, and again for a change after it', async () => {
    const target = cluster(2);
    const before = driver.evaluationsOf(target.id);
    const results = await Promise.all(Array.from({ length: 200 }, () => driver.deliver(clusterWriteEvent(target.id, OTHER_IDENTITY))));
    const counts = new Map<string, number>();
    for (const result of results) counts.set(result.outcome, (counts.get(result.outcome) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { enqueued: 1, coalesced: 199 });
    await driver.drain();
    assert.equal(driver.evaluationsOf(target.id) - before, 1, 'one evaluation for the whole burst');

    assert.equal((await driver.deliver(clusterWriteEvent(target.id, OTHER_IDENTITY))).outcome, 'enqueued', 'a later change is not swallowed');
    await driver.drain();
    assert.equal(driver.evaluationsOf(target.id) - before, 2);
  });

  it('accepts CloudEvents 1.0 and compares resource ids case-insensitively', async () => {
    const target = cluster(3);
    const before = driver.evaluationsOf(target.id);
    const event = clusterWriteEvent(target.id.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), OTHER_IDENTITY);
    const result = await driver.deliver(asCloudEvent(event));
    assert.equal(result.decision.schema, 'CloudEvents');
    assert.equal(result.outcome, 'enqueued');
    await driver.drain();
    assert.equal(driver.evaluationsOf(target.id) - before, 1);
  });

  it('ignores, with a reason, what is not a cluster or extension write/delete in scope', async () => {
    const ignoredBefore = driver.telemetry.events.filter((event) => event.name === 'EventIgnored').length;
    const outOfScope = fixtureEvent(EVENT_FIXTURES.clusterWrite);
    const malformed = asCloudEvent(clusterWriteEvent(cluster(0).id, OTHER_IDENTITY));
    delete malformed['source'];
    const cases: [unknown, RegExp][] = [
      [fixtureEvent(EVENT_FIXTURES.actionSuccess), /ResourceActionSuccess is not a resource write or delete/],
      [fixtureEvent(EVENT_FIXTURES.newKubernetesVersion), /NewKubernetesVersionAvailable is not a resource write or delete/],
      [fixtureEvent(EVENT_FIXTURES.writeFailure), /ResourceWriteFailure is not a resource write or delete/],
      [fixtureEvent(EVENT_FIXTURES.subscriptionValidation), /SubscriptionValidationEvent is not a resource write or delete/],
      [outOfScope, /not in TARGET_SUBSCRIPTION_IDS/],
      [malformed, /malformed: .*source/],
      ['not an object', /malformed: an event must be a JSON object/],
    ];
    for (const [event, reason] of cases) {
      const result = await driver.deliver(event);
      assert.equal(result.outcome, 'ignored');
      assert.match(result.reason, reason);
    }
    const ignored = driver.telemetry.events.filter((event) => event.name === 'EventIgnored');
    assert.equal(ignored.length - ignoredBefore, cases.length, 'each ignored event is counted');
    const { approximateMessagesCount } = await driver.storage.evaluationQueue.getProperties();
    assert.equal(approximateMessagesCount, 0, 'nothing was enqueued');
  });

  it('marks a cluster deleted by someone else as Deleted and keeps its history', async () => {
    const target = cluster(4);
    const historyBefore = await driver.services.store.listHistory(target.id);
    assert.ok(historyBefore.length > 0);
    const intakeBefore = driver.intakeResults.length;
    await driver.clientsAs(OTHER_IDENTITY).containerService(target.subscriptionId).managedClusters.beginDeleteAndWait(target.resourceGroup, target.name);
    await driver.drain();
    assert.deepEqual(driver.intakeResults.slice(intakeBefore).map((result) => result.outcome), ['marked-deleted']);
    const state: ClusterState | undefined = await driver.services.store.getState(target.id);
    assert.equal(state?.status, 'Deleted');
    const history = await driver.services.store.listHistory(target.id);
    assert.equal(history[0]?.to, 'Deleted');
    assert.equal(history.length, historyBefore.length + 1, 'earlier history is kept');
  });

  it('loses nothing when enqueueing fails: the claims are undone and a redelivery goes through', async () => {
    const target = cluster(1);
    const event = clusterWriteEvent(target.id, OTHER_IDENTITY);
    await driver.storage.evaluationQueue.delete();
    try {
      await assert.rejects(driver.deliver(structuredClone(event)), /QueueNotFound|does not exist|404/i);
    } finally {
      await driver.storage.evaluationQueue.createIfNotExists();
    }
    const redelivered = await driver.deliver(structuredClone(event));
    assert.equal(redelivered.outcome, 'enqueued', 'neither a duplicate nor coalesced into the failed attempt');
    await driver.drain();
  });
});
