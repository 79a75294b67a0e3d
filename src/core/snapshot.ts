// Turns a managed cluster and its extensions, in any of the shapes we meet, into a ClusterSnapshot. This is the edge:
// past it, the engine trusts the types. Problems are reported as `path: what is wrong`.
import { CLUSTER_RESOURCE_TYPE, clusterIdOf, extensionId, normalizeLocation, parseResourceId, sameResourceId } from './resource-ids.js';
import { isObject, toRestClusterBody, type JsonObject } from './cluster-body.js';
import { InvalidInputError } from './errors.js';
import { valueDepthProblem } from './limits.js';
import { POWER_STATES, type ClusterSnapshot, type ExtensionManagementDetails, type ExtensionScope, type ExtensionSnapshot, type MarketplacePlan } from './types.js';

/** Keys that only a managed cluster has; an object with none of them is some other document. */
const CLUSTER_MARKERS = ['properties', 'kubernetesVersion', 'agentPoolProfiles', 'dnsPrefix', 'fqdn', 'nodeResourceGroup', 'servicePrincipalProfile', 'identity'];

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Reads typed values out of untrusted JSON and collects problems instead of throwing on the first. */
class Reader {
  readonly problems: string[] = [];

  constructor(private readonly prefix: string) {}

  private path(path: string): string {
    return this.prefix ? (path ? `${this.prefix}.${path}` : this.prefix) : path;
  }

  /**
   * The value at `path`. An object on the way that is of another type is a problem (`properties.securityProfile: must
   * be an object, got "on"`), reported once: read as absent, it would make a rule see "off" and report Compliant.
   */
  private lookup(source: JsonObject, path: string): unknown {
    let current: unknown = source;
    const keys = path.split('.');
    for (const [index, key] of keys.entries()) {
      if (current === undefined || current === null) return undefined;
      if (!isObject(current)) {
        this.notAnObject(keys.slice(0, index).join('.'), current);
        return undefined;
      }
      current = current[key];
    }
    return current;
  }

  private readonly reported = new Set<string>();

  private notAnObject(path: string, value: unknown): void {
    if (this.reported.has(path)) return;
    this.reported.add(path);
    this.problem(path, `must be an object, got ${describe(value)}`);
  }

  problem(path: string, message: string): void {
    this.problems.push(`${this.path(path)}: ${message}`);
  }

  string(source: JsonObject, path: string): string | undefined {
    const value = this.lookup(source, path);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      this.problem(path, `must be a string, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  boolean(source: JsonObject, path: string): boolean | undefined {
    const value = this.lookup(source, path);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.problem(path, `must be true or false, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  stringMap(source: JsonObject, path: string): Record<string, string> {
    const value = this.lookup(source, path);
    if (value === undefined || value === null) return {};
    if (!isObject(value)) {
      this.problem(path, `must be an object of strings, got ${describe(value)}`);
      return {};
    }
    const map: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string') map[key] = item;
      else if (item !== null && item !== undefined) this.problem(`${path}.${key}`, `must be a string, got ${describe(item)}`);
    }
    return map;
  }

  object(source: JsonObject, path: string): JsonObject | undefined {
    const value = this.lookup(source, path);
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) {
      this.notAnObject(path, value);
      return undefined;
    }
    return value;
  }

  /** A list, checked for its type only (its entries are read by whoever needs them). */
  array(source: JsonObject, path: string, of: string): unknown[] {
    const value = this.lookup(source, path);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(path, `must be an array of ${of}, got ${describe(value)}`);
      return [];
    }
    return value;
  }
}

/**
 * Parses a managed cluster: the ARM REST body (settings under `properties`) or the flattened shape of
 * `@azure/arm-containerservice` / `az aks show -o json`. The snapshot has no extensions; see `withExtensions`.
 * Throws InvalidInputError listing every problem.
 */
export function parseCluster(input: unknown): ClusterSnapshot {
  const tooDeep = valueDepthProblem(input);
  if (tooDeep) throw new InvalidInputError(tooDeep);
  if (!isObject(input) || !CLUSTER_MARKERS.some((key) => key in input)) {
    throw new InvalidInputError(
      `is not a managed cluster: expected the JSON body of GET .../${CLUSTER_RESOURCE_TYPE}/<name> or the output of az aks show -o json, got ${describe(input)}${isObject(input) && Array.isArray(input.value) ? ' with a "value" list' : ''}`,
    );
  }
  const reader = new Reader('');
  const type = reader.string(input, 'type');
  if (type !== undefined && type.toLowerCase() !== CLUSTER_RESOURCE_TYPE.toLowerCase()) {
    reader.problem('type', `is "${type}", not ${CLUSTER_RESOURCE_TYPE}`);
  }
  const rawId = reader.string(input, 'id');
  let id: ReturnType<typeof parseResourceId> | undefined;
  if (rawId === undefined) {
    if (!reader.problems.some((p) => p.startsWith('id:'))) reader.problem('id', 'is missing: the managed cluster resource id is required');
  } else {
    try {
      clusterIdOf(rawId);
      id = parseResourceId(rawId);
      if (id.resources.length !== 1) reader.problem('id', `"${rawId}" is the id of something inside a cluster, not of the cluster`);
    } catch (error) {
      reader.problem('id', error instanceof InvalidInputError ? error.message : String(error));
    }
  }
  const location = reader.string(input, 'location');
  if (location === undefined && !reader.problems.some((p) => p.startsWith('location:'))) reader.problem('location', 'is missing');

  // Checked on the input: a `properties` that is not an object would otherwise be taken for the flattened shape.
  reader.object(input, 'properties');
  reader.object(input, 'identity');
  const body = toRestClusterBody(input);
  const props = reader.object(body, 'properties') ?? {};
  const p = new Reader('properties');
  const snapshot: ClusterSnapshot = {
    id: rawId ?? '',
    subscriptionId: id?.subscriptionId ?? '',
    resourceGroup: id?.resourceGroup ?? '',
    name: id?.resources[0]?.name ?? '',
    location: normalizeLocation(location ?? ''),
    tags: reader.stringMap(input, 'tags'),
    podIdentityEnabled: p.boolean(props, 'podIdentityProfile.enabled') === true,
    oidcIssuerEnabled: p.boolean(props, 'oidcIssuerProfile.enabled') === true,
    workloadIdentityEnabled: p.boolean(props, 'securityProfile.workloadIdentity.enabled') === true,
    extensions: [],
    body,
  };
  // The running version is the precise one; `kubernetesVersion` may be an alias such as "1.27".
  const version = p.string(props, 'currentKubernetesVersion') ?? p.string(props, 'kubernetesVersion');
  if (version) snapshot.kubernetesVersion = version;
  const provisioningState = p.string(props, 'provisioningState');
  if (provisioningState) snapshot.provisioningState = provisioningState;
  // The flattened shape has powerState at the top; toRestClusterBody has moved it under properties.
  const powerState = p.string(props, 'powerState.code');
  if (powerState) {
    const known = POWER_STATES.find((state) => state.toLowerCase() === powerState.toLowerCase());
    if (known) snapshot.powerState = known;
    else p.problem('powerState.code', `must be ${POWER_STATES.join(' or ')}, got "${powerState}"`);
  }
  const eTag = reader.string(body, 'eTag') ?? reader.string(body, 'etag');
  if (eTag) snapshot.eTag = eTag;
  const identityType = reader.string(body, 'identity.type');
  if (identityType) snapshot.identityType = identityType;
  const clientId = p.string(props, 'servicePrincipalProfile.clientId');
  if (clientId) snapshot.servicePrincipalClientId = clientId;
  // What disabling pod identity lists as removed (no-pod-identity reads them from the body).
  p.array(props, 'podIdentityProfile.userAssignedIdentities', 'pod identities');
  p.array(props, 'podIdentityProfile.userAssignedIdentityExceptions', 'pod identity exceptions');

  const problems = [...reader.problems, ...p.problems];
  if (problems.length > 0) throw new InvalidInputError(problems);
  return snapshot;
}

function parseScope(reader: Reader, item: JsonObject, path: string): ExtensionScope | undefined {
  const scope = reader.object(item, path);
  if (!scope) return undefined;
  const result: ExtensionScope = {};
  if (reader.object(item, `${path}.cluster`)) {
    const releaseNamespace = reader.string(item, `${path}.cluster.releaseNamespace`);
    result.cluster = releaseNamespace ? { releaseNamespace } : {};
  }
  if (reader.object(item, `${path}.namespace`)) {
    const targetNamespace = reader.string(item, `${path}.namespace.targetNamespace`);
    result.namespace = targetNamespace ? { targetNamespace } : {};
  }
  return result.cluster || result.namespace ? result : undefined;
}

/** `plan`: all three ids, or a problem naming the missing ones. */
function parsePlan(reader: Reader, item: JsonObject): MarketplacePlan | undefined {
  if (!reader.object(item, 'plan')) return undefined;
  const ids = { name: reader.string(item, 'plan.name'), product: reader.string(item, 'plan.product'), publisher: reader.string(item, 'plan.publisher') };
  const missing = Object.entries(ids).filter(([, value]) => !value).map(([key]) => key);
  if (missing.length > 0) {
    reader.problem('plan', `must have name, product and publisher; ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
    return undefined;
  }
  return ids as MarketplacePlan;
}

function parseManagementDetails(reader: Reader, item: JsonObject, path: string): ExtensionManagementDetails | undefined {
  const details = reader.object(item, path);
  if (!details) return undefined;
  const result: ExtensionManagementDetails = { accessDetails: [] };
  const category = reader.string(item, `${path}.category`);
  if (category) result.category = category;
  const access = details.accessDetails;
  if (access !== undefined && access !== null && !Array.isArray(access)) reader.problem(`${path}.accessDetails`, `must be an array, got ${describe(access)}`);
  (Array.isArray(access) ? access : []).forEach((entry: unknown, i) => {
    const at = `${path}.accessDetails[${i}]`;
    if (!isObject(entry)) {
      reader.problem(at, `must be an object, got ${describe(entry)}`);
      return;
    }
    const actions = entry.allowedActions;
    if (actions !== undefined && actions !== null && !Array.isArray(actions)) reader.problem(`${at}.allowedActions`, `must be an array of strings, got ${describe(actions)}`);
    const allowed = Array.isArray(actions) ? actions.filter((action): action is string => typeof action === 'string') : [];
    const parsed: ExtensionManagementDetails['accessDetails'][number] = { allowedActions: allowed };
    if (typeof entry.entity === 'string') parsed.entity = entry.entity;
    if (typeof entry.description === 'string') parsed.description = entry.description;
    result.accessDetails.push(parsed);
  });
  return result;
}

/** One extension, REST shape (`properties`) or flattened (SDK, az). Protected settings are never read. */
function parseExtension(item: unknown, path: string, problems: string[]): ExtensionSnapshot | undefined {
  if (!isObject(item)) {
    problems.push(`${path}: must be an extension resource object, got ${describe(item)}`);
    return undefined;
  }
  const reader = new Reader(path);
  if (item.properties !== undefined && item.properties !== null && !isObject(item.properties)) {
    problems.push(`${path}.properties: must be an object, got ${describe(item.properties)}`);
    return undefined;
  }
  const propsPath = isObject(item.properties) ? 'properties.' : '';
  const name = reader.string(item, 'name');
  const extensionType = reader.string(item, `${propsPath}extensionType`);
  if (item.name === undefined || item.name === null || item.name === '') reader.problem('name', 'is missing');
  const rawType = propsPath ? (item.properties as JsonObject).extensionType : item.extensionType;
  if (rawType === undefined || rawType === null || rawType === '') reader.problem(`${propsPath}extensionType`, 'is missing');
  const extension: ExtensionSnapshot = {
    id: reader.string(item, 'id') ?? '',
    name: name ?? '',
    extensionType: extensionType ?? '',
    configurationSettings: reader.stringMap(item, `${propsPath}configurationSettings`),
  };
  const releaseTrain = reader.string(item, `${propsPath}releaseTrain`);
  if (releaseTrain) extension.releaseTrain = releaseTrain;
  const version = reader.string(item, `${propsPath}version`);
  if (version) extension.version = version;
  const currentVersion = reader.string(item, `${propsPath}currentVersion`);
  if (currentVersion) extension.currentVersion = currentVersion;
  const autoUpgrade = reader.boolean(item, `${propsPath}autoUpgradeMinorVersion`);
  if (autoUpgrade !== undefined) extension.autoUpgradeMinorVersion = autoUpgrade;
  const provisioningState = reader.string(item, `${propsPath}provisioningState`);
  if (provisioningState) extension.provisioningState = provisioningState;
  const scope = parseScope(reader, item, `${propsPath}scope`);
  if (scope) extension.scope = scope;
  // Top-level in both shapes: managedBy and plan are siblings of properties.
  const managedBy = reader.string(item, 'managedBy');
  if (managedBy) extension.managedBy = managedBy;
  const managementDetails = parseManagementDetails(reader, item, `${propsPath}managementDetails`);
  if (managementDetails) extension.managementDetails = managementDetails;
  const plan = parsePlan(reader, item);
  if (plan) extension.plan = plan;
  problems.push(...reader.problems);
  return reader.problems.length === 0 ? extension : undefined;
}

/**
 * Parses cluster extensions from a REST list (`{"value": [...]}`), a plain array of extension resources, or the
 * output of `az k8s-extension list -o json` (flattened items). A single extension resource is accepted too.
 */
export function parseExtensions(input: unknown): ExtensionSnapshot[] {
  const tooDeep = valueDepthProblem(input);
  if (tooDeep) throw new InvalidInputError(tooDeep);
  let items: unknown[];
  let prefix: string;
  if (Array.isArray(input)) {
    items = input;
    prefix = '';
  } else if (isObject(input) && Array.isArray(input.value)) {
    items = input.value;
    prefix = 'value';
  } else if (isObject(input) && (typeof input.extensionType === 'string' || (isObject(input.properties) && 'extensionType' in input.properties))) {
    items = [input];
    prefix = '';
  } else {
    throw new InvalidInputError(
      `is not a list of cluster extensions: expected {"value": [...]}, an array of extension resources, or az k8s-extension list -o json output, got ${describe(input)}`,
    );
  }
  const problems: string[] = [];
  const extensions: ExtensionSnapshot[] = [];
  items.forEach((item, index) => {
    const extension = parseExtension(item, `${prefix}[${index}]`, problems);
    if (extension) extensions.push(extension);
  });
  if (problems.length > 0) throw new InvalidInputError(problems);
  return extensions;
}

/**
 * The snapshot with its extensions attached. Extensions without an id get the one ARM would give them; an extension
 * whose id points at another cluster is an error (a mixed-up file), reported with its position in the list.
 */
export function withExtensions(cluster: ClusterSnapshot, extensions: readonly ExtensionSnapshot[]): ClusterSnapshot {
  const problems: string[] = [];
  const attached = extensions.map((extension, index) => {
    if (!extension.id) return { ...extension, id: extensionId(cluster.id, extension.name) };
    let owner: string;
    try {
      owner = clusterIdOf(extension.id);
    } catch (error) {
      problems.push(`extensions[${index}].id: ${error instanceof Error ? error.message : String(error)}`);
      return extension;
    }
    if (!sameResourceId(owner, cluster.id)) problems.push(`extensions[${index}].id: extension "${extension.name}" belongs to cluster ${owner}, not ${cluster.id}`);
    return extension;
  });
  if (problems.length > 0) throw new InvalidInputError(problems);
  return { ...cluster, extensions: attached };
}

/** parseCluster + parseExtensions + withExtensions in one call, for callers that do not need to tell the sources apart. */
export function toClusterSnapshot(cluster: unknown, extensions?: unknown): ClusterSnapshot {
  const snapshot = parseCluster(cluster);
  return extensions === undefined ? snapshot : withExtensions(snapshot, parseExtensions(extensions));
}
