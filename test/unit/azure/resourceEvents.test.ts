import { describe, expect, test } from '@jest/globals';
import { decideResourceEvent, OBJECT_ID_CLAIM, splitEvents } from '../../../src/azure/resourceEvents.js';
import { clusterActionEvent, fixtureEvent, EVENT_FIXTURES } from '../../support/events.js';
import { readFixture, type FixturePath } from '../../support/fixtures.js';

const CLUSTER_ID = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1';
const SELF = { appId: '22222222-2222-2222-2222-222222222222', objectId: '33333333-3333-3333-3333-333333333333' };
const OTHER = { appId: 'aaaaaaaa-0000-0000-0000-000000000001' };

function first(relative: string): Record<string, unknown> {
  const parsed = readFixture(`eventgrid/${relative}` as FixturePath);
  const event: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  return structuredClone(event) as Record<string, unknown>;
}

function asCloudEvent(event: Record<string, unknown>): Record<string, unknown> {
  return { specversion: '1.0', id: event.id, source: event.topic, type: event.eventType, subject: event.subject, time: event.eventTime, data: event.data };
}

describe('decideResourceEvent on real and derived Event Grid payloads', () => {
  // Events the app acts on: what was written or deleted, on which cluster.
  const accepted: [string, string, string, string][] = [
    ['managed cluster write', 'derived/AKS.managedClusters.ResourceWriteSuccess.eventgrid-schema.derived.json', 'write', 'cluster'],
    ['extension write', 'derived/AKS.extension.ResourceWriteSuccess.eventgrid-schema.derived.json', 'write', 'extension'],
    ['extension delete', 'derived/AKS.extension.ResourceDeleteSuccess.eventgrid-schema.derived.json', 'delete', 'extension'],
  ];
  test.each(accepted)('%s', async (_name, file, operation, target) => {
    const decision = await decideResourceEvent(first(file), OTHER);

    expect(decision).toMatchObject({ accepted: true, operation, target, causedBySelf: false, correlationId: '66666666-6666-6666-6666-666666666666' });
    // The events spell the id with `resourcegroups`; the decision maps it to the canonical cluster id.
    expect(decision.clusterId?.toLowerCase()).toBe(CLUSTER_ID.toLowerCase());
  });

  // Events the app ignores, each with the reason it gives.
  const ignored: [string, string, RegExp][] = [
    ['storage account write (docs sample)', 'ResourceWriteSuccess.eventgrid-schema.docs.json', /operation Microsoft.Storage\/storageAccounts\/write is not/],
    ['storage account delete (docs sample)', 'ResourceDeleteSuccess.eventgrid-schema.docs.json', /^ignored: operation/],
    ['a failed write', 'derived/ResourceWriteFailure.eventgrid-schema.derived.json', /ResourceWriteFailure is not a resource write, delete or action/],
    ['AKS new version notice', 'AKS.NewKubernetesVersionAvailable.eventgrid-schema.docs.json', /NewKubernetesVersionAvailable/],
    ['subscription validation', 'SubscriptionValidationEvent.eventgrid-schema.docs.json', /SubscriptionValidationEvent/],
  ];
  test.each(ignored)('%s', async (_name, file, reason) => {
    const decision = await decideResourceEvent(first(file), OTHER);

    expect(decision.accepted).toBe(false);
    expect(decision.reason).toMatch(reason);
  });

  test('reads the same event in CloudEvents 1.0', async () => {
    const event = asCloudEvent(first('derived/AKS.extension.ResourceWriteSuccess.eventgrid-schema.derived.json'));

    const decision = await decideResourceEvent(event, OTHER);

    expect(decision.schema).toBe('CloudEvents');
    expect(decision.accepted).toBe(true);
    expect(decision.target).toBe('extension');
  });

  test("recognises the app's own writes by appid or by the objectidentifier claim", async () => {
    const event = first('derived/AKS.managedClusters.ResourceWriteSuccess.eventgrid-schema.derived.json');

    const byAppId = await decideResourceEvent(event, { appId: SELF.appId.toUpperCase() });
    const byObjectId = await decideResourceEvent(event, { objectId: SELF.objectId });

    expect(byAppId.causedBySelf).toBe(true);
    expect(byObjectId.causedBySelf).toBe(true);
    // The fixture really carries the app's object id in that claim.
    const claims = (event.data as { claims: Record<string, unknown> }).claims;
    expect(claims[OBJECT_ID_CLAIM]).toBe(SELF.objectId);
  });
});

describe('cluster actions (ResourceActionSuccess, the docs sample re-targeted at a cluster)', () => {
  test('a cluster start is accepted: the cluster is evaluated again, whoever started it', async () => {
    const event = clusterActionEvent(CLUSTER_ID, { appId: SELF.appId, objectId: SELF.objectId });

    const decision = await decideResourceEvent(event, SELF);

    expect(decision).toMatchObject({ accepted: true, operation: 'start', target: 'cluster', causedBySelf: false });
    expect(decision.reason).toBe('accepted: cluster start');
    expect(decision.clusterId?.toLowerCase()).toBe(CLUSTER_ID.toLowerCase());
  });

  test('the same start in CloudEvents 1.0', async () => {
    const decision = await decideResourceEvent(asCloudEvent(clusterActionEvent(CLUSTER_ID, { appId: OTHER.appId, objectId: OTHER.appId })));

    expect(decision).toMatchObject({ schema: 'CloudEvents', accepted: true, operation: 'start' });
  });

  const ignoredActions: [string, Record<string, unknown>][] = [
    ['a cluster stop', clusterActionEvent(CLUSTER_ID, { appId: OTHER.appId, objectId: OTHER.appId }, { action: 'stop' })],
    ['an abort', clusterActionEvent(CLUSTER_ID, { appId: OTHER.appId, objectId: OTHER.appId }, { action: 'abort' })],
    ['the docs sample as it is (Event Hubs listKeys)', { ...fixtureEvent(EVENT_FIXTURES.actionSuccess), id: 'listkeys-1' }],
  ];
  test.each(ignoredActions)('%s is ignored, with the reason', async (_name, event) => {
    const decision = await decideResourceEvent(event);

    expect(decision.accepted).toBe(false);
    expect(decision.reason).toMatch(/^ignored: action .+ is not a managed cluster start/);
  });
});

describe('malformed events', () => {
  const valid = () => first('derived/AKS.managedClusters.ResourceWriteSuccess.eventgrid-schema.derived.json');
  const cases: [string, unknown, RegExp][] = [
    ['not an object', 'hello', /must be a JSON object/],
    ['neither schema', { id: '1', subject: '/x' }, /neither an Event Grid event \(no eventType\) nor a CloudEvent/],
    ['a CloudEvent with no source', { ...asCloudEvent(valid()), source: undefined }, /missing required property 'source'/],
    ['a CloudEvent with a bad specversion', { ...asCloudEvent(valid()), specversion: '0.3' }, /not in the Cloud Event 1.0 schema/],
    ['an Event Grid event with no subject', { ...valid(), subject: undefined }, /missing required property 'subject'/],
    ['data that is not an object', { ...valid(), data: 'x' }, /data must be an object/],
    ['an odd resource id', { ...valid(), data: { ...(valid().data as object), resourceUri: '/subscriptions/s/providers/Microsoft.Storage' } }, /^malformed: /],
    // Issue 17: both were accepted (and `events inspect` showed them as accepted).
    ['a cluster named ..', { ...valid(), data: { ...(valid().data as object), resourceUri: `${CLUSTER_ID.replace(/[^/]+$/, '..')}` } }, /^malformed: .*managed cluster name "\.\." is not valid/],
    ['a cluster name of 100,000 characters', { ...valid(), data: { ...(valid().data as object), resourceUri: CLUSTER_ID.replace(/[^/]+$/, 'c'.repeat(100_000)) } }, /^malformed: .*managed cluster name/],
    ['data nested 200,000 levels deep', { ...valid(), data: Array.from({ length: 200_000 }).reduce((inner: unknown) => ({ inner }), {}) }, /^malformed: the event nests deeper than 64 levels/],
    ['an extension named ..', { ...valid(), data: { ...(valid().data as object), resourceUri: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/..` } }, /^malformed: .*extension name "\.\." is not valid/],
  ];
  test.each(cases)('reports %s and keeps reading', async (_name, raw, reason) => {
    // One delivery holding the bad event and a good one, decided one by one as the intake and `events` do.
    const decisions = await Promise.all(splitEvents([raw, valid()]).map((event) => decideResourceEvent(event)));

    expect(decisions).toHaveLength(2);
    expect(decisions[0]?.accepted).toBe(false);
    expect(decisions[0]?.reason).toMatch(reason);
    expect(decisions[1]?.accepted).toBe(true);
  });
});
