import { readdirSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import {
  DEFAULT_PROFILE,
  defaultScopeFor,
  EXTENSION_SCOPE_KINDS,
  MANUAL_ACTIONS,
  matchesAnySettingPattern,
  profileFor,
  realSettingKey,
  EXTENSION_TYPES,
  PROFILED_EXTENSION_TYPES,
  extensionTypeFor,
  immutableSettingsAmong,
  matchesSettingPattern,
  sameExtensionType,
  supersedingTypesOf,
  type ExtensionTypeProfile,
} from '../../../../src/core/extension-types/index.js';
import { DEFAULT_REGISTRY } from '../../../../src/core/registry.js';
import { vmSize } from '../../../../src/core/vm-sizes.js';
import { repoPath } from '../../../support/paths.js';

const FOLDER = repoPath('src', 'core', 'extension-types');
const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('EXTENSION_TYPES', () => {
  test('lists the profile of every type module in the folder, once', async () => {
    const modules = readdirSync(FOLDER).filter((file) => file.endsWith('.ts') && file !== 'index.ts' && file !== 'profile.ts');
    const exported: ExtensionTypeProfile[] = [];
    for (const file of modules) {
      const module = (await import(`../../../../src/core/extension-types/${file.replace(/\.ts$/, '.js')}`)) as Record<string, ExtensionTypeProfile>;
      exported.push(...Object.values(module));
    }

    expect(new Set(PROFILED_EXTENSION_TYPES)).toStrictEqual(new Set(exported));
    expect(PROFILED_EXTENSION_TYPES).toHaveLength(modules.length);
    // Azure Container Storage v2 has joined the catalog (issue 14 point 7): no profile waits outside it.
    expect(PROFILED_EXTENSION_TYPES.filter((profile) => !EXTENSION_TYPES.includes(profile)).map((profile) => profile.key)).toStrictEqual([]);
  });

  test('has one profile per key and per extension type (in any casing)', () => {
    expect(new Set(PROFILED_EXTENSION_TYPES.map((profile) => profile.key)).size).toBe(PROFILED_EXTENSION_TYPES.length);
    expect(new Set(PROFILED_EXTENSION_TYPES.map((profile) => profile.extensionType.toLowerCase())).size).toBe(PROFILED_EXTENSION_TYPES.length);
  });

  test.each(PROFILED_EXTENSION_TYPES.map((profile) => [profile.key, profile] as const))('%s declares a namespace, scopes and docs ARM and a person can use', (_key, profile) => {
    expect(profile.key).toMatch(KUBERNETES_NAME);
    expect(profile.defaultReleaseNamespace).toMatch(KUBERNETES_NAME);
    expect(profile.scopes.length).toBeGreaterThan(0);
    expect(new Set(profile.scopes).size).toBe(profile.scopes.length);
    expect(profile.scopes.filter((scope) => !EXTENSION_SCOPE_KINDS.includes(scope))).toStrictEqual([]);
    expect(profile.docs).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    expect(profile.displayName.trim()).not.toBe('');
  });
});

describe('extensionTypeFor / sameExtensionType', () => {
  const cases: [extensionType: string, key: string | undefined][] = [
    ['Microsoft.Dapr', 'dapr'],
    ['microsoft.dapr', 'dapr'],
    ['Microsoft.AzureML.Kubernetes', 'azureml'],
    ['Microsoft.Flux', 'flux'],
    ['microsoft.azurecontainerstorage', 'azure-container-storage'],
    ['Microsoft.AzureContainerStorageV2', 'azure-container-storage-v2'],
    ['Microsoft.DataProtection.Kubernetes', 'azure-backup'],
    ['contoso.widget', undefined],
    ['', undefined],
  ];
  test.each(cases)('%s -> %s', (extensionType, key) => {
    expect(extensionTypeFor(extensionType)?.key).toBe(key);
  });

  test('compares types case-insensitively, and only whole types', () => {
    expect(sameExtensionType('Microsoft.Flux', 'microsoft.flux')).toBe(true);
    expect(sameExtensionType('microsoft.flux', 'microsoft.fluxv2')).toBe(false);
  });
});

describe('defaultScopeFor', () => {
  const cases: [extensionType: string, scope: unknown][] = [
    ['microsoft.flux', { cluster: { releaseNamespace: 'flux-system' } }],
    ['Microsoft.Dapr', { cluster: { releaseNamespace: 'dapr-system' } }],
    ['Microsoft.AzureML.Kubernetes', { cluster: { releaseNamespace: 'azureml' } }],
    ['microsoft.azurecontainerstorage', { cluster: { releaseNamespace: 'acstor' } }],
    ['microsoft.azurecontainerstoragev2', { cluster: { releaseNamespace: 'kube-system' } }],
    ['microsoft.dataprotection.kubernetes', { cluster: { releaseNamespace: 'dataprotection-microsoft' } }],
    ['contoso.widget', undefined],
  ];
  test.each(cases)('%s -> %j', (extensionType, scope) => {
    expect(defaultScopeFor(extensionType)).toStrictEqual(scope);
  });
});

describe('profile data (issues 14 and 15)', () => {
  const ARM_LOCATION = /^[a-z][a-z0-9]*$/;
  const SETTING_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?$/;
  const profiles = PROFILED_EXTENSION_TYPES.map((profile) => [profile.key, profile] as const);
  const profileOf = (extensionType: string) => PROFILED_EXTENSION_TYPES.find((profile) => sameExtensionType(profile.extensionType, extensionType));

  test.each(profiles)('%s: optional fields are well formed', (_key, profile) => {
    const regions = profile.supportedRegions ?? [];
    const names = profile.defaultExtensionName === undefined ? [] : [profile.defaultExtensionName];

    expect(names.filter((name) => !KUBERNETES_NAME.test(name))).toStrictEqual([]);
    expect(regions.filter((region) => !ARM_LOCATION.test(region))).toStrictEqual([]);
    expect(new Set(regions).size).toBe(regions.length);
    // A published list carries the date it was read; no list, no date.
    expect(profile.supportedRegionsAsOf === undefined).toBe(profile.supportedRegions === undefined);
    expect(profile.supportedRegionsAsOf ?? '2000-01-01').toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(profile.supportedRegions?.length ?? 1).toBeGreaterThan(0);
    expect((profile.immutableSettings ?? []).filter((pattern) => !SETTING_PATTERN.test(pattern))).toStrictEqual([]);
    expect((profile.requiredSettings ?? []).filter((key) => !/^[A-Za-z0-9_.-]+$/.test(key))).toStrictEqual([]);
    expect((profile.supersedes ?? []).filter((superseded) => profileOf(superseded) === undefined || sameExtensionType(superseded, profile.extensionType))).toStrictEqual([]);
  });

  test('Dapr: global.ha.* and dapr_placement.* cannot change after creation; 34 AKS regions as of 2026-02-05', () => {
    const dapr = extensionTypeFor('microsoft.dapr');

    expect(dapr?.immutableSettings).toStrictEqual(['global.ha.*', 'dapr_placement.*']);
    expect(dapr?.supportedRegions).toHaveLength(34);
    expect(dapr?.supportedRegions).toContain('westeurope');
    expect(dapr?.supportedRegions).not.toContain('eastus2euap');
    expect(dapr?.defaultExtensionName).toBe('dapr');
  });

  test('Azure Container Storage v2 (acstor in kube-system) supersedes v1', () => {
    const v2 = profileOf('microsoft.azurecontainerstoragev2');

    expect(v2).toMatchObject({ defaultExtensionName: 'acstor', defaultReleaseNamespace: 'kube-system', supersedes: ['microsoft.azurecontainerstorage'] });
    expect(extensionTypeFor('microsoft.azurecontainerstorage')?.supersedes).toBeUndefined();
  });

  test('Backup requires its four storage location settings on create', () => {
    expect(extensionTypeFor('microsoft.dataprotection.kubernetes')?.requiredSettings).toStrictEqual([
      'configuration.backupStorageLocation.bucket',
      'configuration.backupStorageLocation.config.storageAccount',
      'configuration.backupStorageLocation.config.resourceGroup',
      'configuration.backupStorageLocation.config.subscriptionId',
    ]);
  });

  test('no cataloged type is a Marketplace offer; Flux and Azure ML publish no region list', () => {
    expect(PROFILED_EXTENSION_TYPES.filter((profile) => profile.requiresPlan)).toStrictEqual([]);
    expect(extensionTypeFor('microsoft.flux')?.supportedRegions).toBeUndefined();
    expect(extensionTypeFor('Microsoft.AzureML.Kubernetes')?.supportedRegions).toBeUndefined();
  });
});

describe('superseded types and settings that cannot change (issue 14)', () => {
  const superseding: [extensionType: string, keys: string[]][] = [
    ['microsoft.azurecontainerstorage', ['azure-container-storage-v2']],
    ['Microsoft.AzureContainerStorage', ['azure-container-storage-v2']],
    ['microsoft.azurecontainerstoragev2', []],
    ['microsoft.flux', []],
  ];
  test.each(superseding)('%s is superseded by %j', (extensionType, keys) => {
    expect(supersedingTypesOf(extensionType).map((profile) => profile.key)).toStrictEqual(keys);
  });

  const patterns: [key: string, pattern: string, matches: boolean][] = [
    ['global.ha.enabled', 'global.ha.*', true],
    ['global.ha.replicaCount', 'global.ha.*', true],
    ['global.ha', 'global.ha.*', false],
    ['global.hactl', 'global.ha.*', false],
    ['dapr_placement.cluster.forceInMemoryLog', 'dapr_placement.*', true],
    ['dapr_operator.replicaCount', 'dapr_placement.*', false],
    ['exact.key', 'exact.key', true],
    ['exact.key.more', 'exact.key', false],
  ];
  test.each(patterns)('%s against %s: %s', (key, pattern, matches) => {
    expect(matchesSettingPattern(key, pattern)).toBe(matches);
  });

  test("picks the keys a type's profile says cannot change, in any casing of the type; none for a type without the list", () => {
    const keys = ['global.ha.enabled', 'dapr_operator.replicaCount', 'dapr_placement.maxActorApiLevel'];

    expect(immutableSettingsAmong('Microsoft.Dapr', keys)).toStrictEqual(['global.ha.enabled', 'dapr_placement.maxActorApiLevel']);
    expect(immutableSettingsAmong('microsoft.flux', keys)).toStrictEqual([]);
    expect(immutableSettingsAmong('contoso.widget', keys)).toStrictEqual([]);
  });

  test("Dapr's delete leaves its CRDs (said in a recreate's plan step)", () => {
    expect(extensionTypeFor('microsoft.dapr')?.onDelete).toMatch(/CRDs stay/);
  });
});

describe('install profiles (issue 15)', () => {
  const profiles = PROFILED_EXTENSION_TYPES.map((profile) => [profile.key, profile] as const);
  const SETTING_KEY = /^[A-Za-z0-9_.-]+$/;

  test.each(profiles)('%s names its sources and says how it installs', (_key, profile) => {
    expect(profile.sources?.length ?? 0).toBeGreaterThan(0);
    expect(profile.createScope).toMatch(/^(as-given|given-or-default|always-default)$/);
    // No identity for an AKS cluster: k8s-extension custom.py sends none for managedClusters, whatever the type.
    expect(profile.identityOnCreate?.sent).toBe(false);
    // Every type needs a managed identity and Microsoft.KubernetesConfiguration registered; ids are unique.
    const ids = (profile.prerequisites ?? []).map((prerequisite) => prerequisite.id);
    expect(ids.slice(0, 2)).toStrictEqual(['managed-identity', 'provider-registered:Microsoft.KubernetesConfiguration']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const prerequisite of profile.prerequisites ?? []) {
      expect([prerequisite.what, prerequisite.fix, prerequisite.source].filter((text) => text.trim() === '')).toStrictEqual([]);
    }
    expect((profile.computedSettings ?? []).filter((setting) => !SETTING_KEY.test(setting.key) || setting.describe === '' || setting.source === '')).toStrictEqual([]);
    // An alias maps to a key the type accepts, where it lists them.
    const accepted = profile.acceptedSettings;
    expect(Object.values(profile.settingAliases ?? {}).filter((key) => accepted !== undefined && !accepted.includes(key))).toStrictEqual([]);
    // A person's steps are actions the registry has, with target manual.
    for (const step of profile.manualSteps ?? []) {
      expect(MANUAL_ACTIONS).toContain(step.action);
      expect(DEFAULT_REGISTRY.action(step.action).target).toBe('manual');
    }
    expect(profile.minKubernetesVersionAsOf === undefined).toBe(profile.minKubernetesVersion === undefined);
  });

  test('the CLI sends release train "stable" for every type with a partner class or az aks path; Flux goes the generic path', () => {
    expect(Object.fromEntries(PROFILED_EXTENSION_TYPES.map((profile) => [profile.key, profile.defaultReleaseTrain ?? null]))).toStrictEqual({
      dapr: 'stable',
      azureml: 'stable',
      flux: null,
      'azure-container-storage': 'stable',
      'azure-backup': 'stable',
      'azure-container-storage-v2': 'stable',
    });
  });

  test('any other type gets the default profile: the generic path', () => {
    expect(profileFor('contoso.widget')).toBe(DEFAULT_PROFILE);
    expect(profileFor('MICROSOFT.FLUX').key).toBe('flux');
    expect(DEFAULT_PROFILE).toMatchObject({ createScope: 'as-given', identityOnCreate: { sent: false } });
    expect((DEFAULT_PROFILE.prerequisites ?? []).map((prerequisite) => prerequisite.id)).toStrictEqual(['managed-identity', 'provider-registered:Microsoft.KubernetesConfiguration']);
  });

  test("Backup's CLI names map to the keys it sends, case-insensitively; other names stay", () => {
    const backup = profileFor('microsoft.dataprotection.kubernetes');

    expect(realSettingKey(backup, 'blobContainer')).toBe('configuration.backupStorageLocation.bucket');
    expect(realSettingKey(backup, 'STORAGEACCOUNTURI')).toBe('configuration.backupStorageLocation.config.storageAccountURI');
    expect(realSettingKey(backup, 'configuration.backupStorageLocation.bucket')).toBe('configuration.backupStorageLocation.bucket');
    expect(realSettingKey(DEFAULT_PROFILE, 'blobContainer')).toBe('blobContainer');
  });

  test('one-shot patterns: Container Storage v1 global.cli.* and the legacy cli.*', () => {
    const v1 = profileFor('microsoft.azurecontainerstorage');

    expect(matchesAnySettingPattern('global.cli.storagePool.install.create', v1.oneShotSettings)).toBe(true);
    expect(matchesAnySettingPattern('cli.storagePool.type', v1.oneShotSettings)).toBe(true);
    expect(matchesAnySettingPattern('global.other', v1.oneShotSettings)).toBe(false);
    expect(matchesAnySettingPattern('global.cli.x', undefined)).toBe(false);
  });
});

describe('vm sizes', () => {
  const cases: [name: string, vCpus: number | undefined, nvme: boolean][] = [
    ['Standard_DS2_v2', 2, false],
    ['standard_ds3_v2', 4, false],
    ['Standard_D4s_v5', 4, false],
    ['Standard_L8s_v3', 8, true],
    ['Standard_E4-2s_v5', undefined, false],
  ];
  test.each(cases)('%s: %s vCPUs, local NVMe %s', (name, vCpus, nvme) => {
    expect(vmSize(name)?.vCpus).toBe(vCpus);
    expect(vmSize(name)?.localNvme ?? false).toBe(nvme);
  });
});
