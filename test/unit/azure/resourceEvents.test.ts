import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideResourceEvent, decideResourceEvents, OBJECT_ID_CLAIM } from '../../../src/azure/resourceEvents.js';
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
  const cases: [string, string, Partial<{ accepted: boolean; operation: string; target: string; reason: RegExp }>][] = [
    ['managed cluster write', 'derived/AKS.managedClusters.ResourceWriteSuccess.eventgrid-schema.derived.json', { accepted: true, operation: 'write', target: 'cluster' }],
    ['extension write', 'derived/AKS.extension.ResourceWriteSuccess.eventgrid-schema.derived.json', { accepted: true, operation: 'write', target: 'extension' }],
    ['extension delete', 'derived/AKS.extension.ResourceDeleteSuccess.eventgrid-schema.derived.json', { accepted: true, operation: 'delete', target: 'extension' }],
    ['storage account write (docs sample)', 'ResourceWriteSuccess.eventgrid-schema.docs.json', { accepted: false, reason: /operation Microsoft.Storage\/storageAccounts\/write is not/ }],
    ['storage account delete (docs sample)', 'ResourceDeleteSuccess.eventgrid-schema.docs.json', { accepted: false, reason: /^ignored: operation/ }],
    ['a failed write', 'derived/ResourceWriteFailure.eventgrid-schema.derived.json', { accepted: false, reason: /ResourceWriteFailure is not a resource write or delete/ }],
    ['AKS new version notice', 'AKS.NewKubernetesVersionAvailable.eventgrid-schema.docs.json', { accepted: false, reason: /NewKubernetesVersionAvailable/ }],
    ['subscription validation', 'SubscriptionValidationEvent.eventgrid-schema.docs.json', { accepted: false, reason: /SubscriptionValidationEvent/ }],
  ];
  for (const [name, file, expected] of cases) {
    it(name, async () => {
      const decision = await decideResourceEvent(first(file), OTHER);
      assert.equal(decision.accepted, expected.accepted, decision.reason);
      if (expected.operation) assert.equal(decision.operation, expected.operation);
      if (expected.target) assert.equal(decision.target, expected.target);
      if (expected.reason) assert.match(decision.reason, expected.reason);
      if (decision.accepted) {
        // The events spell the id with `resourcegroups`; the decision maps it to the canonical cluster id.
        assert.equal(decision.clusterId?.toLowerCase(), CLUSTER_ID.toLowerCase());
        assert.equal(decision.causedBySelf, false);
        assert.equal(decision.correlationId, '66666666-6666-6666-6666-666666666666');
      }
    });
  }

  it('reads the same event in CloudEvents 1.0', async () => {
    const decision = await decideResourceEvent(asCloudEvent(first('derived/AKS.extension.ResourceWriteSuccess.eventgrid-schema.derived.json')), OTHER);
    assert.equal(decision.schema, 'CloudEvents');
    assert.equal(decision.accepted, true);
    assert.equal(decision.target, 'extension');
  });

  it("recognises the app's own writes by appid or by the objectidentifier claim", async () => {
    const event = first('derived/AKS.managedClusters.ResourceWriteSuccess.eventgrid-schema.derived.json');
    assert.equal((await decideResourceEvent(event, { appId: SELF.appId.toUpperCase() })).causedBySelf, true);
    assert.equal((await decideResourceEvent(event, { objectId: SELF.objectId })).causedBySelf, true);
    const claims = (event.data as { claims: Record<string, unknown> }).claims;
    assert.equal(claims[OBJECT_ID_CLAIM], SELF.objectId);
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
  ];
  for (const [name, raw, reason] of cases) {
    it(`reports ${name} and keeps reading`, async () => {
      const decisions = await decideResourceEvents([raw, valid()]);
      assert.equal(decisions.length, 2);
      assert.equal(decisions[0]?.accepted, false);
      assert.match(decisions[0]?.reason ?? '', reason);
      assert.equal(decisions[1]?.accepted, true);
    });
  }
});
