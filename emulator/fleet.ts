// A deterministic fleet: N clusters over M subscriptions, each given a seeded mix of the drifts the
// baseline looks for. The same options and seed give the same fleet, byte for byte.
import { clusterTemplate } from './cluster-template.js';
import { azureContainerStorageV2 } from '../src/core/extension-types/azure-container-storage-v2.js';
import { flux } from '../src/core/extension-types/flux.js';
import { CLUSTER_RESOURCE_TYPE, EXTENSION_RESOURCE_TYPE, extensionId, formatClusterId } from '../src/core/resource-ids.js';
import { defaultReleaseNamespace } from './extensions.js';
import { MAINTENANCE_CONFIGURATION_TYPE } from './maintenance.js';
import { KUBERNETES_CONFIGURATION_NAMESPACE } from './providers.js';
import { type Random, pick, randomHex, randomInt, seededGuid, seededRandom } from './random.js';
import type { ArmObject } from './store.js';
import { EMULATOR_TENANT_ID } from './tokens.js';

/** Probability (0..1) that a generated cluster gets each drift; draws are independent. */
export interface DriftMix {
  /** No managed identity: `servicePrincipalProfile.clientId` is an app id and there is no `identity`. */
  servicePrincipal: number;
  /** `podIdentityProfile.enabled: true` (AAD pod identity, deprecated). */
  podIdentity: number;
  /** `oidcIssuerProfile.enabled: false`, which also leaves workload identity off. */
  noOidcIssuer: number;
  /** OIDC issuer on but `securityProfile.workloadIdentity.enabled: false`. */
  noWorkloadIdentity: number;
  /** One baseline extension is not installed. */
  missingExtension: number;
  /** One baseline extension is installed but `provisioningState: Failed`. */
  extensionFailed: number;
  /** One baseline extension follows the `Preview` release train instead of its baseline train. */
  extensionWrongReleaseTrain: number;
  /** One baseline extension has minor-version auto-upgrade off and is pinned to an old version. */
  extensionPinnedVersion: number;
  /** The cluster is `Updating`: writes get 409 until the operation finishes. */
  updating: number;
  /** The cluster sits in a region from UNSUPPORTED_REGIONS. */
  unsupportedRegion: number;
  /** `kubernetesVersion` is one of OLD_KUBERNETES_VERSIONS. */
  oldKubernetes: number;
  /** Tagged `aks-baseline-guard: exempt`. */
  exempt: number;
  // The kinds below default to 0 and draw from their own random streams, so turning them on changes nothing else.
  /** `powerState.code: Stopped` (cluster and node pools): writes get 409 until it is started. */
  stopped: number;
  /** `provisioningState: Failed` (not with `updating`): a PUT reconciles it. */
  failed: number;
  /** One installed baseline extension is managed by AKS (managedBy, managementDetails) and on a release train the baseline does not want. */
  aksManagedExtension: number;
  /** Per subscription: not registered for Microsoft.KubernetesConfiguration (each of its clusters is labelled). */
  unregisteredProvider: number;
  /** Planned maintenance configurations: a weekly aksManagedAutoUpgradeSchedule, sometimes a `default` too. */
  withMaintenanceWindow: number;
  /** Azure Container Storage v2 installed as `acstor` in kube-system, as `az aks update --enable-azure-container-storage` does. */
  acsV2: number;
}

export const DEFAULT_DRIFT_MIX: DriftMix = {
  servicePrincipal: 0.1,
  podIdentity: 0.05,
  noOidcIssuer: 0.08,
  noWorkloadIdentity: 0.1,
  missingExtension: 0.1,
  extensionFailed: 0.04,
  extensionWrongReleaseTrain: 0.04,
  extensionPinnedVersion: 0.03,
  updating: 0.02,
  unsupportedRegion: 0.02,
  oldKubernetes: 0.05,
  exempt: 0.02,
  stopped: 0,
  failed: 0,
  aksManagedExtension: 0,
  unregisteredProvider: 0,
  withMaintenanceWindow: 0,
  acsV2: 0,
};

/** The drift labels a generated cluster lists; extension drifts carry the extension name (`missing-extension:flux`). */
export const DRIFT_LABELS = {
  servicePrincipal: 'service-principal',
  podIdentity: 'pod-identity',
  noOidcIssuer: 'no-oidc-issuer',
  noWorkloadIdentity: 'no-workload-identity',
  missingExtension: 'missing-extension',
  extensionFailed: 'extension-failed',
  extensionWrongReleaseTrain: 'extension-wrong-release-train',
  extensionPinnedVersion: 'extension-pinned-version',
  updating: 'updating',
  unsupportedRegion: 'unsupported-region',
  oldKubernetes: 'old-kubernetes',
  exempt: 'exempt',
  stopped: 'stopped',
  failed: 'failed',
  aksManagedExtension: 'aks-managed-extension',
  unregisteredProvider: 'unregistered-provider',
  withMaintenanceWindow: 'with-maintenance-window',
  acsV2: 'acs-v2',
} as const satisfies Record<keyof DriftMix, string>;

export const EXEMPT_TAG = { name: 'aks-baseline-guard', value: 'exempt' } as const;

export const SUPPORTED_REGIONS = [
  'eastus', 'eastus2', 'westus2', 'westus3', 'centralus', 'canadacentral', 'northeurope', 'westeurope',
  'uksouth', 'francecentral', 'germanywestcentral', 'swedencentral', 'australiaeast', 'japaneast', 'southeastasia',
] as const;
/** Real public regions where several AKS extensions are not offered. */
export const UNSUPPORTED_REGIONS = ['jioindiacentral', 'jioindiawest', 'brazilsoutheast', 'westindia'] as const;
export const CURRENT_KUBERNETES_VERSIONS = ['1.31.8', '1.32.5', '1.33.2'] as const;
export const OLD_KUBERNETES_VERSIONS = ['1.27.9', '1.28.15', '1.29.13'] as const;

export interface FleetExtension {
  name: string;
  extensionType: string;
  releaseTrain: string;
  /** The version an auto-upgrading install reports as `currentVersion`. */
  currentVersion: string;
  /** The old version the `extensionPinnedVersion` drift pins. */
  pinnedVersion: string;
  /** Default: the cataloged type's default release namespace, else the extension's name. */
  releaseNamespace?: string;
  configurationSettings?: Record<string, string>;
}

export const FLUX_EXTENSION: FleetExtension = {
  name: 'flux',
  extensionType: flux.extensionType,
  releaseTrain: 'Stable',
  currentVersion: '1.15.1',
  pinnedVersion: '1.8.3',
};

/** What the `acsV2` kind installs: the CLI's v2 defaults (Azure CLI acs module `_consts.py`, `acstor_ops.py`). */
export const ACS_V2_EXTENSION: FleetExtension = {
  name: azureContainerStorageV2.defaultExtensionName ?? 'acstor',
  extensionType: azureContainerStorageV2.extensionType,
  releaseTrain: 'stable',
  currentVersion: '2.0.1',
  pinnedVersion: '2.0.1',
  releaseNamespace: azureContainerStorageV2.defaultReleaseNamespace,
};

export interface FleetOptions {
  clusters: number;
  subscriptions: number;
  seed: number;
  drift?: Partial<DriftMix>;
  /** Extensions every healthy cluster has; default: Flux only. Extension drifts pick one of these. */
  extensionsBaseline?: FleetExtension[];
}

export interface GeneratedSubscription {
  subscriptionId: string;
  displayName: string;
  /** Resource provider namespaces this subscription is not registered for (the emulator seeds them NotRegistered). */
  unregisteredProviders: string[];
}

export interface GeneratedCluster {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  /** What this cluster was given, e.g. ['service-principal', 'missing-extension:flux']; empty = compliant. */
  drift: string[];
  /** The managed cluster in REST shape. */
  body: ArmObject;
  /** Its extensions in REST shape. */
  extensions: ArmObject[];
  /** Its planned maintenance configurations in REST shape (the `withMaintenanceWindow` kind). */
  maintenanceConfigurations: ArmObject[];
}

export interface GeneratedFleet {
  subscriptions: GeneratedSubscription[];
  clusters: GeneratedCluster[];
  /** How many clusters carry each drift label (extension drifts counted per label with extension name). */
  driftCounts: Record<string, number>;
}

const TEAMS = ['payments', 'checkout', 'search', 'identity', 'data', 'ml', 'platform', 'web', 'mobile', 'analytics', 'billing', 'catalog', 'ingest', 'notify', 'risk'];
const ENVIRONMENTS = ['prod', 'staging', 'dev', 'qa'];
const OWNERS = ['alex.kim', 'sam.patel', 'jo.meyer', 'li.wang', 'maria.garcia', 'tom.berg'];
const REGION_SHORT: Record<string, string> = {
  eastus: 'eus', eastus2: 'eus2', westus2: 'wus2', westus3: 'wus3', centralus: 'cus', canadacentral: 'cac', northeurope: 'neu',
  westeurope: 'weu', uksouth: 'uks', francecentral: 'frc', germanywestcentral: 'gwc', swedencentral: 'sec', australiaeast: 'aue',
  japaneast: 'jpe', southeastasia: 'sea', jioindiacentral: 'jic', jioindiawest: 'jiw', brazilsoutheast: 'brse', westindia: 'win',
};
const BASE_TIME = Date.UTC(2025, 0, 6);

function validate(options: FleetOptions): DriftMix {
  const integer = (value: unknown, name: string, min: number): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`fleet.${name} must be an integer >= ${min} (got ${String(value)})`);
  };
  integer(options.clusters, 'clusters', 0);
  integer(options.subscriptions, 'subscriptions', 1);
  integer(options.seed, 'seed', Number.MIN_SAFE_INTEGER);
  const mix = { ...DEFAULT_DRIFT_MIX };
  for (const [name, value] of Object.entries(options.drift ?? {})) {
    if (!(name in DEFAULT_DRIFT_MIX)) throw new Error(`fleet.drift.${name} is not a drift kind (known: ${Object.keys(DEFAULT_DRIFT_MIX).join(', ')})`);
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`fleet.drift.${name} must be a probability between 0 and 1 (got ${String(value)})`);
    mix[name as keyof DriftMix] = value;
  }
  const names = new Set<string>();
  for (const extension of options.extensionsBaseline ?? []) {
    if (!extension.name || !extension.extensionType) throw new Error('fleet.extensionsBaseline entries need a name and an extensionType');
    if (names.has(extension.name.toLowerCase())) throw new Error(`fleet.extensionsBaseline names '${extension.name}' twice`);
    names.add(extension.name.toLowerCase());
  }
  return mix;
}

export function generateFleet(options: FleetOptions): GeneratedFleet {
  const mix = validate(options);
  const baseline = options.extensionsBaseline ?? [FLUX_EXTENSION];
  // Separate streams: the subscription ids do not change when the cluster count does.
  const subscriptionRandom = seededRandom(options.seed ^ 0x51b5c41);
  const random = seededRandom(options.seed);
  // The newer kinds draw from streams of their own (and not at all at probability 0): fleets made before them stay
  // byte for byte the same.
  const laterSubscriptionRandom = seededRandom(options.seed ^ 0x2c9e7a1);
  const laterRandom = seededRandom(options.seed ^ 0x6b3d05f);
  const template = JSON.stringify(clusterTemplate());

  const subscriptions: GeneratedSubscription[] = [];
  for (let index = 0; index < options.subscriptions; index += 1) {
    subscriptions.push({ subscriptionId: seededGuid(subscriptionRandom), displayName: `${pick(subscriptionRandom, TEAMS)}-${index + 1}`, unregisteredProviders: [] });
  }
  for (const subscription of subscriptions) {
    if (mix.unregisteredProvider > 0 && laterSubscriptionRandom() < mix.unregisteredProvider) subscription.unregisteredProviders.push(KUBERNETES_CONFIGURATION_NAMESPACE);
  }
  const perSubscription = Math.ceil(options.clusters / options.subscriptions);
  const groupsPerSubscription = Math.min(8, Math.max(2, Math.ceil(perSubscription / 20)));
  const groups = subscriptions.map((subscription) => {
    const names = new Set<string>();
    while (names.size < groupsPerSubscription) names.add(`rg-${pick(subscriptionRandom, TEAMS)}-${pick(subscriptionRandom, ENVIRONMENTS)}`);
    return [...names].map((name) => ({ subscription, name, clusterCount: 0 }));
  });

  const clusters: GeneratedCluster[] = [];
  const driftCounts: Record<string, number> = {};
  for (let index = 0; index < options.clusters; index += 1) {
    const group = pick(random, groups[index % subscriptions.length] ?? []);
    group.clusterCount += 1;
    const cluster = generateCluster({ random, later: laterRandom }, mix, baseline, template, group.subscription, group.name, group.clusterCount);
    for (const label of cluster.drift) driftCounts[label] = (driftCounts[label] ?? 0) + 1;
    clusters.push(cluster);
  }
  return { subscriptions, clusters, driftCounts };
}

const LATER_KINDS = new Set<keyof DriftMix>(['stopped', 'failed', 'aksManagedExtension', 'unregisteredProvider', 'withMaintenanceWindow', 'acsV2']);

function generateCluster(
  streams: { random: Random; later: Random },
  mix: DriftMix,
  baseline: FleetExtension[],
  template: string,
  subscription: GeneratedSubscription,
  resourceGroup: string,
  ordinal: number,
): GeneratedCluster {
  const { random, later } = streams;
  const subscriptionId = subscription.subscriptionId;
  const has = (kind: keyof DriftMix): boolean => {
    if (!LATER_KINDS.has(kind)) return random() < mix[kind];
    return mix[kind] > 0 && later() < mix[kind];
  };
  const drift: string[] = [];
  const note = (kind: keyof DriftMix, extension?: string): void => {
    drift.push(extension ? `${DRIFT_LABELS[kind]}:${extension}` : DRIFT_LABELS[kind]);
  };

  const [, team = 'platform', environment = 'dev'] = resourceGroup.split('-');
  const unsupportedRegion = has('unsupportedRegion');
  const location = unsupportedRegion ? pick(random, UNSUPPORTED_REGIONS) : pick(random, SUPPORTED_REGIONS);
  const name = `aks-${team}-${environment}-${REGION_SHORT[location] ?? location}-${String(ordinal).padStart(2, '0')}`;
  const id = formatClusterId({ subscriptionId, resourceGroup, name });
  const nodeResourceGroup = `MC_${resourceGroup}_${name}_${location}`;
  const oldKubernetes = has('oldKubernetes');
  const kubernetesVersion = oldKubernetes ? pick(random, OLD_KUBERNETES_VERSIONS) : pick(random, CURRENT_KUBERNETES_VERSIONS);

  // The fixture names its subscription, group, cluster and region; retarget them all at once.
  const body = JSON.parse(
    template
      .replaceAll('00000000-0000-0000-0000-000000000000', subscriptionId)
      .replaceAll('MC_rg1_clustername1_location1', nodeResourceGroup)
      .replaceAll('MC_rg1', nodeResourceGroup)
      .replaceAll('/resourceGroups/rg1/', `/resourceGroups/${resourceGroup}/`)
      .replaceAll('clustername1', name)
      .replaceAll('dnsprefix1', `${name}-dns`)
      .replaceAll('location1', location)
      .replaceAll('.eastus.', `.${location}.`)
      .replaceAll('abcd1234', randomHex(random, 8)),
  ) as ArmObject;
  const properties = body['properties'] as ArmObject;
  body['type'] = CLUSTER_RESOURCE_TYPE;
  body['eTag'] = seededGuid(random);
  body['tags'] = {
    environment,
    team,
    costCenter: `cc-${randomInt(random, 1000, 9999)}`,
    owner: `${pick(random, OWNERS)}@contoso.com`,
  };
  properties['kubernetesVersion'] = kubernetesVersion;
  properties['currentKubernetesVersion'] = kubernetesVersion;
  properties['enableRBAC'] = true;
  for (const pool of (properties['agentPoolProfiles'] as ArmObject[] | undefined) ?? []) {
    pool['orchestratorVersion'] = kubernetesVersion;
    pool['currentOrchestratorVersion'] = kubernetesVersion;
    pool['eTag'] = seededGuid(random);
  }

  if (has('servicePrincipal')) {
    note('servicePrincipal');
    properties['servicePrincipalProfile'] = { clientId: seededGuid(random) };
  } else {
    body['identity'] = { type: 'SystemAssigned', principalId: seededGuid(random), tenantId: EMULATOR_TENANT_ID };
    properties['servicePrincipalProfile'] = { clientId: 'msi' };
    properties['identityProfile'] = {
      kubeletidentity: {
        resourceId: `/subscriptions/${subscriptionId}/resourcegroups/${nodeResourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-agentpool`,
        clientId: seededGuid(random),
        objectId: seededGuid(random),
      },
    };
  }
  if (has('podIdentity')) {
    note('podIdentity');
    properties['podIdentityProfile'] = { enabled: true, allowNetworkPluginKubenet: true, userAssignedIdentities: [], userAssignedIdentityExceptions: [] };
  }
  const oidcIssuer = !has('noOidcIssuer');
  if (!oidcIssuer) note('noOidcIssuer');
  properties['oidcIssuerProfile'] = oidcIssuer
    ? { enabled: true, issuerURL: `https://${location}.oic.prod-aks.azure.com/${EMULATOR_TENANT_ID}/${seededGuid(random)}/` }
    : { enabled: false };
  const workloadIdentity = oidcIssuer && !has('noWorkloadIdentity');
  if (!workloadIdentity) note('noWorkloadIdentity');
  properties['securityProfile'] = { ...(properties['securityProfile'] ?? {}), workloadIdentity: { enabled: workloadIdentity } };
  if (oldKubernetes) note('oldKubernetes');
  if (unsupportedRegion) note('unsupportedRegion');
  const updating = has('updating');
  if (updating) {
    note('updating');
    properties['provisioningState'] = 'Updating';
    for (const pool of (properties['agentPoolProfiles'] as ArmObject[] | undefined) ?? []) pool['provisioningState'] = 'Updating';
  }
  if (has('exempt')) {
    note('exempt');
    (body['tags'] as Record<string, string>)[EXEMPT_TAG.name] = EXEMPT_TAG.value;
  }

  const installed = [...baseline];
  const brokenExtension = (kind: keyof DriftMix): FleetExtension | undefined => {
    if (!has(kind) || installed.length === 0) return undefined;
    const extension = pick(random, installed);
    note(kind, extension.name);
    return extension;
  };
  const missing = brokenExtension('missingExtension');
  if (missing) installed.splice(installed.indexOf(missing), 1);
  const failed = brokenExtension('extensionFailed');
  const wrongTrain = brokenExtension('extensionWrongReleaseTrain');
  const pinned = brokenExtension('extensionPinnedVersion');
  const extensions = installed.map((extension) =>
    extensionBody(random, id, extension, { failed: extension === failed, wrongTrain: extension === wrongTrain, pinned: extension === pinned }),
  );

  // The newer kinds, each on the `later` stream.
  if (has('stopped')) {
    note('stopped');
    properties['powerState'] = { code: 'Stopped' };
    for (const pool of (properties['agentPoolProfiles'] as ArmObject[] | undefined) ?? []) pool['powerState'] = { code: 'Stopped' };
  }
  if (has('failed') && !updating) {
    note('failed');
    properties['provisioningState'] = 'Failed';
    for (const pool of (properties['agentPoolProfiles'] as ArmObject[] | undefined) ?? []) pool['provisioningState'] = 'Failed';
  }
  if (has('aksManagedExtension') && extensions.length > 0) {
    const index = Math.floor(later() * extensions.length);
    const managed = extensions[index];
    const source = installed[index];
    if (managed && source) {
      note('aksManagedExtension', source.name);
      makeAksManaged(managed, id, source.releaseTrain);
    }
  }
  if (subscription.unregisteredProviders.length > 0) note('unregisteredProvider');
  const maintenanceConfigurations: ArmObject[] = [];
  if (has('withMaintenanceWindow')) {
    note('withMaintenanceWindow');
    maintenanceConfigurations.push(...maintenanceWindows(later, id));
  }
  if (has('acsV2')) {
    note('acsV2');
    extensions.push(extensionBody(later, id, ACS_V2_EXTENSION, { failed: false, wrongTrain: false, pinned: false }));
  }
  return { id, subscriptionId, resourceGroup, name, location, drift, body, extensions, maintenanceConfigurations };
}

/**
 * Managed by AKS, laid out like the REST spec example GetExtensionWithManagedBy (2025-03-01; see the derived fixture):
 * managedBy is the cluster, and only Microsoft.ContainerService may write. Its release train is one the baseline does
 * not want, so the engine sees drift it must not fix.
 */
function makeAksManaged(extension: ArmObject, clusterId: string, baselineTrain: string): void {
  const properties = extension['properties'] as ArmObject;
  extension['managedBy'] = clusterId;
  properties['releaseTrain'] = baselineTrain.toLowerCase() === 'preview' ? 'Stable' : 'Preview';
  properties['managementDetails'] = {
    category: 'managed',
    accessDetails: [
      { entity: 'Microsoft.ContainerService', allowedActions: ['Read', 'Write'], description: 'Only Microsoft.ContainerService may write (PUT or PATCH) this extension instance.' },
      { entity: 'Users', allowedActions: ['Read'], description: 'Users may only read this extension instance, through the Extensions resource provider.' },
    ],
  };
}

const WEEK_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** A weekly auto-upgrade window (4 to 8 hours, UTC) and, every other time, a legacy `default` window on the same day. */
function maintenanceWindows(random: Random, clusterId: string): ArmObject[] {
  const day = pick(random, WEEK_DAYS);
  const hour = randomInt(random, 0, 23);
  const durationHours = randomInt(random, 4, 8);
  const body = (name: string, properties: ArmObject): ArmObject => ({ id: `${clusterId}/maintenanceConfigurations/${name}`, name, type: MAINTENANCE_CONFIGURATION_TYPE, properties });
  const configurations = [
    body('aksManagedAutoUpgradeSchedule', {
      maintenanceWindow: {
        schedule: { weekly: { intervalWeeks: 1, dayOfWeek: day } },
        durationHours,
        utcOffset: '+00:00',
        startDate: '2025-01-01',
        startTime: `${String(hour).padStart(2, '0')}:00`,
        notAllowedDates: [],
      },
    }),
  ];
  if (random() < 0.5) {
    const slots = Array.from({ length: Math.min(durationHours, 24 - hour) }, (_, offset) => hour + offset);
    configurations.push(body('default', { timeInWeek: [{ day, hourSlots: slots }], notAllowedTime: [] }));
  }
  return configurations;
}

function extensionBody(
  random: Random,
  parentId: string,
  extension: FleetExtension,
  drift: { failed: boolean; wrongTrain: boolean; pinned: boolean },
): ArmObject {
  const created = new Date(BASE_TIME + randomInt(random, 0, 300) * 86_400_000 + randomInt(random, 0, 86_399) * 1000).toISOString();
  const version = drift.pinned ? extension.pinnedVersion : extension.currentVersion;
  return {
    id: extensionId(parentId, extension.name),
    name: extension.name,
    type: EXTENSION_RESOURCE_TYPE,
    systemData: { createdBy: 'platform-team@contoso.com', createdByType: 'User', createdAt: created, lastModifiedBy: 'platform-team@contoso.com', lastModifiedByType: 'User', lastModifiedAt: created },
    properties: {
      extensionType: extension.extensionType,
      autoUpgradeMinorVersion: !drift.pinned,
      releaseTrain: drift.wrongTrain ? 'Preview' : extension.releaseTrain,
      version: drift.pinned ? extension.pinnedVersion : null,
      scope: { cluster: { releaseNamespace: extension.releaseNamespace ?? defaultReleaseNamespace(extension.extensionType, extension.name) } },
      configurationSettings: { ...(extension.configurationSettings ?? {}) },
      provisioningState: drift.failed ? 'Failed' : 'Succeeded',
      currentVersion: version,
      statuses: drift.failed
        ? [{ code: 'InstallationFailed', displayStatus: 'Failed', level: 'Error', message: `Helm release ${extension.name} failed: timed out waiting for the condition`, time: created }]
        : [],
      isSystemExtension: false,
    },
  };
}
