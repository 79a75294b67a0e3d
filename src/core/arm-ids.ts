// ARM resource ids and locations, compared the way ARM compares them: ids case-insensitively, locations by their
// normalised name. Real events and bodies mix `resourceGroups` and `resourcegroups`.
import { InvalidInputError } from './errors.js';

export interface ResourceIdParts {
  subscriptionId: string;
  resourceGroup?: string;
  /** Provider resources, outermost first: `[{ namespace: 'Microsoft.ContainerService', type: 'managedClusters', name: 'c1' }, ...]`. */
  resources: { namespace: string; type: string; name: string }[];
}

const CLUSTER_NAMESPACE = 'Microsoft.ContainerService';
const CLUSTER_TYPE = 'managedClusters';
export const EXTENSION_NAMESPACE = 'Microsoft.KubernetesConfiguration';
export const EXTENSION_TYPE = 'extensions';
export const CLUSTER_RESOURCE_TYPE = `${CLUSTER_NAMESPACE}/${CLUSTER_TYPE}`;

function notAnId(id: string, why: string): InvalidInputError {
  return new InvalidInputError(`"${id}" is not an ARM resource id: ${why}`);
}

/** Splits an ARM resource id into its parts. Throws InvalidInputError naming what is malformed. */
export function parseResourceId(id: string): ResourceIdParts {
  const segments = id.trim().replace(/\/+$/, '').split('/');
  if (segments[0] !== '' || segments[1]?.toLowerCase() !== 'subscriptions' || !segments[2]) {
    throw notAnId(id, 'it must start with /subscriptions/<subscriptionId>');
  }
  if (segments.slice(1).some((s) => s.length === 0)) throw notAnId(id, 'it has an empty segment');
  const parts: ResourceIdParts = { subscriptionId: segments[2], resources: [] };
  let i = 3;
  if (segments[i]?.toLowerCase() === 'resourcegroups') {
    const group = segments[i + 1];
    if (!group) throw notAnId(id, 'the resource group name is missing');
    parts.resourceGroup = group;
    i += 2;
  }
  while (i < segments.length) {
    if (segments[i]?.toLowerCase() !== 'providers') throw notAnId(id, `expected "providers" at segment ${i}, found "${segments[i]}"`);
    const namespace = segments[i + 1];
    if (!namespace) throw notAnId(id, 'a provider namespace is missing');
    i += 2;
    let pairs = 0;
    while (i < segments.length && segments[i]?.toLowerCase() !== 'providers') {
      const type = segments[i];
      const name = segments[i + 1];
      if (!type || !name) throw notAnId(id, `resource type "${type ?? ''}" has no name`);
      parts.resources.push({ namespace, type, name });
      i += 2;
      pairs += 1;
    }
    if (pairs === 0) throw notAnId(id, `provider "${namespace}" names no resource`);
  }
  return parts;
}

/** Ids differ in casing between events, list bodies and GET bodies: compare them with this, never with ===. */
export function sameResourceId(a: string, b: string): boolean {
  return resourceIdKey(a) === resourceIdKey(b);
}

/** A case-insensitive key for an id (lower case, no trailing slash): use it for table keys and maps. */
export function resourceIdKey(id: string): string {
  return id.trim().replace(/\/+$/, '').toLowerCase();
}

/**
 * The canonical id of the AKS cluster that `id` is, or belongs to (an extension, an agent pool, ...).
 * Fixed segments get ARM's casing and the subscription id is lower-cased; group and cluster names keep theirs.
 * Throws InvalidInputError when the id is not an AKS managed cluster or something under one.
 */
export function clusterIdOf(id: string): string {
  const parts = parseResourceId(id);
  const cluster = parts.resources[0];
  if (
    !parts.resourceGroup ||
    !cluster ||
    cluster.namespace.toLowerCase() !== CLUSTER_NAMESPACE.toLowerCase() ||
    cluster.type.toLowerCase() !== CLUSTER_TYPE.toLowerCase()
  ) {
    throw new InvalidInputError(
      `"${id}" is not an AKS cluster id: expected /subscriptions/<id>/resourceGroups/<group>/providers/${CLUSTER_RESOURCE_TYPE}/<name>[/...]`,
    );
  }
  return `/subscriptions/${parts.subscriptionId.toLowerCase()}/resourceGroups/${parts.resourceGroup}/providers/${CLUSTER_RESOURCE_TYPE}/${cluster.name}`;
}

/** The ARM path of a cluster extension (no host, no api-version). */
export function extensionPath(clusterId: string, extensionName: string): string {
  return `${clusterIdOf(clusterId)}/providers/${EXTENSION_NAMESPACE}/${EXTENSION_TYPE}/${extensionName}`;
}

/** Normalises an ARM location the way ARM does: lower case without spaces ("East US 2" -> "eastus2"). */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}
