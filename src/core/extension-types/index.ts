// The cluster extension types the product is built around, one module each. Other extension types (Marketplace,
// custom) are allowed in a baseline too and get DEFAULT_PROFILE, the Azure CLI's generic path; a cataloged type gets
// what its profile says (scope, computed settings, prerequisites, regions) and is what the emulator's fleet installs.
// Adding a type: one module beside these, one line in the list below.
import { COMMON_PREREQUISITES } from '../prerequisites.js';
import { azureBackup } from './azure-backup.js';
import { azureContainerStorage } from './azure-container-storage.js';
import { azureContainerStorageV2 } from './azure-container-storage-v2.js';
import { azureml } from './azureml.js';
import { dapr } from './dapr.js';
import { flux } from './flux.js';
import type { ExtensionScope } from '../types.js';
import type { DefaultProfile, ExtensionTypeProfile, InstallProfile } from './profile.js';

export {
  EXTENSION_SCOPE_KINDS,
  MANUAL_ACTIONS,
  type ComputedSetting,
  type DefaultProfile,
  type ExtensionScopeKind,
  type ExtensionTypeProfile,
  type InstallContext,
  type InstallProfile,
  type ManualAction,
  type Prerequisite,
  type PrerequisiteCheck,
} from './profile.js';

/** The catalog. Azure Container Storage v1 stays (a baseline may still ask for it); v2 supersedes it. */
export const EXTENSION_TYPES: readonly ExtensionTypeProfile[] = [dapr, azureml, flux, azureContainerStorage, azureBackup, azureContainerStorageV2];

/**
 * Every profile in this folder: the catalog, plus any type profiled ahead of it (none today). The emulator knows the
 * types from here; the engine reads EXTENSION_TYPES.
 */
export const PROFILED_EXTENSION_TYPES: readonly ExtensionTypeProfile[] = [...EXTENSION_TYPES];

/** ARM treats extension types case-insensitively (`Microsoft.Flux` is `microsoft.flux`). */
export function sameExtensionType(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Any type the catalog does not list: the Azure CLI's generic path (k8s-extension `DefaultExtension.py`, facts A): the
 * type lower-cased, the baseline's scope or none, no release train unless given, settings and plan passed through, no
 * identity for an AKS cluster; a managed identity and Microsoft.KubernetesConfiguration registered are checked first.
 */
export const DEFAULT_PROFILE: DefaultProfile = {
  key: 'default',
  displayName: 'Any other extension type',
  docs: 'https://learn.microsoft.com/azure/aks/cluster-extensions',
  sources: [
    'Azure CLI k8s-extension custom.py @70d2473 and partner_extensions/DefaultExtension.py @404252f (azure-cli-extensions; k8s-extension 1.6.1)',
    'AKS docs cluster-extensions.md (ms.date 09/09/2025) and deploy-extensions-az-cli.md (ms.date 05/15/2023)',
  ],
  createScope: 'as-given',
  identityOnCreate: { sent: false },
  prerequisites: COMMON_PREREQUISITES,
};

/** The profile an extension type is installed with: its catalog entry, else DEFAULT_PROFILE. */
export function profileFor(extensionType: string): ExtensionTypeProfile | DefaultProfile {
  return extensionTypeFor(extensionType) ?? DEFAULT_PROFILE;
}

/** Whether a setting key matches any of the patterns (see matchesSettingPattern). */
export function matchesAnySettingPattern(key: string, patterns: readonly string[] | undefined): boolean {
  return (patterns ?? []).some((pattern) => matchesSettingPattern(key, pattern));
}

/** The real key a setting name stands for under the profile's CLI aliases (case-insensitive), or the name itself. */
export function realSettingKey(profile: InstallProfile, key: string): string {
  const alias = Object.entries(profile.settingAliases ?? {}).find(([name]) => name.toLowerCase() === key.toLowerCase());
  return alias ? alias[1] : key;
}

/** The profile of an extension type, if it is cataloged. */
export function extensionTypeFor(extensionType: string): ExtensionTypeProfile | undefined {
  return EXTENSION_TYPES.find((profile) => sameExtensionType(profile.extensionType, extensionType));
}

/** The cataloged types that supersede `extensionType` (a requirement for it is met by an install of one of them). */
export function supersedingTypesOf(extensionType: string): ExtensionTypeProfile[] {
  return EXTENSION_TYPES.filter((profile) => (profile.supersedes ?? []).some((superseded) => sameExtensionType(superseded, extensionType)));
}

/** Whether a setting key matches an `immutableSettings` pattern: `a.b.*` matches every key under `a.b.`, else exactly. */
export function matchesSettingPattern(key: string, pattern: string): boolean {
  return pattern.endsWith('.*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
}

/** The keys among `keys` that the type's profile says cannot change after creation. */
export function immutableSettingsAmong(extensionType: string, keys: readonly string[]): string[] {
  const patterns = extensionTypeFor(extensionType)?.immutableSettings ?? [];
  return keys.filter((key) => patterns.some((pattern) => matchesSettingPattern(key, pattern)));
}

/** The scope an install of this type uses when the baseline names none: cluster-wide in its default release namespace. */
export function defaultScopeFor(extensionType: string): ExtensionScope | undefined {
  const profile = extensionTypeFor(extensionType);
  if (profile?.scopes[0] !== 'cluster') return undefined;
  return { cluster: { releaseNamespace: profile.defaultReleaseNamespace } };
}
