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

/**
 * ARM's naming rules for the names in the ids we handle, the one place they are written down; every edge (CLI, events,
 * HTTP routes, queue messages, the baseline) checks names through the id parsers below or `nameProblem`.
 * Source: Azure docs "Naming rules and restrictions for Azure resources"
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules): Microsoft.Resources
 * resourcegroups 1-90, underscores, hyphens, periods, parentheses and letters or digits (Unicode), not ending in a
 * period; Microsoft.ContainerService managedClusters 1-63, alphanumerics, underscores and hyphens, starting and ending
 * with an alphanumeric. Cluster extensions are not in that list and their API declares no name pattern
 * (azure-rest-api-specs Microsoft.KubernetesConfiguration/extensions/Extension.tsp: NamePattern ""): ours is the
 * baseline's extension name rule, the characters of a Kubernetes object name plus `_`, starting and ending with a letter
 * or digit, at most 253 (docs/reliability.md, "Input limits").
 */
export const NAME_RULES = {
  subscription: { what: 'subscription', rule: 'a subscription id (a GUID)', pattern: SUBSCRIPTION_ID },
  resourceGroup: {
    what: 'resource group name',
    rule: '1-90 letters, digits, _ - . ( ), not ending in a period',
    pattern: /^[-\w.()\p{L}\p{Nd}]{0,89}[-\w()\p{L}\p{Nd}]$/u,
  },
  cluster: {
    what: 'managed cluster name',
    rule: '1-63 letters, digits, _ and -, starting and ending with a letter or digit',
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/,
  },
  extension: {
    what: 'extension name',
    rule: '1-253 letters, digits, ., _ and -, starting and ending with a letter or digit',
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/,
  },
} as const;
export type NameKind = keyof typeof NAME_RULES;

/** The longest id or name a message quotes whole: longer than any valid extension id (about 600 characters). */
const QUOTE_LIMIT = 640;

/** An id or name as quoted in a message: JSON-escaped (control and bidi characters show), and cut short when long. */
export function quoteName(text: string): string {
  return JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}...` : text).replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Why `name` breaks ARM's rule for its kind (`managed cluster name "..": must be ...`), or undefined when it does not. */
export function nameProblem(kind: NameKind, name: string): string | undefined {
  const { what, rule } = NAME_RULES[kind];
  const ok = kind === 'subscription' ? SUBSCRIPTION_ID.test(name) : name.length <= 253 && NAME_RULES[kind].pattern.test(name);
  return ok ? undefined : `${what} ${quoteName(name)} ${kind === 'subscription' ? `must be ${rule}` : `is not valid: must be ${rule}`}`;
}

function notAnId(id: string, why: string): InvalidInputError {
  return new InvalidInputError(`${quoteName(id)} is not an ARM resource id: ${why}`);
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

/**
 * The cluster an id is or is inside, and the resources below it; undefined when the id is not under a cluster. Throws
 * InvalidInputError when it is, but a name in it breaks ARM's naming rules (`..`, `?`, a 5,000-character name).
 */
function splitAtCluster(id: string): { cluster: ClusterRef; below: ResourceIdParts['resources'] } | undefined {
  const parts = parseResourceId(id);
  const [cluster, ...below] = parts.resources;
  if (!parts.resourceGroup || !cluster || !isType(cluster, CLUSTER_NAMESPACE, CLUSTER_TYPE)) return undefined;
  const extension = below[0] && isType(below[0], EXTENSION_NAMESPACE, EXTENSION_TYPE) ? below[0].name : undefined;
  const problems = [
    nameProblem('subscription', parts.subscriptionId),
    nameProblem('resourceGroup', parts.resourceGroup),
    nameProblem('cluster', cluster.name),
    extension === undefined ? undefined : nameProblem('extension', extension),
  ];
  const found = problems.filter((problem): problem is string => problem !== undefined);
  if (found.length > 0) throw new InvalidInputError(`${quoteName(id)} is not a valid AKS cluster id: ${found.join('; ')}`);
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
  const split = splitAtCluster(id);
  if (!split) throw new InvalidInputError(`${quoteName(id)} is not an AKS cluster id: expected ${CLUSTER_ID_SHAPE}[/...]`);
  return formatClusterId(split.cluster);
}

/** Parses the id of a managed cluster itself (any casing, nothing below it). Throws InvalidInputError otherwise. */
export function parseClusterId(id: string): ClusterRef {
  const split = splitAtCluster(id);
  if (!split || split.below.length > 0) throw new InvalidInputError(`${quoteName(id)} is not a managed cluster resource id: expected ${CLUSTER_ID_SHAPE}`);
  return split.cluster;
}

/** Parses a cluster extension id (the path of an extension PUT/PATCH). Throws InvalidInputError otherwise. */
export function parseExtensionId(id: string): ExtensionRef {
  const split = splitAtCluster(id);
  const [extension, ...rest] = split?.below ?? [];
  if (!split || !extension || !isType(extension, EXTENSION_NAMESPACE, EXTENSION_TYPE) || rest.length > 0) {
    throw new InvalidInputError(`${quoteName(id)} is not a cluster extension id: expected ${CLUSTER_ID_SHAPE}/providers/${EXTENSION_RESOURCE_TYPE}/<name>`);
  }
  return { ...split.cluster, extensionName: extension.name };
}

/** The id of a cluster extension (no host, no api-version), under the canonical id of `clusterId`'s cluster. */
export function extensionId(clusterId: string, extensionName: string): string {
  const problem = nameProblem('extension', extensionName);
  if (problem) throw new InvalidInputError(problem);
  return `${clusterIdOf(clusterId)}/providers/${EXTENSION_RESOURCE_TYPE}/${extensionName}`;
}

/** Normalises an ARM location the way ARM does: lower case without spaces ("East US 2" -> "eastus2"). */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}
