// Cluster extensions (Microsoft.KubernetesConfiguration/extensions on managedClusters): GET, list, PUT,
// PATCH and DELETE, each write a long-running operation. Protected settings go in and never come out.
import { ArmError, badRequest, operationInProgress, resourceNotFound } from './arm-errors.js';
import { type ClusterAddress, busyState, findCluster, rejectIfStopped } from './clusters.js';
import { type ExtensionTypeProfile, PROFILED_EXTENSION_TYPES, sameExtensionType } from '../src/core/extension-types/index.js';
import { EXTENSION_RESOURCE_TYPE, extensionId } from '../src/core/resource-ids.js';
import { changedImmutableSettings } from './extension-types.js';
import { KUBERNETES_CONFIGURATION_NAMESPACE, requireRegistration } from './providers.js';
import {
  type Environment, FAILED_OPERATION_ERROR, type Reply, type RequestContext,
  nextLinkFor, optionalObject, pageBody, requireObject, skipTokenOf, stringRecord,
} from './http.js';
import { type ArmErrorBody, type ArmObject, type ClusterRecord, type ExtensionRecord, type Operation, changed, propertiesOf, serialize } from './store.js';

/**
 * What an auto-upgrading install of a known type (by profile key) reports as currentVersion: stand-in numbers of the
 * emulator's, except the spec Marketplace example's 0.1.4.
 */
const LATEST_VERSIONS: Readonly<Record<string, string>> = {
  flux: '1.15.1',
  dapr: '1.15.6',
  azureml: '1.1.70',
  'azure-container-storage': '1.3.2',
  'azure-container-storage-v2': '2.0.1',
  'azure-backup': '1.0.2',
  'azure-vote': '0.1.4',
};

/** The first api-version of Microsoft.KubernetesConfiguration/extensions with managedBy and managementDetails (TypeSpec @added). */
export const MANAGED_BY_API_VERSION = '2025-03-01';

/** Where a cluster-scoped install that names no namespace goes: the profiled type's default, else the extension's name. */
export function defaultReleaseNamespace(extensionType: string, name: string): string {
  return PROFILED_EXTENSION_TYPES.find((profile) => sameExtensionType(profile.extensionType, extensionType))?.defaultReleaseNamespace ?? name;
}

/** api-versions compare by their date (`2025-03-01-preview` counts as 2025-03-01). */
function hasManagedByFields(apiVersion: string): boolean {
  return apiVersion.slice(0, 10) >= MANAGED_BY_API_VERSION;
}

/**
 * The extension as GET returns it at this api-version. `managedBy` and `properties.managementDetails` exist from
 * 2025-03-01; older api-versions (the SDK's 2023-05-01) do not return them, as ARM returns no field its api-version lacks.
 */
export function serializeExtension(record: ExtensionRecord, apiVersion: string): string {
  const { body } = record;
  const properties = propertiesOf(body);
  if (hasManagedByFields(apiVersion) || (body['managedBy'] === undefined && properties['managementDetails'] === undefined)) return serialize(record);
  if (record.jsonBefore20250301 === undefined) {
    const { managedBy: _managedBy, ...rest } = body;
    const { managementDetails: _details, ...olderProperties } = properties;
    record.jsonBefore20250301 = JSON.stringify({ ...rest, properties: olderProperties });
  }
  return record.jsonBefore20250301;
}

/**
 * Managed by AKS: `managementDetails.category` is `managed` (REST spec 2025-03-01 GetExtensionWithManagedBy: only
 * Microsoft.ContainerService may write it; users may only read it).
 */
export function isManagedByAks(body: ArmObject): boolean {
  const details = propertiesOf(body)['managementDetails'];
  const category = typeof details === 'object' && details !== null ? (details as ArmObject)['category'] : undefined;
  return typeof category === 'string' && category.toLowerCase() === 'managed';
}

/**
 * A user write to an AKS-managed extension. The real code and status are not public: 403 (an access rule, and not one
 * a client retries) with a code of the emulator's own naming.
 */
function rejectIfManaged(record: ExtensionRecord | undefined, verb: string): void {
  if (!record || !isManagedByAks(record.body)) return;
  const managedBy = typeof record.body['managedBy'] === 'string' ? ` (managedBy '${record.body['managedBy']}')` : '';
  throw new ArmError(
    403,
    'ManagedExtensionReadOnly',
    `Extension '${record.name}' is managed by Microsoft.ContainerService${managedBy}: only Microsoft.ContainerService may write it and users may only read it, so ${verb} is not allowed.`,
  );
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

interface WriteOutcome {
  previousBody?: ArmObject;
  previousProtectedSettings?: Record<string, string>;
  /** Why applying the write fails although ARM accepted it (the body stays, the extension ends Failed). */
  applyFailure?: ArmErrorBody | undefined;
}

function start(environment: Environment, context: RequestContext, record: ExtensionRecord, action: 'write' | 'delete', outcome: WriteOutcome = {}): Operation {
  // An injected lro-failed fault puts the previous body back; a failure to apply keeps the written body.
  const failure = context.failOperation ? FAILED_OPERATION_ERROR : outcome.applyFailure;
  return environment.store.startOperation({
    target: record,
    action,
    statusPath: operationPath(record),
    apiVersion: context.apiVersion,
    durationMs: environment.lroDurationMs,
    previousBody: outcome.previousBody,
    ...(outcome.previousProtectedSettings ? { previousProtectedSettings: outcome.previousProtectedSettings } : {}),
    ...(failure ? { failure, failureKeepsBody: !context.failOperation } : {}),
    now: context.now,
  });
}

/**
 * A namespace-scoped install of a type whose profile allows only cluster scope. Flux docs (conceptual-gitops-flux2):
 * namespace scope fails with a 400; the error code is not public (the emulator names it).
 */
function checkScope(profile: ExtensionTypeProfile | undefined, scope: unknown, name: string): void {
  if (!profile || typeof scope !== 'object' || scope === null || !('namespace' in scope)) return;
  if (profile.scopes.includes('namespace')) return;
  throw badRequest('ExtensionScopeNotSupported', `Extension '${name}': extension type '${profile.extensionType}' can only be installed at cluster scope, not namespace scope.`);
}

/**
 * A create in a region where the type is not offered (the profile's supportedRegions). The code is the one community
 * reports show (ExtensionTypeRegistrationGetFailed); the status is not public (400 is the emulator's choice).
 */
function checkRegion(profile: ExtensionTypeProfile | undefined, cluster: ClusterRecord): void {
  const regions = profile?.supportedRegions;
  const location = typeof cluster.body['location'] === 'string' ? cluster.body['location'].toLowerCase().replaceAll(' ', '') : '';
  if (!profile || !regions || regions.includes(location)) return;
  throw badRequest(
    'ExtensionTypeRegistrationGetFailed',
    `Extension type '${profile.extensionType}' is not registered in region '${location}'. It is available in: ${regions.join(', ')}.`,
  );
}

/**
 * A Marketplace type (profile requiresPlan) needs `plan: { name, product, publisher }` (REST spec CreateExtensionWithPlan;
 * AKS docs deploy-extensions-az-cli). The code for a missing plan is not public (the emulator names it).
 */
function checkPlan(profile: ExtensionTypeProfile | undefined, plan: unknown, name: string): void {
  if (plan !== undefined && plan !== null) {
    const given = optionalObject(plan, 'plan') ?? {};
    const missing = ['name', 'product', 'publisher'].filter((field) => typeof given[field] !== 'string' || given[field] === '');
    if (missing.length > 0) throw badRequest('InvalidParameter', `Extension '${name}': plan.${missing.join(', plan.')} is required when a plan is given.`);
    return;
  }
  if (profile?.requiresPlan) {
    throw badRequest('MarketplacePlanRequired', `Extension '${name}': extension type '${profile.extensionType}' is a Marketplace offer; the request needs plan { name, product, publisher }.`);
  }
}

/**
 * Why installing these settings fails, if it does. Dapr's immutable settings (AKS docs dapr-settings): ARM accepts
 * the write, the Helm upgrade fails (the CLI warns it would change the placement StatefulSet). Required settings
 * (Backup's storage location): the CLI checks them client-side; what the service does is not public, so the operation
 * fails. Codes and texts are the emulator's; the real ones are not public.
 */
function applyFailureFor(profile: ExtensionTypeProfile | undefined, name: string, applied: Record<string, string> | undefined, settings: Record<string, string>): ArmErrorBody | undefined {
  const immutable = applied ? changedImmutableSettings(profile, applied, settings) : [];
  if (immutable.length > 0) {
    return {
      code: 'HelmUpgradeFailed',
      message: `Extension '${name}': the upgrade failed because ${immutable.map((key) => `'${key}'`).join(', ')} cannot change after the extension is created (${(profile?.immutableSettings ?? []).join(', ')} are fixed at creation). Delete the extension and create it again with the new value.`,
    };
  }
  const missing = (profile?.requiredSettings ?? []).filter((key) => settings[key] === undefined || settings[key] === '');
  if (missing.length > 0) {
    return {
      code: 'RequiredSettingMissing',
      message: `Extension '${name}' of type '${profile?.extensionType ?? ''}' cannot be installed without configurationSettings ${missing.map((key) => `'${key}'`).join(', ')}.`,
    };
  }
  return undefined;
}

function accepted(record: ExtensionRecord, action: 'write' | 'delete'): Reply['change'] {
  return { action, resourceId: record.id, subscriptionId: record.cluster.subscriptionId, resourceType: EXTENSION_RESOURCE_TYPE };
}

export function getExtension(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  const cluster = parentCluster(environment, context, address);
  const record = environment.store.extension(cluster, name, context.now);
  if (!record) throw resourceNotFound(EXTENSION_RESOURCE_TYPE, name, cluster.resourceGroup);
  return { status: 200, body: serializeExtension(record, context.apiVersion) };
}

export function listExtensions(environment: Environment, context: RequestContext, address: ClusterAddress): Reply {
  const cluster = parentCluster(environment, context, address);
  const page = cluster.extensionOrder.page(skipTokenOf(context), environment.pageSize);
  const items: string[] = [];
  for (const key of page.keys) {
    const record = environment.store.extension(cluster, key, context.now);
    if (record) items.push(serializeExtension(record, context.apiVersion));
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

function currentVersionFor(properties: ArmObject, previous: ArmObject | undefined, profile: ExtensionTypeProfile | undefined): unknown {
  if (typeof properties['version'] === 'string') return properties['version'];
  return (profile === undefined ? undefined : LATEST_VERSIONS[profile.key]) ?? previous?.['currentVersion'] ?? '1.0.0';
}

function assertSameType(previous: ArmObject | undefined, incomingType: unknown, name: string): void {
  const previousType = previous?.['extensionType'];
  if (typeof previousType !== 'string' || incomingType === undefined) return;
  if (typeof incomingType !== 'string' || incomingType.toLowerCase() !== previousType.toLowerCase()) {
    throw badRequest('PropertyChangeNotAllowed', `Changing property 'extensionType' is not allowed: extension '${name}' is of type '${previousType}', not '${typeof incomingType === 'string' ? incomingType : JSON.stringify(incomingType)}'. Delete it and create it again.`);
  }
}

export function putExtension(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  requireRegistration(environment, context, address.subscriptionId, KUBERNETES_CONFIGURATION_NAMESPACE);
  const cluster = parentCluster(environment, context, address);
  const existing = environment.store.extension(cluster, name, context.now);
  rejectIfBusy(cluster, existing, `writing extension '${name}'`);
  rejectIfManaged(existing, 'a PUT');
  const incoming = requireObject(context.body, `extension '${name}'`);
  const requested = optionalObject(incoming['properties'], 'properties') ?? {};
  const previous = existing ? propertiesOf(existing.body) : undefined;
  const extensionType = requested['extensionType'];
  if (typeof extensionType !== 'string' || extensionType === '') throw badRequest('InvalidParameter', `Extension '${name}': properties.extensionType is required.`);
  assertSameType(previous, extensionType, name);
  const profile = environment.extensionTypes.find(extensionType);
  checkScope(profile, requested['scope'], name);
  if (!existing) checkRegion(profile, cluster);
  checkPlan(profile, incoming['plan'], name);
  // A PUT replaces the extension, protected settings included: those left out are gone. The general ARM convention;
  // not confirmed publicly for this resource provider.
  const protectedSettings = stringRecord(requested['configurationProtectedSettings'], 'properties.configurationProtectedSettings');
  const configurationSettings = stringRecord(requested['configurationSettings'], 'properties.configurationSettings');
  const properties: ArmObject = {
    extensionType,
    autoUpgradeMinorVersion: requested['autoUpgradeMinorVersion'] ?? true,
    releaseTrain: requested['releaseTrain'] ?? 'Stable',
    version: requested['version'] ?? null,
    scope: requested['scope'] ?? { cluster: { releaseNamespace: profile?.defaultReleaseNamespace ?? name } },
    configurationSettings,
    provisioningState: existing ? 'Updating' : 'Creating',
    currentVersion: null,
    statuses: [],
    isSystemExtension: false,
  };
  checkVersionPin(properties, name);
  properties['currentVersion'] = currentVersionFor(properties, previous, profile);
  const canonicalName = existing?.name ?? name;
  const record: ExtensionRecord = existing ?? {
    kind: 'extension',
    key: extensionId(cluster.id, canonicalName).toLowerCase(),
    id: extensionId(cluster.id, canonicalName),
    name: canonicalName,
    cluster,
    body: {},
    json: undefined,
    jsonBefore20250301: undefined,
    operation: undefined,
    protectedSettings: {},
    appliedSettings: undefined,
  };
  const previousBody = existing?.body;
  const previousProtectedSettings = existing?.protectedSettings;
  // managedBy is settable on create only (x-ms-mutability read, create): a PUT on an existing extension keeps it.
  const managedBy = existing ? previousBody?.['managedBy'] : typeof incoming['managedBy'] === 'string' ? incoming['managedBy'] : undefined;
  record.body = {
    ...(incoming['identity'] !== undefined ? { identity: incoming['identity'] } : {}),
    ...(incoming['plan'] !== undefined && incoming['plan'] !== null ? { plan: incoming['plan'] } : {}),
    ...(managedBy !== undefined ? { managedBy } : {}),
    id: record.id,
    name: record.name,
    type: EXTENSION_RESOURCE_TYPE,
    systemData: systemData(previousBody, context),
    properties,
  };
  record.protectedSettings = protectedSettings;
  changed(record);
  if (!existing) environment.store.insertExtension(record);
  const operation = start(environment, context, record, 'write', {
    ...(previousBody ? { previousBody } : {}),
    ...(previousProtectedSettings ? { previousProtectedSettings } : {}),
    applyFailure: applyFailureFor(profile, record.name, existing?.appliedSettings, configurationSettings),
  });
  return { status: existing ? 200 : 201, body: serializeExtension(record, context.apiVersion), headers: asyncHeaders(environment, operation), change: accepted(record, 'write') };
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

/**
 * A PATCH that carries `configurationProtectedSettings` replaces the whole protected set: keys it leaves out are
 * deleted (AKS docs deploy-extensions-az-cli, "Update extension instance"). Whether an empty object clears them all is
 * not public; the emulator clears them (the stricter reading). Without the field, they stay as they are.
 */
function replacedProtectedSettings(current: Record<string, string>, patch: unknown): Record<string, string> {
  if (patch === undefined) return current;
  const given = optionalObject(patch, 'properties.configurationProtectedSettings') ?? {};
  const replaced: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value === null) continue;
    if (typeof value !== 'string') throw badRequest('InvalidParameter', `properties.configurationProtectedSettings.${name} must be a string.`);
    replaced[name] = value;
  }
  return replaced;
}

export function patchExtension(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  requireRegistration(environment, context, address.subscriptionId, KUBERNETES_CONFIGURATION_NAMESPACE);
  const cluster = parentCluster(environment, context, address);
  const record = environment.store.extension(cluster, name, context.now);
  if (!record) throw resourceNotFound(EXTENSION_RESOURCE_TYPE, name, cluster.resourceGroup);
  rejectIfBusy(cluster, record, `updating extension '${name}'`);
  rejectIfManaged(record, 'a PATCH');
  const incoming = requireObject(context.body, `extension '${name}'`);
  const requested = optionalObject(incoming['properties'], 'properties') ?? {};
  const previousBody = record.body;
  const previous = propertiesOf(previousBody);
  assertSameType(previous, requested['extensionType'], name);
  const profile = typeof previous['extensionType'] === 'string' ? environment.extensionTypes.find(previous['extensionType']) : undefined;
  const properties: ArmObject = { ...structuredClone(previous) };
  for (const field of ['autoUpgradeMinorVersion', 'releaseTrain', 'version'] as const) {
    if (requested[field] !== undefined) properties[field] = requested[field];
  }
  checkVersionPin(properties, name);
  const configurationSettings = mergeSettings(stringRecord(previous['configurationSettings'], 'configurationSettings'), requested['configurationSettings'], 'properties.configurationSettings');
  properties['configurationSettings'] = configurationSettings;
  const previousProtectedSettings = record.protectedSettings;
  const protectedSettings = replacedProtectedSettings(previousProtectedSettings, requested['configurationProtectedSettings']);
  properties['currentVersion'] = currentVersionFor(properties, previous, profile);
  properties['provisioningState'] = 'Updating';
  properties['statuses'] = [];
  delete properties['errorInfo'];
  // The PATCH body (patchExtension) has no plan, scope or managedBy: whatever a request says there, they stay.
  record.body = { ...previousBody, systemData: systemData(previousBody, context), properties };
  record.protectedSettings = protectedSettings;
  changed(record);
  const operation = start(environment, context, record, 'write', {
    previousBody,
    previousProtectedSettings,
    applyFailure: applyFailureFor(profile, record.name, record.appliedSettings, configurationSettings),
  });
  return { status: 202, body: serializeExtension(record, context.apiVersion), headers: asyncHeaders(environment, operation), change: accepted(record, 'write') };
}

export function deleteExtension(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  const cluster = parentCluster(environment, context, address);
  const record = environment.store.extension(cluster, name, context.now);
  if (!record) return { status: 204 };
  rejectIfBusy(cluster, record, `deleting extension '${name}'`);
  rejectIfManaged(record, 'a DELETE');
  propertiesOf(record.body)['provisioningState'] = 'Deleting';
  changed(record);
  const operation = start(environment, context, record, 'delete');
  return { status: 202, headers: asyncHeaders(environment, operation), change: accepted(record, 'delete') };
}
