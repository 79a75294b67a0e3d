// The Bicep must use exactly the names the code uses: a renamed queue, table, container, function or
// accepted operation on either side fails here instead of in a deployed app that silently gets nothing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ACCEPTED_EVENT_TYPES, ACCEPTED_OPERATIONS, DEAD_LETTER_CONTAINER, FUNCTION_NAMES, QUEUE_NAMES, TABLE_NAMES } from '../../../src/names.js';
import { type BicepFile, Resolver, arrayElements, loadInfra, property, propertyPath, resourcesOfType } from '../../support/bicep.js';

const sorted = (values: readonly string[]): string[] => [...values].sort();

describe('names in infra/ match src/names.ts', () => {
  let files: BicepFile[];
  let resolver: Resolver;

  before(async () => {
    files = await loadInfra();
    resolver = new Resolver(files);
  });

  /** Names a (possibly looped) child resource is created with; undefined when ARM decides. */
  function createdNames(type: string): string[] {
    return resourcesOfType(files, type).flatMap(({ file, body }) => {
      const nameNode = property(body.body, 'name');
      assert.ok(nameNode, `${file}: ${type} without a name`);
      if (body.loop && nameNode.text === body.loop.variable) {
        const values = resolver.strings(body.loop.iterable);
        assert.ok(values, `${file}: cannot resolve the list ${body.loop.iterable.text} that ${type} loops over`);
        return values;
      }
      const value = resolver.literal(nameNode);
      return typeof value === 'string' ? [value] : [];
    });
  }

  it('creates exactly the queues in QUEUE_NAMES', () => {
    assert.deepEqual(sorted(createdNames('Microsoft.Storage/storageAccounts/queueServices/queues')), sorted(Object.values(QUEUE_NAMES)));
  });

  it('creates exactly the tables in TABLE_NAMES', () => {
    assert.deepEqual(sorted(createdNames('Microsoft.Storage/storageAccounts/tableServices/tables')), sorted(Object.values(TABLE_NAMES)));
  });

  it('creates the dead-letter container DEAD_LETTER_CONTAINER', () => {
    assert.ok(
      createdNames('Microsoft.Storage/storageAccounts/blobServices/containers').includes(DEAD_LETTER_CONTAINER),
      `no container named ${DEAD_LETTER_CONTAINER} in infra/`,
    );
  });

  describe('the Event Grid subscription', () => {
    function eventSubscription() {
      const found = resourcesOfType(files, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
      assert.equal(found.length, 1, `expected one event subscription resource, found ${found.length}`);
      const properties = property(found[0]!.body.body, 'properties');
      assert.ok(properties?.type === 'object', 'the event subscription has no properties object');
      return properties;
    }

    it(`delivers to the function ${FUNCTION_NAMES.onResourceEvent} through the AzureFunction endpoint`, () => {
      const destination = property(eventSubscription(), 'destination');
      assert.ok(destination);
      assert.equal(resolver.literal(property(destination, 'endpointType')!), 'AzureFunction');
      const resourceId = resolver.template(propertyPath(destination, 'properties', 'resourceId')!);
      assert.ok(resourceId?.endsWith(`/functions/${FUNCTION_NAMES.onResourceEvent}`), `destination is ${resourceId}`);
    });

    it('includes exactly ACCEPTED_EVENT_TYPES', () => {
      const types = resolver.strings(propertyPath(eventSubscription(), 'filter', 'includedEventTypes')!);
      assert.deepEqual(sorted(types ?? []), sorted(ACCEPTED_EVENT_TYPES));
    });

    it('filters data.operationName with StringIn on exactly ACCEPTED_OPERATIONS', () => {
      const filters = propertyPath(eventSubscription(), 'filter', 'advancedFilters');
      assert.ok(filters && filters.type === 'array', 'advancedFilters is not an array literal');
      const onOperation = arrayElements(filters).filter((filter) => resolver.literal(property(filter, 'key')!) === 'data.operationName');
      assert.equal(onOperation.length, 1, 'expected one advanced filter on data.operationName');
      assert.equal(resolver.literal(property(onOperation[0]!, 'operatorType')!), 'StringIn');
      assert.deepEqual(sorted(resolver.strings(property(onOperation[0]!, 'values')!) ?? []), sorted(ACCEPTED_OPERATIONS));
    });

    it('sets an explicit retry policy', () => {
      const retry = property(eventSubscription(), 'retryPolicy');
      assert.ok(retry, 'no retryPolicy');
      assert.ok(property(retry, 'maxDeliveryAttempts'), 'retryPolicy.maxDeliveryAttempts missing');
      assert.ok(property(retry, 'eventTimeToLiveInMinutes'), 'retryPolicy.eventTimeToLiveInMinutes missing');
    });

    it(`dead-letters into ${DEAD_LETTER_CONTAINER} with the topic's own identity (no storage keys)`, () => {
      const deadLetter = property(eventSubscription(), 'deadLetterWithResourceIdentity');
      assert.ok(deadLetter, 'no deadLetterWithResourceIdentity');
      assert.equal(resolver.literal(propertyPath(deadLetter, 'identity', 'type')!), 'SystemAssigned');
      assert.equal(resolver.literal(propertyPath(deadLetter, 'deadLetterDestination', 'endpointType')!), 'StorageBlob');
      assert.equal(resolver.literal(propertyPath(deadLetter, 'deadLetterDestination', 'properties', 'blobContainerName')!), DEAD_LETTER_CONTAINER);
      assert.equal(property(eventSubscription(), 'deadLetterDestination'), undefined, 'a key-based deadLetterDestination is also set');
    });
  });

  it('watches whole subscriptions through global Microsoft.Resources.Subscriptions system topics', () => {
    const topics = resourcesOfType(files, 'Microsoft.EventGrid/systemTopics').filter(({ declaration }) => !declaration.text.includes(' existing '));
    assert.equal(topics.length, 1);
    const body = topics[0]!.body.body;
    assert.equal(resolver.literal(propertyPath(body, 'properties', 'topicType')!), 'Microsoft.Resources.Subscriptions');
    assert.equal(resolver.literal(property(body, 'location')!), 'global');
    assert.equal(propertyPath(body, 'properties', 'source')?.text, 'subscription().id');
    assert.equal(resolver.literal(propertyPath(body, 'identity', 'type')!), 'SystemAssigned');
  });
});
