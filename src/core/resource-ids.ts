// ARM resource ids and locations, compared the way ARM compares them: ids case-insensitively, locations by their
// normalised name. Real events and bodies mix `resourceGroups` and `resourcegroups`. This is the one parser and the
// one formatter of ids: everything else (stores, routes, the emulator) builds on these functions.
import { InvalidInputError } from './errors.js';

export interface ResourceIdParts {
  subscriptionId: string;
  resourceGroup?: string;
  /** Provider resources, outermost first: `[{ namespace: 'Microsoft.ContainerService', type: 'managedClusters', name: 'c1' }, ...]`. */
  resources: { namespace: string; type: string; name: string }[];
}

/** An AKS managed cluster. The subscription id is lower case; group and cluster names keep ARM's spelling. */
export interface ClusterRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** A cluster extension (Microsoft.KubernetesConfiguration/extensions on a managed cluster). */
export interface ExtensionRef extends ClusterRef {
  extensionName: string;
}

const CLUSTER_NAMESPACE = 'Microsoft.ContainerService';
const CLUSTER_TYPE = 'managedClusters';
export const EXTENSION_NAMESPACE = 'Microsoft.KubernetesConfiguration';
export const EXTENSION_TYPE = 'extensions';
export const CLUSTER_RESOURCE_TYPE = `${CLUSTER_NAMESPACE}/${CLUSTER_TYPE}`;
export const EXTENSION_RESOURCE_TYPE = `${EXTENSION_NAMESPACE}/${EXTENSION_TYPE}`;

const CLUSTER_ID_SHAPE = `/subscriptions/<id>/resourceGroups/<group>/providers/${CLUSTER_RESOURCE_TYPE}/<name>`;
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** Whether `text` is a subscription id (a GUID, any casing). */
export function isSubscriptionId(text: string): boolean {
  return SUBSCRIPTION_ID.test(text);
}

function isType(resource: ResourceIdParts['resources'][number] | undefined, namespace: string, type: string): boolean {
  return resource !== undefined && resource.namespace.toLowerCase() === namespace.toLowerCase() && resource.type.toLowerCase() === type.toLowerCase();
}

/** The cluster an id is or is inside, and the resources below it; undefined when the id is not under a cluster. */
function splitAtCluster(parts: ResourceIdParts): { cluster: ClusterRef; below: ResourceIdParts['resources'] } | undefined {
  const [cluster, ...below] = parts.resources;
  if (!parts.resourceGroup || !cluster || !isType(cluster, CLUSTER_NAMESPACE, CLUSTER_TYPE)) return undefined;
  return { cluster: { subscriptionId: parts.subscriptionId.toLowerCase(), resourceGroup: parts.resourceGroup, name: cluster.name }, below };
}

/** The canonical id of a cluster: ARM's casing of the fixed segments, the subscription id lower-cased. */
export function formatClusterId(ref: ClusterRef): string {
  return `/subscriptions/${ref.subscriptionId.toLowerCase()}/resourceGroups/${ref.resourceGroup}/providers/${CLUSTER_RESOURCE_TYPE}/${ref.name}`;
}

/**
 * The canonical id of the AKS cluster that `id` is, or belongs to (an extension, an agent pool, ...).
 * Fixed segments get ARM's casing and the subscription id is lower-cased; group and cluster names keep theirs.
 * Throws InvalidInputError when the id is not an AKS managed cluster or something under one.
 */
export function clusterIdOf(id: string): string {
  const split = splitAtCluster(parseResourceId(id));
  if (!split) throw new InvalidInputError(`"${id}" is not an AKS cluster id: expected ${CLUSTER_ID_SHAPE}[/...]`);
  return formatClusterId(split.cluster);
}

/** Parses the id of a managed cluster itself (any casing, nothing below it). Throws InvalidInputError otherwise. */
export function parseClusterId(id: string): ClusterRef {
  const split = splitAtCluster(parseResourceId(id));
  if (!split || split.below.length > 0) throw new InvalidInputError(`"${id}" is not a managed cluster resource id: expected ${CLUSTER_ID_SHAPE}`);
  return split.cluster;
}

/** Parses a cluster extension id (the path of an extension PUT/PATCH). Throws InvalidInputError otherwise. */
export function parseExtensionId(id: string): ExtensionRef {
  const split = splitAtCluster(parseResourceId(id));
  const [extension, ...rest] = split?.below ?? [];
  if (!split || !extension || !isType(extension, EXTENSION_NAMESPACE, EXTENSION_TYPE) || rest.length > 0) {
    throw new InvalidInputError(`"${id}" is not a cluster extension id: expected ${CLUSTER_ID_SHAPE}/providers/${EXTENSION_RESOURCE_TYPE}/<name>`);
  }
  return { ...split.cluster, extensionName: extension.name };
}

/** The id of a cluster extension (no host, no api-version), under the canonical id of `clusterId`'s cluster. */
export function extensionId(clusterId: string, extensionName: string): string {
  return `${clusterIdOf(clusterId)}/providers/${EXTENSION_RESOURCE_TYPE}/${extensionName}`;
}

/** Normalises an ARM location the way ARM does: lower case without spaces ("East US 2" -> "eastus2"). */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}
