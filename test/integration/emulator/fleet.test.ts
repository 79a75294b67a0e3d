// The fleet generator: deterministic from its seed, and each cluster's drift list says what its body shows.
import { describe, expect, test } from '@jest/globals';
import {
  ACS_V2_EXTENSION, DEFAULT_DRIFT_MIX, DRIFT_LABELS, EXEMPT_TAG, FLUX_EXTENSION, KUBERNETES_CONFIGURATION_NAMESPACE, OLD_KUBERNETES_VERSIONS,
  UNSUPPORTED_REGIONS, type DriftMix, type GeneratedCluster, generateFleet, startEmulator,
} from '../../../emulator/index.js';
import { parseMaintenanceConfig } from '../../../src/core/maintenance-windows.js';
import { CLUSTER_RP, CLUSTER_TYPE, EMULATOR_START_TIMEOUT_MS, POLL, containerService, extensionsClient, resourcesClient } from '../../support/emulator.js';

const NEWER_KINDS: (keyof DriftMix)[] = ['stopped', 'failed', 'aksManagedExtension', 'unregisteredProvider', 'withMaintenanceWindow', 'acsV2'];
const newerDrift = (probability: number): Partial<DriftMix> => Object.fromEntries(NEWER_KINDS.map((kind) => [kind, probability]));
const NEWER_LABELS = new Set<string>(NEWER_KINDS.map((kind) => DRIFT_LABELS[kind]));
const isNewerLabel = (label: string): boolean => NEWER_LABELS.has(label.split(':')[0] ?? label);

type Section = Record<string, unknown> | undefined;
const propertiesOf = (cluster: GeneratedCluster): Record<string, Section> => cluster.body['properties'] as Record<string, Section>;
const allDrift = (probability: number): DriftMix =>
  Object.fromEntries(Object.keys(DEFAULT_DRIFT_MIX).map((kind) => [kind, probability])) as unknown as DriftMix;
const fluxOf = (cluster: GeneratedCluster): Record<string, unknown> | undefined => (cluster.extensions as { properties: Record<string, unknown> }[])[0]?.properties;

/** For each drift label that can be checked on this cluster's body: whether the body shows it. */
function driftShownBy(cluster: GeneratedCluster): Record<string, boolean> {
  const properties = propertiesOf(cluster);
  const flux = fluxOf(cluster);
  return {
    'service-principal': cluster.body['identity'] === undefined,
    'pod-identity': properties['podIdentityProfile']?.['enabled'] === true,
    'no-oidc-issuer': properties['oidcIssuerProfile']?.['enabled'] === false,
    'no-workload-identity': (properties['securityProfile']?.['workloadIdentity'] as { enabled: boolean }).enabled === false,
    updating: (properties['provisioningState'] as unknown as string) === 'Updating',
    'unsupported-region': (UNSUPPORTED_REGIONS as readonly string[]).includes(cluster.location),
    'old-kubernetes': (OLD_KUBERNETES_VERSIONS as readonly string[]).includes(properties['kubernetesVersion'] as unknown as string),
    exempt: (cluster.body['tags'] as Record<string, string>)[EXEMPT_TAG.name] === EXEMPT_TAG.value,
    'missing-extension:flux': flux === undefined,
    // The state of Flux can only be checked when the cluster has it.
    ...(flux
      ? {
          'extension-failed:flux': flux['provisioningState'] === 'Failed',
          'extension-wrong-release-train:flux': flux['releaseTrain'] === 'Preview',
          'extension-pinned-version:flux': flux['autoUpgradeMinorVersion'] === false && flux['version'] === FLUX_EXTENSION.pinnedVersion,
        }
      : {}),
  };
}

describe('generateFleet', () => {
  test('builds the same fleet from the same seed and a different one from another', () => {
    const first = generateFleet({ clusters: 50, subscriptions: 3, seed: 77 });

    expect(generateFleet({ clusters: 50, subscriptions: 3, seed: 77 })).toStrictEqual(first);
    expect(generateFleet({ clusters: 50, subscriptions: 3, seed: 78 }).clusters.map((cluster) => cluster.id)).not.toStrictEqual(first.clusters.map((cluster) => cluster.id));
    // Subscription ids do not depend on the cluster count.
    expect(generateFleet({ clusters: 10, subscriptions: 3, seed: 77 }).subscriptions).toStrictEqual(first.subscriptions);
  });

  test('spreads N clusters over M subscriptions with several resource groups, unique ids and GUID subscriptions', () => {
    const fleet = generateFleet({ clusters: 200, subscriptions: 4, seed: 1 });

    expect(fleet.clusters).toHaveLength(200);
    expect(fleet.subscriptions).toHaveLength(4);
    for (const subscription of fleet.subscriptions) {
      expect(subscription.subscriptionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const mine = fleet.clusters.filter((cluster) => cluster.subscriptionId === subscription.subscriptionId);
      expect(mine).toHaveLength(50);
      expect(new Set(mine.map((cluster) => cluster.resourceGroup)).size).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(fleet.clusters.map((cluster) => cluster.id.toLowerCase())).size).toBe(200);
    const sample = fleet.clusters[0];
    if (!sample) throw new Error('the fleet has no cluster');
    expect(sample.name).toMatch(/^aks-[a-z]+-[a-z]+-[a-z0-9]+-\d{2}$/);
    expect(sample.body['id']).toBe(sample.id);
    // Fixture placeholders are retargeted.
    expect(JSON.stringify(sample.body)).not.toContain('clustername1');
    expect(JSON.stringify(sample.body)).not.toContain('00000000-0000-0000-0000-000000000000');
    // Fields of the fixture body are kept.
    expect(propertiesOf(sample)['networkProfile']).toBeTruthy();
    expect(propertiesOf(sample)['linuxProfile']).toBeTruthy();
  });

  test('gives a compliant fleet when every drift probability is 0', () => {
    const fleet = generateFleet({ clusters: 30, subscriptions: 2, seed: 3, drift: allDrift(0) });

    expect(fleet.driftCounts).toStrictEqual({});
    // What matters of each cluster, by name, so a failure names the cluster.
    const compliance = (cluster: GeneratedCluster) => {
      const properties = propertiesOf(cluster);
      const flux = fluxOf(cluster);
      return {
        name: cluster.name,
        drift: cluster.drift,
        identity: (cluster.body['identity'] as { type: string }).type,
        oidcIssuer: properties['oidcIssuerProfile']?.['enabled'],
        workloadIdentity: properties['securityProfile']?.['workloadIdentity'],
        podIdentityProfile: properties['podIdentityProfile'],
        provisioningState: properties['provisioningState'],
        extensions: cluster.extensions.length,
        flux: [flux?.['extensionType'], flux?.['releaseTrain'], flux?.['autoUpgradeMinorVersion']],
      };
    };
    expect(fleet.clusters.map(compliance)).toStrictEqual(
      fleet.clusters.map((cluster) => ({
        name: cluster.name,
        drift: [],
        identity: 'SystemAssigned',
        oidcIssuer: true,
        workloadIdentity: { enabled: true },
        podIdentityProfile: undefined,
        provisioningState: 'Succeeded',
        extensions: 1,
        flux: [FLUX_EXTENSION.extensionType, 'Stable', true],
      })),
    );
  });

  test('shows every listed drift in the body', () => {
    const fleet = generateFleet({ clusters: 60, subscriptions: 2, seed: 8, drift: { ...allDrift(0.5), missingExtension: 0.2, ...newerDrift(0) } });

    // Per cluster: the labels its drift list has, against what its body shows, for every label the body can show.
    const shown = fleet.clusters.map((cluster) => ({ name: cluster.name, drift: driftShownBy(cluster) }));
    const listed = shown.map(({ name, drift }, index) => ({
      name,
      drift: Object.fromEntries(Object.keys(drift).map((label) => [label, fleet.clusters[index]?.drift.includes(label)])),
    }));
    expect(shown).toStrictEqual(listed);
    // Each of these occurs at probability 0.5.
    const common = ['service-principal', 'pod-identity', 'no-oidc-issuer', 'updating', 'exempt', 'missing-extension:flux', 'extension-failed:flux'];
    expect(common.filter((label) => !((fleet.driftCounts[label] ?? 0) > 0))).toStrictEqual([]);
  });

  test('the newer kinds default to 0: the default fleet is what it was (107 of 200 clusters with drift, seed 1)', () => {
    const fleet = generateFleet({ clusters: 200, subscriptions: 4, seed: 1 });

    expect(NEWER_KINDS.map((kind) => DEFAULT_DRIFT_MIX[kind])).toStrictEqual([0, 0, 0, 0, 0, 0]);
    expect(fleet.clusters.filter((cluster) => cluster.drift.length > 0)).toHaveLength(107);
    expect(Object.keys(fleet.driftCounts).filter(isNewerLabel)).toStrictEqual([]);
    expect(fleet.clusters.flatMap((cluster) => cluster.maintenanceConfigurations)).toStrictEqual([]);
    expect(fleet.subscriptions.flatMap((subscription) => subscription.unregisteredProviders)).toStrictEqual([]);
  });

  test('turning the newer kinds on changes nothing else, and each body shows its label', () => {
    // Act
    const before = generateFleet({ clusters: 80, subscriptions: 4, seed: 12 });
    const after = generateFleet({ clusters: 80, subscriptions: 4, seed: 12, drift: newerDrift(0.5) });

    // Assess: the same clusters with the same older drift
    expect(after.clusters.map((cluster) => [cluster.id, cluster.drift.filter((label) => !isNewerLabel(label))])).toStrictEqual(before.clusters.map((cluster) => [cluster.id, cluster.drift]));
    expect(after.subscriptions.map((subscription) => subscription.subscriptionId)).toStrictEqual(before.subscriptions.map((subscription) => subscription.subscriptionId));

    // Assess: each newer label against the body
    const unregistered = new Set(after.subscriptions.filter((subscription) => subscription.unregisteredProviders.includes(KUBERNETES_CONFIGURATION_NAMESPACE)).map((subscription) => subscription.subscriptionId));
    const shown = after.clusters.map((cluster) => {
      const properties = propertiesOf(cluster);
      const extensions = cluster.extensions as { name: string; managedBy?: string; properties: Record<string, unknown> }[];
      const flux = extensions.find((extension) => extension.name === 'flux');
      const acstor = extensions.find((extension) => extension.name === ACS_V2_EXTENSION.name);
      return {
        name: cluster.name,
        stopped: (properties['powerState'] as { code?: string } | undefined)?.code === 'Stopped',
        failed: (properties['provisioningState'] as unknown as string) === 'Failed',
        'aks-managed-extension:flux': flux?.managedBy === cluster.id && (flux.properties['managementDetails'] as { category?: string } | undefined)?.category === 'managed',
        'unregistered-provider': unregistered.has(cluster.subscriptionId),
        'with-maintenance-window': cluster.maintenanceConfigurations.some((configuration) => configuration['name'] === 'aksManagedAutoUpgradeSchedule'),
        'acs-v2': acstor?.properties['extensionType'] === 'microsoft.azurecontainerstoragev2' && (acstor.properties['scope'] as { cluster?: { releaseNamespace?: string } }).cluster?.releaseNamespace === 'kube-system',
      };
    });
    expect(shown).toStrictEqual(shown.map(({ name }, index) => ({
      name,
      ...Object.fromEntries(['stopped', 'failed', 'aks-managed-extension:flux', 'unregistered-provider', 'with-maintenance-window', 'acs-v2'].map((label) => [label, after.clusters[index]?.drift.includes(label)])),
    })));
    expect([...NEWER_LABELS].filter((label) => !Object.keys(after.driftCounts).some((counted) => counted.startsWith(label)))).toStrictEqual([]);
    // Every seeded window is one the core can read.
    for (const configuration of after.clusters.flatMap((cluster) => cluster.maintenanceConfigurations)) expect(() => parseMaintenanceConfig(configuration)).not.toThrow();
  });

  test('the emulator serves the newer kinds: stopped clusters refuse writes, managed extensions are read-only, registration and windows are there', async () => {
    // Prepare
    const emulator = await startEmulator({ fleet: { clusters: 24, subscriptions: 2, seed: 31, drift: { ...allDrift(0), ...newerDrift(0.6) } }, lroDurationMs: 10, throttleFactor: 0 });
    try {
      const fleet = emulator.fleet;
      const stopped = fleet?.clusters.find((cluster) => cluster.drift.includes('stopped'));
      const managed = fleet?.clusters.find((cluster) => cluster.drift.includes('aks-managed-extension:flux') && !cluster.drift.includes('stopped') && !cluster.drift.includes('unregistered-provider'));
      const windowed = fleet?.clusters.find((cluster) => cluster.drift.includes('with-maintenance-window'));
      const unregistered = fleet?.subscriptions.find((subscription) => subscription.unregisteredProviders.length > 0);
      if (!stopped || !managed || !windowed || !unregistered) throw new Error('seed 31 no longer gives every newer kind; pick another seed');

      // Act and assess
      await expect(extensionsClient(emulator, stopped.subscriptionId).extensions.beginUpdateAndWait(stopped.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, stopped.name, 'flux', { releaseTrain: 'Stable' }, POLL)).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
      await expect(extensionsClient(emulator, managed.subscriptionId).extensions.beginUpdateAndWait(managed.resourceGroup, CLUSTER_RP, CLUSTER_TYPE, managed.name, 'flux', { releaseTrain: 'Stable' }, POLL)).rejects.toMatchObject({ statusCode: 403 });
      const windows = [];
      for await (const configuration of containerService(emulator, windowed.subscriptionId).maintenanceConfigurations.listByManagedCluster(windowed.resourceGroup, windowed.name)) windows.push(configuration.name);
      expect(windows).toContain('aksManagedAutoUpgradeSchedule');
      expect((await resourcesClient(emulator, unregistered.subscriptionId).providers.get(KUBERNETES_CONFIGURATION_NAMESPACE)).registrationState).toBe('NotRegistered');
    } finally {
      await emulator.stop();
    }
  }, EMULATOR_START_TIMEOUT_MS);

  test('rejects bad options with a message naming the field', () => {
    expect(() => generateFleet({ clusters: -1, subscriptions: 1, seed: 1 })).toThrow(/fleet\.clusters must be an integer >= 0/);
    expect(() => generateFleet({ clusters: 1, subscriptions: 0, seed: 1 })).toThrow(/fleet\.subscriptions/);
    expect(() => generateFleet({ clusters: 1, subscriptions: 1, seed: 1.5 })).toThrow(/fleet\.seed/);
    expect(() => generateFleet({ clusters: 1, subscriptions: 1, seed: 1, drift: { podIdentity: 2 } })).toThrow(/fleet\.drift\.podIdentity must be a probability/);
    expect(() => generateFleet({ clusters: 1, subscriptions: 1, seed: 1, drift: { bogus: 1 } as Partial<DriftMix> })).toThrow(/fleet\.drift\.bogus is not a drift kind/);
  });
});
