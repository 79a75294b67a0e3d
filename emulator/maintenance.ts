// Planned maintenance configurations of a managed cluster (Microsoft.ContainerService/managedClusters/
// maintenanceConfigurations): list, get, PUT and DELETE, synchronous, as @azure/arm-containerservice 25.x calls them.
// The emulator only serves the data; what a window means is src/core/maintenance-windows.ts's business. A PUT is
// checked with that module's parser, which follows the REST spec's schema (stable 2026-04-01 managedClusters.json).
import { ArmError, badRequest, resourceNotFound } from './arm-errors.js';
import { type ClusterAddress, findCluster } from './clusters.js';
import { InvalidInputError } from '../src/core/errors.js';
import { parseMaintenanceConfig } from '../src/core/maintenance-windows.js';
import { CONTAINER_SERVICE_NAMESPACE, requireRegistration } from './providers.js';
import { type Environment, type Reply, type RequestContext, optionalObject, requireObject } from './http.js';
import type { ArmObject, ClusterRecord } from './store.js';

export const MAINTENANCE_CONFIGURATION_TYPE = 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations';

/** The REST body of a configuration: id, name, type and `properties` (timeInWeek, notAllowedTime, maintenanceWindow). */
export function maintenanceConfigurationBody(cluster: Pick<ClusterRecord, 'id'>, name: string, properties: ArmObject, systemData?: ArmObject): ArmObject {
  return {
    id: `${cluster.id}/maintenanceConfigurations/${name}`,
    name,
    type: MAINTENANCE_CONFIGURATION_TYPE,
    ...(systemData ? { systemData } : {}),
    properties: structuredClone(properties),
  };
}

/** Checks a configuration's properties against the spec's schema (through the core's parser); throws a 400 naming each problem. */
export function checkMaintenanceConfiguration(name: string, properties: ArmObject): void {
  try {
    parseMaintenanceConfig({ name, properties });
  } catch (error) {
    if (error instanceof InvalidInputError) throw badRequest('InvalidParameter', `Maintenance configuration '${name}': ${error.problems.join('; ')}`);
    throw error;
  }
}

export function listMaintenanceConfigurations(environment: Environment, context: RequestContext, address: ClusterAddress): Reply {
  const cluster = findCluster(environment, address, context.now);
  return { status: 200, body: { value: [...cluster.maintenanceConfigurations.values()] } };
}

export function getMaintenanceConfiguration(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  const cluster = findCluster(environment, address, context.now);
  const body = cluster.maintenanceConfigurations.get(name.toLowerCase());
  if (!body) throw resourceNotFound(MAINTENANCE_CONFIGURATION_TYPE, name, cluster.resourceGroup);
  return { status: 200, body };
}

export function putMaintenanceConfiguration(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  requireRegistration(environment, context, address.subscriptionId, CONTAINER_SERVICE_NAMESPACE);
  const cluster = findCluster(environment, address, context.now);
  const incoming = requireObject(context.body, `maintenance configuration '${name}'`);
  const properties = optionalObject(incoming['properties'], 'properties') ?? {};
  checkMaintenanceConfiguration(name, properties);
  const key = name.toLowerCase();
  const existing = cluster.maintenanceConfigurations.get(key);
  const canonicalName = typeof existing?.['name'] === 'string' ? existing['name'] : name;
  const now = new Date(context.now).toISOString();
  const before = optionalObject(existing?.['systemData'], 'systemData');
  const body = maintenanceConfigurationBody(cluster, canonicalName, properties, {
    createdBy: before?.['createdBy'] ?? context.caller.appId,
    createdByType: 'Application',
    createdAt: before?.['createdAt'] ?? now,
    lastModifiedBy: context.caller.appId,
    lastModifiedByType: 'Application',
    lastModifiedAt: now,
  });
  cluster.maintenanceConfigurations.set(key, body);
  return {
    status: existing ? 200 : 201,
    body,
    change: { action: 'write', resourceId: String(body['id']), subscriptionId: cluster.subscriptionId, resourceType: MAINTENANCE_CONFIGURATION_TYPE },
  };
}

export function deleteMaintenanceConfiguration(environment: Environment, context: RequestContext, address: ClusterAddress, name: string): Reply {
  const cluster = findCluster(environment, address, context.now);
  const key = name.toLowerCase();
  const existing = cluster.maintenanceConfigurations.get(key);
  if (!existing) return { status: 204 };
  cluster.maintenanceConfigurations.delete(key);
  return { status: 200, change: { action: 'delete', resourceId: String(existing['id']), subscriptionId: cluster.subscriptionId, resourceType: MAINTENANCE_CONFIGURATION_TYPE } };
}

/** Seeds a configuration directly (putMaintenanceConfiguration of RunningEmulator): REST shape, `name` required. */
export function seedMaintenanceConfiguration(cluster: ClusterRecord, input: ArmObject): void {
  const name = input['name'];
  if (typeof name !== 'string' || name === '') throw new Error('putMaintenanceConfiguration: the body needs a `name`');
  const properties = optionalObject(input['properties'], 'properties') ?? {};
  try {
    checkMaintenanceConfiguration(name, properties);
  } catch (error) {
    if (error instanceof ArmError) throw new Error(`putMaintenanceConfiguration: ${error.message}`, { cause: error });
    throw error;
  }
  cluster.maintenanceConfigurations.set(name.toLowerCase(), maintenanceConfigurationBody(cluster, name, properties));
}

