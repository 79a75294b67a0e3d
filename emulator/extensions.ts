// Cluster extensions (Microsoft.KubernetesConfiguration/extensions on managedClusters): GET, list, PUT,
// PATCH and DELETE, each write a long-running operation. Protected settings go in and never come out.
import { ArmError, badRequest, operationInProgress, resourceNotFound } from './arm-errors.js';
import { type ClusterAddress, busyState, findCluster, rejectIfStopped } from './clusters.js';
import { extensionTypeFor } from '../src/core/extension-types/index.js';
import { EXTENSION_RESOURCE_TYPE, extensionId } from '../src/core/resource-ids.js';
import {
  type Environment, FAILED_OPERATION_ERROR, type Reply, type RequestContext,
  nextLinkFor, optionalObject, pageBody, requireObject, skipTokenOf, stringRecord,
} from './http.js';
import { type ArmObject, type ClusterRecord, type ExtensionRecord, type Operation, changed, propertiesOf, serialize } from './store.js';

/** What an auto-upgrading install of a cataloged type (by profile key) reports as currentVersion. */
const LATEST_VERSIONS: Readonly<Record<string, string>> = {
  flux: '1.15.1',
  dapr: '1.15.6',
  azureml: '1.1.70',
  'azure-container-storage': '1.3.2',
  'azure-backup': '1.0.2',
};

/** Where a cluster-scoped install that names no namespace goes: the cataloged type's default, else the extension's name. */
export function defaultReleaseNamespace(extensionType: string, name: string): string {
  return extensionTypeFor(extensionType)?.defaultReleaseNamespace ?? name;
}

function parentCluster(environment: Environment, context: RequestContext, address: ClusterAddress): ClusterRecord {
  try {
    return findCluster(environment, address, context.now);
  } catch (error) {
    if (error instanceof ArmError && error.code === 'ResourceNotFound') {
      throw new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${address.name}' not found.`);
    }
    throw error;
  }
}

function rejectIfBusy(cluster: ClusterRecord, extension: ExtensionRecord | undefined, verb: string): void {
  const clusterState = busyState(cluster.operation);
  if (clusterState) throw operationInProgress(`managed cluster '${cluster.name}'`, clusterState);
  rejectIfStopped(cluster, verb);
  const extensionState = busyState(extension?.operation);
  if (extension && extensionState) throw operationInProgress(`extension '${extension.name}' of managed cluster '${cluster.name}'`, extensionState);
}

function operationPath(record: ExtensionRecord): (id: string) => string {
  return (id) => `${record.id}/operations/${id}`;
}

function asyncHeaders(environment: Environment, operation: Operation): Record<string, string> {
  return { 'azure-asyncoperation': `${environment.endpoint}${operation.statusPath}?api-version=${operation.apiVersion}` };
}

function start(environment: Environment, context: RequestContext, record: ExtensionRecord, action: 'write' | 'delete', previousBody?: ArmObject): Operation {
  return environment.store.startOperation({
    target: record,
    action,
    statusPath: operationPath(record),
    apiVersion: context.apiVersion,
    durationMs: environment.lroDurationMs,
    previousBody,
    ...(context.failOperation ? { failure: FAILED_OPERATION_ERROR } : {}),
    now: context.now,
  });
}

function accepted(record: ExtensionRecord, action: 'write' | 'delete'): Reply['change'] {
  return { action, resourceId: record.id, subscriptionId: record.cluster.subscriptionId, resourceType: EXTENSION_RESOURCE_TYPE };
}

export function getExtension(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  const cluster = parentCluster(environment, context, address);
  const record = environment.store.extension(cluster, name, context.now);
  if (!record) throw resourceNotFound(EXTENSION_RESOURCE_TYPE, name, cluster.resourceGroup);
  return { status: 200, body: serialize(record) };
}

export function listExtensions(environment: Environment, context: RequestContext, address: ClusterAddress): Reply {
  const cluster = parentCluster(environment, context, address);
  const page = cluster.extensionOrder.page(skipTokenOf(context), environment.pageSize);
  const items: string[] = [];
  for (const key of page.keys) {
    const record = environment.store.extension(cluster, key, context.now);
    if (record) items.push(serialize(record));
  }
  return { status: 200, body: pageBody(items, nextLinkFor(environment, context, page.next)) };
}

function systemData(previous: ArmObject | undefined, context: RequestContext): ArmObject {
  const now = new Date(context.now).toISOString();
  const before = optionalObject(previous?.['systemData'], 'systemData');
  return {
    createdBy: before?.['createdBy'] ?? context.caller.appId,
    createdByType: before?.['createdByType'] ?? 'Application',
    createdAt: before?.['createdAt'] ?? now,
    lastModifiedBy: context.caller.appId,
    lastModifiedByType: 'Application',
    lastModifiedAt: now,
  };
}

function checkVersionPin(properties: ArmObject, name: string): void {
  if (properties['autoUpgradeMinorVersion'] !== false && properties['version'] !== null && properties['version'] !== undefined) {
    throw badRequest('BadRequest', `Extension '${name}': version can only be set when autoUpgradeMinorVersion is false.`);
  }
}

function currentVersionFor(properties: ArmObject, previous: ArmObject | undefined): unknown {
  if (typeof properties['version'] === 'string') return properties['version'];
  const key = extensionTypeFor(String(properties['extensionType']))?.key;
  return (key === undefined ? undefined : LATEST_VERSIONS[key]) ?? previous?.['currentVersion'] ?? '1.0.0';
}

function assertSameType(previous: ArmObject | undefined, incomingType: unknown, name: string): void {
  const previousType = previous?.['extensionType'];
  if (typeof previousType !== 'string' || incomingType === undefined) return;
  if (typeof incomingType !== 'string' || incomingType.toLowerCase() !== previousType.toLowerCase()) {
    throw badRequest('PropertyChangeNotAllowed', `Changing property 'extensionType' is not allowed: extension '${name}' is of type '${previousType}', not '${typeof incomingType === 'string' ? incomingType : JSON.stringify(incomingType)}'. Delete it and create it again.`);
  }
}

export function putExtension(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  const cluster = parentCluster(environment, context, address);
  const existing = environment.store.extension(cluster, name, context.now);
  rejectIfBusy(cluster, existing, `writing extension '${name}'`);
  const incoming = requireObject(context.body, `extension '${name}'`);
  const requested = optionalObject(incoming['properties'], 'properties') ?? {};
  const previous = existing ? propertiesOf(existing.body) : undefined;
  const extensionType = requested['extensionType'];
  if (typeof extensionType !== 'string' || extensionType === '') throw badRequest('InvalidParameter', `Extension '${name}': properties.extensionType is required.`);
  assertSameType(previous, extensionType, name);
  // A PUT replaces the extension, protected settings included.
  const protectedSettings = stringRecord(requested['configurationProtectedSettings'], 'properties.configurationProtectedSettings');
  const properties: ArmObject = {
    extensionType,
    autoUpgradeMinorVersion: requested['autoUpgradeMinorVersion'] ?? true,
    releaseTrain: requested['releaseTrain'] ?? 'Stable',
    version: requested['version'] ?? null,
    scope: requested['scope'] ?? { cluster: { releaseNamespace: defaultReleaseNamespace(extensionType, name) } },
    configurationSettings: stringRecord(requested['configurationSettings'], 'properties.configurationSettings'),
    provisioningState: existing ? 'Updating' : 'Creating',
    currentVersion: null,
    statuses: [],
    isSystemExtension: false,
  };
  checkVersionPin(properties, name);
  properties['currentVersion'] = currentVersionFor(properties, previous);
  const canonicalName = existing?.name ?? name;
  const record: ExtensionRecord = existing ?? {
    kind: 'extension',
    key: extensionId(cluster.id, canonicalName).toLowerCase(),
    id: extensionId(cluster.id, canonicalName),
    name: canonicalName,
    cluster,
    body: {},
    json: undefined,
    operation: undefined,
    protectedSettings: {},
  };
  const previousBody = existing?.body;
  record.body = {
    ...(incoming['identity'] !== undefined ? { identity: incoming['identity'] } : {}),
    ...(incoming['plan'] !== undefined ? { plan: incoming['plan'] } : {}),
    id: record.id,
    name: record.name,
    type: EXTENSION_RESOURCE_TYPE,
    systemData: systemData(previousBody, context),
    properties,
  };
  record.protectedSettings = protectedSettings;
  changed(record);
  if (!existing) environment.store.insertExtension(record);
  const operation = start(environment, context, record, 'write', previousBody);
  return { status: existing ? 200 : 201, body: serialize(record), headers: asyncHeaders(environment, operation), change: accepted(record, 'write') };
}

function mergeSettings(current: Record<string, string>, patch: unknown, what: string): Record<string, string> {
  const changes = optionalObject(patch, what);
  if (!changes) return current;
  const merged = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete merged[name];
    else if (typeof value === 'string') merged[name] = value;
    else throw badRequest('InvalidParameter', `${what}.${name} must be a string or null.`);
  }
  return merged;
}

export function patchExtension(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  const cluster = parentCluster(environment, context, address);
  const record = environment.store.extension(cluster, name, context.now);
  if (!record) throw resourceNotFound(EXTENSION_RESOURCE_TYPE, name, cluster.resourceGroup);
  rejectIfBusy(cluster, record, `updating extension '${name}'`);
  const incoming = requireObject(context.body, `extension '${name}'`);
  const requested = optionalObject(incoming['properties'], 'properties') ?? {};
  const previousBody = record.body;
  const previous = propertiesOf(previousBody);
  assertSameType(previous, requested['extensionType'], name);
  const properties: ArmObject = { ...structuredClone(previous) };
  for (const field of ['autoUpgradeMinorVersion', 'releaseTrain', 'version'] as const) {
    if (requested[field] !== undefined) properties[field] = requested[field];
  }
  checkVersionPin(properties, name);
  properties['configurationSettings'] = mergeSettings(stringRecord(previous['configurationSettings'], 'configurationSettings'), requested['configurationSettings'], 'properties.configurationSettings');
  // Left out of a PATCH, protected settings stay as they are.
  const protectedSettings = mergeSettings(record.protectedSettings, requested['configurationProtectedSettings'], 'properties.configurationProtectedSettings');
  properties['currentVersion'] = currentVersionFor(properties, previous);
  properties['provisioningState'] = 'Updating';
  properties['statuses'] = [];
  record.body = { ...previousBody, systemData: systemData(previousBody, context), properties };
  record.protectedSettings = protectedSettings;
  changed(record);
  const operation = start(environment, context, record, 'write', previousBody);
  return { status: 202, body: serialize(record), headers: asyncHeaders(environment, operation), change: accepted(record, 'write') };
}

export function deleteExtension(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  const cluster = parentCluster(environment, context, address);
  const record = environment.store.extension(cluster, name, context.now);
  if (!record) return { status: 204 };
  rejectIfBusy(cluster, record, `deleting extension '${name}'`);
  propertiesOf(record.body)['provisioningState'] = 'Deleting';
  changed(record);
  const operation = start(environment, context, record, 'delete');
  return { status: 202, headers: asyncHeaders(environment, operation), change: accepted(record, 'delete') };
}
