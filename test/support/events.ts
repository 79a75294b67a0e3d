// Factories for the Functions tests: fleets without drift, and Event Grid / CloudEvents events built from the
// real payload shapes vendored in emulator/fixtures, re-targeted at a cluster and an identity.
import { randomUUID } from 'node:crypto';
import { OBJECT_ID_CLAIM } from '../../src/azure/resourceEvents.js';
import { readFixture, type FixturePath } from './fixtures.js';
import type { Identity } from './driver.js';

export const NO_DRIFT = {
  servicePrincipal: 0,
  podIdentity: 0,
  noOidcIssuer: 0,
  noWorkloadIdentity: 0,
  missingExtension: 0,
  extensionFailed: 0,
  extensionWrongReleaseTrain: 0,
  extensionPinnedVersion: 0,
  updating: 0,
  unsupportedRegion: 0,
  oldKubernetes: 0,
  exempt: 0,
};

export const EVENT_FIXTURES = {
  clusterWrite: 'eventgrid/derived/AKS.managedClusters.ResourceWriteSuccess.eventgrid-schema.derived.json',
  extensionWrite: 'eventgrid/derived/AKS.extension.ResourceWriteSuccess.eventgrid-schema.derived.json',
  extensionDelete: 'eventgrid/derived/AKS.extension.ResourceDeleteSuccess.eventgrid-schema.derived.json',
  writeFailure: 'eventgrid/derived/ResourceWriteFailure.eventgrid-schema.derived.json',
  actionSuccess: 'eventgrid/ResourceActionSuccess.eventgrid-schema.docs.json',
  newKubernetesVersion: 'eventgrid/AKS.NewKubernetesVersionAvailable.eventgrid-schema.docs.json',
  subscriptionValidation: 'eventgrid/SubscriptionValidationEvent.eventgrid-schema.docs.json',
} as const satisfies Record<string, FixturePath>;

type Json = Record<string, unknown>;

/** The first event of a fixture file (the docs wrap events in an array). */
export function fixtureEvent(relative: FixturePath): Json {
  const parsed = readFixture(relative);
  const event = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  if (typeof event !== 'object' || event === null) throw new Error(`${relative} holds no event`);
  return structuredClone(event) as Json;
}

/** Event Grid spells the resource group segment in lower case; do the same. */
function asEventGridId(resourceId: string): string {
  return resourceId.replace(/\/resourceGroups\//i, '/resourcegroups/');
}

/** A cluster write event (Event Grid schema) for `clusterId`, made by `identity`, with a fresh id. */
export function clusterWriteEvent(clusterId: string, identity: Identity, overrides: { id?: string; eventTime?: string } = {}): Json {
  const event = fixtureEvent(EVENT_FIXTURES.clusterWrite);
  const subscriptionId = clusterId.split('/')[2] ?? '';
  const resourceUri = asEventGridId(clusterId);
  const data = event['data'] as Json;
  const claims = data['claims'] as Json;
  event['id'] = overrides.id ?? randomUUID();
  event['eventTime'] = overrides.eventTime ?? new Date().toISOString();
  event['subject'] = resourceUri;
  event['topic'] = `/subscriptions/${subscriptionId}`;
  data['resourceUri'] = resourceUri;
  data['subscriptionId'] = subscriptionId;
  data['correlationId'] = randomUUID();
  (data['authorization'] as Json)['scope'] = resourceUri;
  claims['appid'] = identity.appId;
  claims[OBJECT_ID_CLAIM] = identity.objectId;
  return event;
}

/**
 * A `Microsoft.Resources.ResourceActionSuccess` event (the Event Grid docs sample, an Event Hubs listKeys POST)
 * re-targeted at `clusterId`: a cluster start unless `action` says otherwise (`stop`, ...). No public doc shows an AKS
 * start payload; this is the generic action sample with AKS's RBAC operation name (issue 14's facts sheet, section 1).
 */
export function clusterActionEvent(clusterId: string, identity: Identity, options: { action?: string; id?: string; eventTime?: string } = {}): Json {
  const event = fixtureEvent(EVENT_FIXTURES.actionSuccess);
  const action = options.action ?? 'start';
  const operationName = `Microsoft.ContainerService/managedClusters/${action}/action`;
  const subscriptionId = clusterId.split('/')[2] ?? '';
  const resourceUri = asEventGridId(clusterId);
  const data = event['data'] as Json;
  const claims = data['claims'] as Json;
  event['id'] = options.id ?? randomUUID();
  event['eventTime'] = options.eventTime ?? new Date().toISOString();
  event['subject'] = resourceUri;
  event['topic'] = `/subscriptions/${subscriptionId}`;
  Object.assign(data, { resourceUri, subscriptionId, operationName, resourceProvider: 'Microsoft.ContainerService', correlationId: randomUUID(), tenantId: randomUUID() });
  Object.assign(data['authorization'] as Json, { scope: resourceUri, action: operationName });
  (data['httpRequest'] as Json)['url'] = `https://management.azure.com${clusterId}/${action}?api-version=2026-05-01`;
  claims['appid'] = identity.appId;
  claims[OBJECT_ID_CLAIM] = identity.objectId;
  return event;
}

/** The same event in the CloudEvents 1.0 schema, as a system topic configured for CloudEvents delivers it. */
export function asCloudEvent(event: Json): Json {
  return {
    specversion: '1.0',
    id: event['id'],
    source: event['topic'],
    subject: event['subject'],
    type: event['eventType'],
    time: event['eventTime'],
    datacontenttype: 'application/json',
    data: event['data'],
  };
}
