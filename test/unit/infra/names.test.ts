// The Bicep must use exactly the names the code uses: a renamed queue, table, container, function or
// accepted operation on either side fails here instead of in a deployed app that silently gets nothing.
import { beforeAll, describe, expect, test } from '@jest/globals';
import {
  ACCEPTED_ACTION_EVENT_TYPES,
  ACCEPTED_ACTION_OPERATIONS,
  ACCEPTED_EVENT_TYPES,
  ACCEPTED_OPERATIONS,
  DEAD_LETTER_CONTAINER,
  FUNCTION_NAMES,
  QUEUE_NAMES,
  TABLE_NAMES,
} from '../../../src/names.js';
import {
  type BicepFile,
  Resolver,
  arrayElements,
  declarationName,
  declarations,
  infraFile,
  loadInfra,
  property,
  propertyPath,
  required,
  resourcesOfType,
} from '../../support/bicep.js';

const sorted = (values: readonly string[]): string[] => [...values].sort();
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('names in infra/ match src/names.ts', () => {
  let files: BicepFile[];
  let resolver: Resolver;

  beforeAll(async () => {
    files = await loadInfra();
    resolver = new Resolver(files);
  });

  /** Names a (possibly looped) child resource is created with; undefined when ARM decides. Throws for what it cannot read. */
  function createdNames(type: string): string[] {
    return resourcesOfType(files, type).flatMap(({ file, body }) => {
      const nameNode = required(property(body.body, 'name'), `${file}: the name of ${type}`);
      if (body.loop && nameNode.text === body.loop.variable) {
        return required(resolver.strings(body.loop.iterable), `${file}: the resolved list ${body.loop.iterable.text} that ${type} loops over`);
      }
      const value = resolver.literal(nameNode);
      return typeof value === 'string' ? [value] : [];
    });
  }

  test('creates exactly the queues in QUEUE_NAMES', () => {
    expect(sorted(createdNames('Microsoft.Storage/storageAccounts/queueServices/queues'))).toStrictEqual(sorted(Object.values(QUEUE_NAMES)));
  });

  test('creates exactly the tables in TABLE_NAMES', () => {
    expect(sorted(createdNames('Microsoft.Storage/storageAccounts/tableServices/tables'))).toStrictEqual(sorted(Object.values(TABLE_NAMES)));
  });

  test('creates the dead-letter container DEAD_LETTER_CONTAINER', () => {
    expect(createdNames('Microsoft.Storage/storageAccounts/blobServices/containers')).toContain(DEAD_LETTER_CONTAINER);
  });

  describe('the Event Grid subscription', () => {
    /** The properties object of the one event subscription; throws when there is not exactly one, or no object. */
    function eventSubscription() {
      const found = resourcesOfType(files, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
      if (found.length !== 1) throw new Error(`expected one event subscription resource, found ${found.length}`);
      const properties = property(found[0]!.body.body, 'properties');
      if (properties?.type !== 'object') throw new Error('the event subscription has no properties object');
      return properties;
    }

    test(`delivers to the function ${FUNCTION_NAMES.onResourceEvent} through the AzureFunction endpoint`, () => {
      const destination = required(property(eventSubscription(), 'destination'), 'the event subscription destination');

      const resourceId = resolver.template(propertyPath(destination, 'properties', 'resourceId')!);

      expect(resolver.literal(property(destination, 'endpointType')!)).toBe('AzureFunction');
      expect(resourceId).toMatch(new RegExp(`/functions/${escapeRegExp(FUNCTION_NAMES.onResourceEvent)}$`));
    });

    test('includes exactly ACCEPTED_EVENT_TYPES and ACCEPTED_ACTION_EVENT_TYPES', () => {
      const types = resolver.strings(propertyPath(eventSubscription(), 'filter', 'includedEventTypes')!);

      expect(sorted(types ?? [])).toStrictEqual(sorted([...ACCEPTED_EVENT_TYPES, ...ACCEPTED_ACTION_EVENT_TYPES]));
    });

    test('filters data.operationName with StringIn on exactly ACCEPTED_OPERATIONS and ACCEPTED_ACTION_OPERATIONS', () => {
      const filters = required(propertyPath(eventSubscription(), 'filter', 'advancedFilters'), 'filter.advancedFilters');
      // advancedFilters is an array literal.
      expect(filters.type).toBe('array');

      const onOperation = arrayElements(filters).filter((filter) => resolver.literal(property(filter, 'key')!) === 'data.operationName');

      // One advanced filter on data.operationName.
      expect(onOperation).toHaveLength(1);
      expect(resolver.literal(property(onOperation[0]!, 'operatorType')!)).toBe('StringIn');
      expect(sorted(resolver.strings(property(onOperation[0]!, 'values')!) ?? [])).toStrictEqual(sorted([...ACCEPTED_OPERATIONS, ...ACCEPTED_ACTION_OPERATIONS]));
    });

    test('forwards a cluster start, and only as an action event', () => {
      // Issue 14: a start raises ResourceActionSuccess with this operation name.
      expect(ACCEPTED_ACTION_OPERATIONS).toContain('Microsoft.ContainerService/managedClusters/start/action');
      expect(ACCEPTED_ACTION_EVENT_TYPES).toStrictEqual(['Microsoft.Resources.ResourceActionSuccess']);
      // One StringIn serves both lists only because action names and write/delete names never overlap.
      expect(ACCEPTED_ACTION_OPERATIONS.filter((operation) => !operation.endsWith('/action'))).toStrictEqual([]);
      expect(ACCEPTED_OPERATIONS.filter((operation) => operation.endsWith('/action'))).toStrictEqual([]);
    });

    test("stays within Event Grid's advanced-filter limits (25 filters and 25 values per subscription)", () => {
      const filters = arrayElements(required(propertyPath(eventSubscription(), 'filter', 'advancedFilters'), 'filter.advancedFilters'));

      const values = filters.map((filter) => {
        const single = property(filter, 'value');
        if (single) return 1;
        return required(resolver.strings(required(property(filter, 'values'), 'values of an advanced filter')), `resolved values of ${filter.text}`).length;
      });

      expect(filters.length).toBeLessThanOrEqual(25);
      expect(values.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(25);
    });

    test('sets an explicit retry policy', () => {
      const retry = required(property(eventSubscription(), 'retryPolicy'), 'retryPolicy');

      expect(property(retry, 'maxDeliveryAttempts')).toBeDefined();
      expect(property(retry, 'eventTimeToLiveInMinutes')).toBeDefined();
    });

    test(`dead-letters into ${DEAD_LETTER_CONTAINER} with the topic's own identity (no storage keys)`, () => {
      const deadLetter = required(property(eventSubscription(), 'deadLetterWithResourceIdentity'), 'deadLetterWithResourceIdentity');

      expect(resolver.literal(propertyPath(deadLetter, 'identity', 'type')!)).toBe('SystemAssigned');
      expect(resolver.literal(propertyPath(deadLetter, 'deadLetterDestination', 'endpointType')!)).toBe('StorageBlob');
      expect(resolver.literal(propertyPath(deadLetter, 'deadLetterDestination', 'properties', 'blobContainerName')!)).toBe(DEAD_LETTER_CONTAINER);
      // No key-based deadLetterDestination besides it.
      expect(property(eventSubscription(), 'deadLetterDestination')).toBeUndefined();
    });
  });

  /** A string list infra/names.bicep exports, resolved. */
  function exported(name: string): string[] {
    const declaration = required(
      declarations(infraFile(files, 'infra/names.bicep'), 'variable_declaration').find((variable) => declarationName(variable) === name),
      `var ${name} in infra/names.bicep`,
    );
    return required(resolver.strings(declaration.namedChildren.at(-1)!), `the string list ${name}`);
  }

  test('exports from names.bicep the same event lists as src/names.ts, write/delete and action apart', () => {
    expect({
      acceptedEventTypes: sorted(exported('acceptedEventTypes')),
      acceptedOperations: sorted(exported('acceptedOperations')),
      acceptedActionEventTypes: sorted(exported('acceptedActionEventTypes')),
      acceptedActionOperations: sorted(exported('acceptedActionOperations')),
    }).toStrictEqual({
      acceptedEventTypes: sorted(ACCEPTED_EVENT_TYPES),
      acceptedOperations: sorted(ACCEPTED_OPERATIONS),
      acceptedActionEventTypes: sorted(ACCEPTED_ACTION_EVENT_TYPES),
      acceptedActionOperations: sorted(ACCEPTED_ACTION_OPERATIONS),
    });
  });

  test(`keeps always-ready instances, when asked for, for exactly ${FUNCTION_NAMES.onResourceEvent} and ${FUNCTION_NAMES.evaluateChangedCluster}`, () => {
    const sites = resourcesOfType(files, 'Microsoft.Web/sites');
    expect(sites).toHaveLength(1);

    const alwaysReady = required(propertyPath(sites[0]!.body.body, 'properties', 'functionAppConfig', 'scaleAndConcurrency', 'alwaysReady'), 'scaleAndConcurrency.alwaysReady');

    expect(exported('eventPathFunctionNames')).toStrictEqual([FUNCTION_NAMES.onResourceEvent, FUNCTION_NAMES.evaluateChangedCluster]);
    // One entry per function of that list, under its per-function scale group name, or none at all.
    expect(alwaysReady.text.replace(/\s+/g, ' ')).toBe("[for name in (eventPathAlwaysReadyInstances > 0 ? eventPathFunctionNames : []): { name: 'function:${name}' instanceCount: eventPathAlwaysReadyInstances }]");
  });

  test('watches whole subscriptions through global Microsoft.Resources.Subscriptions system topics', () => {
    const topics = resourcesOfType(files, 'Microsoft.EventGrid/systemTopics').filter(({ declaration }) => !declaration.text.includes(' existing '));

    expect(topics).toHaveLength(1);
    const body = topics[0]!.body.body;
    expect(resolver.literal(propertyPath(body, 'properties', 'topicType')!)).toBe('Microsoft.Resources.Subscriptions');
    expect(resolver.literal(property(body, 'location')!)).toBe('global');
    expect(propertyPath(body, 'properties', 'source')?.text).toBe('subscription().id');
    expect(resolver.literal(propertyPath(body, 'identity', 'type')!)).toBe('SystemAssigned');
  });
});
