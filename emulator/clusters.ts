// Managed clusters: GET, list, PUT (LRO), PATCH tags (LRO), DELETE (LRO), and the AKS rules on identity.
import { randomUUID } from 'node:crypto';
import { badRequest, operationInProgress, powerStateConflict, resourceNotFound, subscriptionNotFound } from './arm-errors.js';
import { CLUSTER_RESOURCE_TYPE, type ClusterRef, formatClusterId, resourceIdKey } from '../src/core/resource-ids.js';
import {
  type Environment, FAILED_OPERATION_ERROR, type Reply, type RequestContext,
  checkPreconditions, nextLinkFor, optionalObject, pageBody, requireObject, skipTokenOf,
} from './http.js';
import { OrderedIndex } from './paging.js';
import { type ArmObject, type ClusterRecord, type Operation, type OperationAction, changed, powerStateOf, propertiesOf, serialize } from './store.js';
import { EMULATOR_TENANT_ID } from './tokens.js';
import { CONTAINER_SERVICE_NAMESPACE, requireRegistration } from './providers.js';

export const OPERATION_STATUS_API_VERSION = '2016-03-30';
const DEFAULT_KUBERNETES_VERSION = '1.32.5';
const MANAGED_IDENTITY_TYPES = new Set(['systemassigned', 'userassigned']);

/** A cluster as a route names it (subscription, group and name as the caller spelled them). */
export type ClusterAddress = ClusterRef;

function requireSubscription(environment: Environment, subscriptionId: string): string {
  if (!environment.store.hasSubscription(subscriptionId)) throw subscriptionNotFound(subscriptionId);
  return subscriptionId.toLowerCase();
}

export function findCluster(environment: Environment, address: ClusterAddress, now: number): ClusterRecord {
  requireSubscription(environment, address.subscriptionId);
  const record = environment.store.cluster(resourceIdKey(formatClusterId(address)), now);
  if (!record) throw resourceNotFound(CLUSTER_RESOURCE_TYPE, address.name, address.resourceGroup);
  return record;
}

const BUSY_STATES: Record<OperationAction, string> = { write: 'Updating', delete: 'Deleting', start: 'Starting', stop: 'Stopping' };

export function busyState(operation: Operation | undefined): string | undefined {
  if (!operation || operation.status !== 'InProgress') return undefined;
  return BUSY_STATES[operation.action];
}

function provisioningStateOf(record: ClusterRecord): string {
  const state = propertiesOf(record.body)['provisioningState'];
  return typeof state === 'string' ? state : 'Succeeded';
}

/**
 * AKS docs (start-stop-cluster): on a stopped cluster only start and delete can be performed. Writes to the cluster
 * and to its extensions are refused; the exact answer is not public (see powerStateConflict).
 */
export function rejectIfStopped(record: ClusterRecord, what: string): void {
  const power = powerStateOf(record.body);
  if (power.toLowerCase() !== 'stopped') return;
  throw powerStateConflict(record.name, provisioningStateOf(record), power, what, 'Only start and delete can be performed on a stopped cluster: start it first.');
}

function eTagOf(record: ClusterRecord | undefined): string | undefined {
  const eTag = record?.body['eTag'];
  return typeof eTag === 'string' ? eTag : undefined;
}

function etagHeaders(record: ClusterRecord): Record<string, string> {
  const eTag = eTagOf(record);
  return eTag ? { etag: eTag } : {};
}

export function getCluster(environment: Environment, context: RequestContext, address: ClusterAddress): Reply {
  const record = findCluster(environment, address, context.now);
  return { status: 200, body: serialize(record), headers: etagHeaders(record) };
}

export function listClusters(environment: Environment, context: RequestContext, subscriptionId: string, resourceGroup?: string): Reply {
  requireSubscription(environment, subscriptionId);
  const { store } = environment;
  const index = resourceGroup === undefined ? store.subscriptionIndex(subscriptionId) : store.resourceGroupIndex(subscriptionId, resourceGroup);
  const page = (index ?? new OrderedIndex()).page(skipTokenOf(context), environment.pageSize);
  const items: string[] = [];
  for (const key of page.keys) {
    const record = store.cluster(key, context.now);
    if (record) items.push(serialize(record));
  }
  return { status: 200, body: pageBody(items, nextLinkFor(environment, context, page.next)) };
}

function clusterOperationPaths(subscriptionId: string, location: string): { status: (id: string) => string; result: (id: string) => string } {
  const base = `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/locations/${location}`;
  return { status: (id) => `${base}/operations/${id}`, result: (id) => `${base}/operationresults/${id}` };
}

function asyncHeaders(environment: Environment, operation: Operation): Record<string, string> {
  const query = `?api-version=${operation.apiVersion}`;
  const headers: Record<string, string> = { 'azure-asyncoperation': `${environment.endpoint}${operation.statusPath}${query}` };
  if (operation.resultPath) headers['location'] = `${environment.endpoint}${operation.resultPath}${query}`;
  return headers;
}

function setProvisioning(body: ArmObject, state: string): void {
  const properties = propertiesOf(body);
  properties['provisioningState'] = state;
  if (Array.isArray(properties['agentPoolProfiles'])) {
    for (const pool of properties['agentPoolProfiles'] as ArmObject[]) pool['provisioningState'] = state;
  }
}

function rejectIfBusy(record: ClusterRecord | undefined): void {
  const state = busyState(record?.operation);
  if (record && state) throw operationInProgress(`managed cluster '${record.name}'`, state);
}

function isManaged(identity: ArmObject | undefined): boolean {
  return typeof identity?.['type'] === 'string' && MANAGED_IDENTITY_TYPES.has(identity['type'].toLowerCase());
}

function enabled(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as ArmObject)['enabled'] === true;
}

/**
 * The body a PUT leaves behind: the request replaces the cluster, the server fills in what it computes,
 * and the AKS rules on identity apply. `identity`, `oidcIssuerProfile` and
 * `securityProfile.workloadIdentity` left out of a PUT keep their current values.
 */
export function buildClusterBody(previous: ArmObject | undefined, incoming: ArmObject, address: ClusterAddress): ArmObject {
  const location = incoming['location'];
  if (typeof location !== 'string' || location === '') throw badRequest('LocationRequired', 'The location property is required for this definition.');
  const normalisedLocation = location.toLowerCase().replaceAll(' ', '');
  if (previous && previous['location'] !== normalisedLocation) {
    throw badRequest('PropertyChangeNotAllowed', `Changing property 'location' is not allowed (cluster '${address.name}' is in '${String(previous['location'])}').`);
  }
  const properties = { ...(optionalObject(incoming['properties'], 'properties') ?? {}) };
  const before = previous ? propertiesOf(previous) : {};

  // Identity: managed identity is a one-way door.
  const previousIdentity = optionalObject(previous?.['identity'], 'identity');
  let identity = optionalObject(incoming['identity'], 'identity');
  const servicePrincipal = optionalObject(properties['servicePrincipalProfile'], 'properties.servicePrincipalProfile');
  const servicePrincipalId = typeof servicePrincipal?.['clientId'] === 'string' ? servicePrincipal['clientId'] : undefined;
  if (isManaged(previousIdentity)) {
    const backToServicePrincipal =
      (identity !== undefined && !isManaged(identity)) || (identity === undefined && servicePrincipalId !== undefined && servicePrincipalId.toLowerCase() !== 'msi');
    if (backToServicePrincipal) {
      throw badRequest('BadRequest', `Managed cluster '${address.name}' uses a managed identity; changing it back to a service principal is not supported.`);
    }
    identity ??= previousIdentity;
  }
  if (!previous && identity === undefined && servicePrincipalId === undefined) identity = { type: 'SystemAssigned' };
  if (isManaged(identity) && identity) {
    const samePrincipal = previousIdentity?.['type'] === identity['type'];
    identity = {
      ...identity,
      principalId: samePrincipal && previousIdentity?.['principalId'] ? previousIdentity['principalId'] : randomUUID(),
      tenantId: (samePrincipal && previousIdentity?.['tenantId']) || EMULATOR_TENANT_ID,
    };
    properties['servicePrincipalProfile'] = { clientId: 'msi' };
    properties['identityProfile'] = before['identityProfile'] ?? {
      kubeletidentity: {
        resourceId: `/subscriptions/${address.subscriptionId}/resourcegroups/MC_${address.resourceGroup}_${address.name}_${normalisedLocation}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${address.name}-agentpool`,
        clientId: randomUUID(),
        objectId: randomUUID(),
      },
    };
  } else {
    identity = undefined;
    // The secret is write-only; ARM never returns it.
    if (servicePrincipal) properties['servicePrincipalProfile'] = { clientId: servicePrincipalId };
    delete properties['identityProfile'];
  }

  // OIDC issuer: once on, it stays on.
  const oidc = optionalObject(properties['oidcIssuerProfile'], 'properties.oidcIssuerProfile');
  const previousOidc = optionalObject(before['oidcIssuerProfile'], 'oidcIssuerProfile');
  if (enabled(previousOidc) && oidc?.['enabled'] === false) {
    throw badRequest('BadRequest', `The OIDC issuer of managed cluster '${address.name}' cannot be disabled once it is enabled.`);
  }
  if (oidc === undefined && previousOidc) properties['oidcIssuerProfile'] = previousOidc;
  else if (enabled(oidc)) {
    const issuerURL = previousOidc?.['issuerURL'] ?? `https://${normalisedLocation}.oic.prod-aks.azure.com/${EMULATOR_TENANT_ID}/${randomUUID()}/`;
    properties['oidcIssuerProfile'] = { ...oidc, enabled: true, issuerURL };
  }

  // Workload identity needs the OIDC issuer.
  const security = { ...(optionalObject(properties['securityProfile'], 'properties.securityProfile') ?? {}) };
  const previousWorkloadIdentity = optionalObject(before['securityProfile'], 'securityProfile')?.['workloadIdentity'];
  if (security['workloadIdentity'] === undefined && previousWorkloadIdentity !== undefined) security['workloadIdentity'] = previousWorkloadIdentity;
  if (properties['securityProfile'] !== undefined || security['workloadIdentity'] !== undefined) properties['securityProfile'] = security;
  if (enabled(security['workloadIdentity']) && !enabled(properties['oidcIssuerProfile'])) {
    throw badRequest('BadRequest', `Enabling workload identity on managed cluster '${address.name}' requires the OIDC issuer: set oidcIssuerProfile.enabled to true.`);
  }

  // What the service computes.
  const kubernetesVersion = (properties['kubernetesVersion'] as string | undefined) || (before['kubernetesVersion'] as string | undefined) || DEFAULT_KUBERNETES_VERSION;
  properties['kubernetesVersion'] = kubernetesVersion;
  properties['currentKubernetesVersion'] = kubernetesVersion;
  const dnsPrefix = (properties['dnsPrefix'] as string | undefined) ?? (before['dnsPrefix'] as string | undefined) ?? `${address.name}-dns`;
  properties['dnsPrefix'] = dnsPrefix;
  const suffix = randomUUID().slice(0, 8);
  properties['fqdn'] = before['fqdn'] ?? `${dnsPrefix}-${suffix}.hcp.${normalisedLocation}.azmk8s.io`;
  properties['azurePortalFQDN'] = before['azurePortalFQDN'] ?? `${dnsPrefix}-${suffix}.portal.hcp.${normalisedLocation}.azmk8s.io`;
  properties['nodeResourceGroup'] ??= before['nodeResourceGroup'] ?? `MC_${address.resourceGroup}_${address.name}_${normalisedLocation}`;
  properties['powerState'] = before['powerState'] ?? { code: 'Running' };
  properties['maxAgentPools'] = before['maxAgentPools'] ?? 100;
  const pools = Array.isArray(properties['agentPoolProfiles']) ? (properties['agentPoolProfiles'] as ArmObject[]) : ((before['agentPoolProfiles'] as ArmObject[] | undefined) ?? []);
  properties['agentPoolProfiles'] = pools.map((pool) => ({
    ...pool,
    orchestratorVersion: pool['orchestratorVersion'] ?? kubernetesVersion,
    currentOrchestratorVersion: pool['orchestratorVersion'] ?? kubernetesVersion,
  }));
  const windows = optionalObject(properties['windowsProfile'], 'properties.windowsProfile');
  if (windows) properties['windowsProfile'] = Object.fromEntries(Object.entries(windows).filter(([name]) => name !== 'adminPassword'));

  const body: ArmObject = {
    ...incoming,
    id: formatClusterId(address),
    name: address.name,
    type: CLUSTER_RESOURCE_TYPE,
    location: normalisedLocation,
    eTag: randomUUID(),
    tags: optionalObject(incoming['tags'], 'tags') ?? {},
    properties,
  };
  if (identity) body['identity'] = identity;
  else delete body['identity'];
  if (body['sku'] === undefined && previous?.['sku'] !== undefined) body['sku'] = previous['sku'];
  delete body['systemData'];
  return body;
}

function startWrite(environment: Environment, context: RequestContext, record: ClusterRecord, previousBody: ArmObject | undefined): Operation {
  const paths = clusterOperationPaths(record.subscriptionId, String(record.body['location']));
  return environment.store.startOperation({
    target: record,
    action: 'write',
    statusPath: paths.status,
    apiVersion: OPERATION_STATUS_API_VERSION,
    durationMs: environment.lroDurationMs,
    previousBody,
    ...(context.failOperation ? { failure: FAILED_OPERATION_ERROR } : {}),
    now: context.now,
  });
}

function accepted(record: ClusterRecord, action: 'write' | 'delete' | 'start' | 'stop'): Reply['change'] {
  const base = { resourceId: record.id, subscriptionId: record.subscriptionId, resourceType: CLUSTER_RESOURCE_TYPE };
  return action === 'start' || action === 'stop' ? { ...base, action: 'action', actionName: action } : { ...base, action };
}

export function putCluster(environment: Environment, context: RequestContext, address: ClusterAddress): Reply {
  const subscriptionId = requireSubscription(environment, address.subscriptionId);
  requireRegistration(environment, context, subscriptionId, CONTAINER_SERVICE_NAMESPACE);
  const key = resourceIdKey(formatClusterId({ ...address, subscriptionId }));
  const existing = environment.store.cluster(key, context.now);
  checkPreconditions(context, eTagOf(existing), existing !== undefined);
  rejectIfBusy(existing);
  if (existing) rejectIfStopped(existing, 'updating');
  const incoming = requireObject(context.body, `managed cluster '${address.name}'`);
  const canonical = existing
    ? { subscriptionId, resourceGroup: existing.resourceGroup, name: existing.name }
    : { ...address, subscriptionId };
  const body = buildClusterBody(existing?.body, incoming, canonical);
  setProvisioning(body, existing ? 'Updating' : 'Creating');
  const record: ClusterRecord = existing ?? {
    kind: 'cluster',
    key,
    id: String(body['id']),
    name: canonical.name,
    subscriptionId,
    resourceGroup: canonical.resourceGroup,
    body,
    json: undefined,
    operation: undefined,
    extensions: new Map(),
    extensionOrder: new OrderedIndex(),
    maintenanceConfigurations: new Map(),
  };
  const previousBody = existing?.body;
  record.body = body;
  changed(record);
  if (!existing) environment.store.insertCluster(record);
  const operation = startWrite(environment, context, record, previousBody);
  return {
    status: existing ? 200 : 201,
    body: serialize(record),
    headers: { ...asyncHeaders(environment, operation), ...etagHeaders(record) },
    change: accepted(record, 'write'),
  };
}

/** PATCH carries only tags (ManagedClusters_UpdateTags). */
export function patchClusterTags(environment: Environment, context: RequestContext, address: ClusterAddress): Reply {
  const record = findCluster(environment, address, context.now);
  checkPreconditions(context, eTagOf(record), true);
  rejectIfBusy(record);
  rejectIfStopped(record, 'updating');
  const incoming = requireObject(context.body, `tags of managed cluster '${address.name}'`);
  const tags = optionalObject(incoming['tags'], 'tags') ?? {};
  const previousBody = record.body;
  record.body = { ...structuredClone(previousBody), tags, eTag: randomUUID() };
  setProvisioning(record.body, 'Updating');
  changed(record);
  const operation = startWrite(environment, context, record, previousBody);
  return { status: 200, body: serialize(record), headers: { ...asyncHeaders(environment, operation), ...etagHeaders(record) }, change: accepted(record, 'write') };
}

export function deleteCluster(environment: Environment, context: RequestContext, address: ClusterAddress): Reply {
  const subscriptionId = requireSubscription(environment, address.subscriptionId);
  const record = environment.store.cluster(resourceIdKey(formatClusterId({ ...address, subscriptionId })), context.now);
  if (!record) return { status: 204 };
  checkPreconditions(context, eTagOf(record), true);
  rejectIfBusy(record);
  setProvisioning(record.body, 'Deleting');
  changed(record);
  const paths = clusterOperationPaths(subscriptionId, String(record.body['location']));
  const operation = environment.store.startOperation({
    target: record,
    action: 'delete',
    statusPath: paths.status,
    resultPath: paths.result,
    apiVersion: OPERATION_STATUS_API_VERSION,
    durationMs: environment.lroDurationMs,
    previousBody: undefined,
    ...(context.failOperation ? { failure: FAILED_OPERATION_ERROR } : {}),
    now: context.now,
  });
  return { status: 202, headers: asyncHeaders(environment, operation), change: accepted(record, 'delete') };
}

/**
 * POST .../start and .../stop (ManagedClusters_Start/_Stop): long-running, answered like a delete (202 with
 * Azure-AsyncOperation and Location). provisioningState reads Starting/Stopping meanwhile, and powerState flips when the
 * operation succeeds (AKS docs, start-stop-cluster). Starting a running cluster or stopping a stopped one is
 * OperationNotAllowed (AKS support article on OperationNotAllowed).
 */
export function powerAction(environment: Environment, context: RequestContext, address: ClusterAddress, action: 'start' | 'stop'): Reply {
  const record = findCluster(environment, address, context.now);
  rejectIfBusy(record);
  const power = powerStateOf(record.body);
  const already = action === 'start' ? 'running' : 'stopped';
  if (power.toLowerCase() === already) {
    throw powerStateConflict(
      record.name, provisioningStateOf(record), power, action === 'start' ? 'starting' : 'stopping',
      action === 'start' ? 'The cluster is already running.' : 'The cluster is not running, so it cannot be stopped.',
    );
  }
  const previousBody = structuredClone(record.body);
  setProvisioning(record.body, action === 'start' ? 'Starting' : 'Stopping');
  changed(record);
  const paths = clusterOperationPaths(record.subscriptionId, String(record.body['location']));
  const operation = environment.store.startOperation({
    target: record,
    action,
    statusPath: paths.status,
    resultPath: paths.result,
    apiVersion: OPERATION_STATUS_API_VERSION,
    durationMs: environment.lroDurationMs,
    previousBody,
    ...(context.failOperation ? { failure: FAILED_OPERATION_ERROR } : {}),
    now: context.now,
  });
  return { status: 202, headers: asyncHeaders(environment, operation), change: accepted(record, action) };
}
