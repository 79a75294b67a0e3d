// The managed cluster in ARM REST shape, and the PUT body built from it. ARM replaces the whole cluster on PUT, so a
// remediation sends the cluster as read, minus what ARM owns, with only the planned change merged in — what
// `az aks update` does (see the recorded --enable-managed-identity exchange in emulator/fixtures).

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Fields ARM computes and ignores (or rejects) on PUT. The eTag belongs in If-Match, not in the body. */
export const READ_ONLY_CLUSTER_FIELDS = {
  /** Top level of the resource. */
  resource: ['id', 'name', 'type', 'eTag', 'etag', 'systemData'],
  /** Under `properties`. */
  properties: [
    'provisioningState',
    'powerState',
    'maxAgentPools',
    'currentKubernetesVersion',
    'fqdn',
    'privateFQDN',
    'azurePortalFQDN',
    'resourceUID',
    'status',
  ],
  /** On each entry of `properties.agentPoolProfiles` (az keeps `powerState`, which is writable there). */
  agentPoolProfile: ['provisioningState', 'currentOrchestratorVersion', 'nodeImageVersion', 'eTag'],
  /** Under `identity`; `userAssignedIdentities` values are reduced to `{}` for the same reason. */
  identity: ['principalId', 'tenantId'],
  /** Under `properties.oidcIssuerProfile`. */
  oidcIssuerProfile: ['issuerURL'],
} as const;

function without(source: JsonObject, keys: readonly string[]): JsonObject {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(source)) if (!keys.includes(key)) copy[key] = value;
  return copy;
}

/** A deep copy of JSON-like data; Dates become ISO strings, undefined values are dropped. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Merges `patch` into `target` recursively: objects merge, everything else (arrays and null included) replaces. Pure.
 * Composes two merge patches into one (a `null` stays, to remove the member when the result is applied).
 */
export function deepMerge(target: JsonObject, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    merged[key] = isObject(value) && isObject(current) ? deepMerge(current, value) : cloneJson(value);
  }
  return merged;
}

/**
 * Applies a JSON merge patch (RFC 7386) to a document: objects merge, `null` removes the member, everything else
 * (arrays included) replaces. Pure. This is how a cluster step's `clusterPatch` becomes the PUT body.
 */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    if (value === null) delete merged[key];
    else merged[key] = isObject(value) ? mergePatch(isObject(current) ? current : {}, value) : cloneJson(value);
  }
  return merged;
}

/** The cluster body minus every field in READ_ONLY_CLUSTER_FIELDS. */
export function stripReadOnlyClusterFields(body: JsonObject): JsonObject {
  const stripped = without(cloneJson(body), READ_ONLY_CLUSTER_FIELDS.resource);
  if (isObject(stripped.identity)) {
    const identity = without(stripped.identity, READ_ONLY_CLUSTER_FIELDS.identity);
    if (isObject(identity.userAssignedIdentities)) {
      identity.userAssignedIdentities = Object.fromEntries(Object.keys(identity.userAssignedIdentities).map((key) => [key, {}]));
    }
    stripped.identity = identity;
  }
  if (isObject(stripped.properties)) {
    const properties = without(stripped.properties, READ_ONLY_CLUSTER_FIELDS.properties);
    if (Array.isArray(properties.agentPoolProfiles)) {
      const pools: unknown[] = properties.agentPoolProfiles;
      properties.agentPoolProfiles = pools.map((pool) => (isObject(pool) ? without(pool, READ_ONLY_CLUSTER_FIELDS.agentPoolProfile) : pool));
    }
    if (isObject(properties.oidcIssuerProfile)) {
      properties.oidcIssuerProfile = without(properties.oidcIssuerProfile, READ_ONLY_CLUSTER_FIELDS.oidcIssuerProfile);
    }
    stripped.properties = properties;
  }
  return stripped;
}

/**
 * The body of a cluster PUT: `clusterBody` (REST shape, as read) without read-only fields, with `change` applied as a
 * merge patch (a `null` member is left out of the body). The ARM adapter calls it on a freshly read cluster with a plan
 * step's `clusterPatch`.
 */
export function clusterPutBody(clusterBody: JsonObject, change: JsonObject): JsonObject {
  return mergePatch(stripReadOnlyClusterFields(clusterBody), change);
}

// Keys that the SDK models and `az ... -o json` spell differently from the REST wire format (acronyms such as
// FQDN, RBAC, IP, ID). Matched case-insensitively; the value is the REST spelling.
const REST_SPELLINGS = [
  'adminGroupObjectIDs', 'authorizedIPRanges', 'azurePortalFQDN', 'blobCSIDriver', 'capacityReservationGroupID',
  'clientAppID', 'containerLogMaxSizeMB', 'countIPv6', 'customCATrustCertificates', 'diskCSIDriver',
  'diskEncryptionSetID', 'dnsServiceIP', 'effectiveOutboundIPs', 'enableAzureRBAC', 'enableCSIProxy', 'enableFIPS',
  'enableNodePublicIP', 'enablePrivateClusterPublicFQDN', 'enableRBAC', 'enableUltraSSD', 'enableVTPM', 'fileCSIDriver',
  'gatewayAPI', 'gatewayAPIImplementations', 'hostGroupID', 'issuerURL', 'kubeDNSOverrides', 'linuxOSConfig',
  'localDNSProfile', 'managedOutboundIPProfile', 'managedOutboundIPs', 'nodeOSUpgradeChannel', 'nodePublicIPPrefixID',
  'nodePublicIPTags', 'nodeSubnetID', 'nonResourceURLs', 'osDiskSizeGB', 'osSKU', 'outboundIPPrefixes', 'outboundIPs',
  'podIPAllocationMode', 'podSubnetID', 'privateDNSZone', 'privateFQDN', 'privateLinkServiceID',
  'proximityPlacementGroupID', 'publicIPPrefixSize', 'publicIPPrefixes', 'publicIPs', 'resourceUID', 'serverAppID',
  'swapFileSizeMB', 'systemNodeSubnetID', 'vnetDNSOverrides', 'vnetSubnetID',
];
const REST_SPELLING = new Map(REST_SPELLINGS.map((name) => [name.toLowerCase(), name]));
/** `tenantID` is spelled so only in aadProfile; `identity.tenantId` keeps its lower-case d. */
const AAD_SPELLING = new Map([['tenantid', 'tenantID']]);
/** Objects whose keys are data (tag names, addon names, identity ids), never renamed. */
const MAP_KEYS = new Set(['tags', 'nodelabels', 'config', 'userassignedidentities', 'addonprofiles', 'identityprofile', 'delegatedresources', 'configurationsettings']);
/** Top-level keys of the REST resource; everything else in a flattened body lives under `properties`. */
const RESOURCE_KEYS = new Set(['id', 'name', 'type', 'location', 'tags', 'sku', 'identity', 'extendedLocation', 'kind', 'eTag', 'etag', 'systemData', 'plan', 'properties']);
/** Added by `az` (derived from the id), not part of the resource. */
const AZ_ONLY_KEYS = new Set(['resourceGroup']);

function toRestSpelling(value: unknown, parentKey: string): unknown {
  if (Array.isArray(value)) return value.map((item) => toRestSpelling(item, parentKey));
  if (value instanceof Date) return value.toISOString();
  if (!isObject(value)) return value;
  const isMap = MAP_KEYS.has(parentKey.toLowerCase());
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null || child === undefined) continue;
    const lower = key.toLowerCase();
    const restKey = isMap ? key : ((parentKey.toLowerCase() === 'aadprofile' ? AAD_SPELLING.get(lower) : undefined) ?? REST_SPELLING.get(lower) ?? key);
    // Map values (e.g. an addon profile) are objects with a schema again, so spelling applies inside them.
    result[restKey] = toRestSpelling(child, isMap ? '' : key);
  }
  return result;
}

/**
 * The cluster in REST shape. A REST body (settings under `properties`) is returned as a copy; the flattened shape of
 * `@azure/arm-containerservice` and `az aks show -o json` is folded back under `properties` with REST spellings.
 */
export function toRestClusterBody(cluster: JsonObject): JsonObject {
  if (isObject(cluster.properties)) return cloneJson(cluster);
  const resource: JsonObject = {};
  const properties: JsonObject = {};
  for (const [key, value] of Object.entries(cluster)) {
    if (value === null || value === undefined || AZ_ONLY_KEYS.has(key)) continue;
    if (RESOURCE_KEYS.has(key)) resource[key] = key === 'identity' ? toRestSpelling(value, 'identity') : cloneJson(value);
    else properties[REST_SPELLING.get(key.toLowerCase()) ?? key] = toRestSpelling(value, key);
  }
  return { ...resource, properties };
}
