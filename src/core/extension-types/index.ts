// The cluster extension types the product is built around, one module each. Other extension types (Marketplace,
// custom) are allowed in a baseline too; a cataloged type gets more from the engine (its default scope on install)
// and is what the emulator's fleet installs. Adding a type: one module beside these, one line in the list below.
import { azureBackup } from './azure-backup.js';
import { azureContainerStorage } from './azure-container-storage.js';
import { azureContainerStorageV2 } from './azure-container-storage-v2.js';
import { azureml } from './azureml.js';
import { dapr } from './dapr.js';
import { flux } from './flux.js';
import type { ExtensionScope } from '../types.js';
import type { ExtensionTypeProfile } from './profile.js';

export { EXTENSION_SCOPE_KINDS, type ExtensionScopeKind, type ExtensionTypeProfile } from './profile.js';

export const EXTENSION_TYPES: readonly ExtensionTypeProfile[] = [dapr, azureml, flux, azureContainerStorage, azureBackup];

/**
 * Every profile in this folder: the catalog above plus the types profiled ahead of the catalog. Azure Container Storage
 * v2 joins EXTENSION_TYPES when the catalog, the example baselines and the docs move to it (issue 14 point 7); until
 * then the emulator knows it from here. Data only: the engine reads EXTENSION_TYPES.
 */
export const PROFILED_EXTENSION_TYPES: readonly ExtensionTypeProfile[] = [...EXTENSION_TYPES, azureContainerStorageV2];

/** ARM treats extension types case-insensitively (`Microsoft.Flux` is `microsoft.flux`). */
export function sameExtensionType(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The profile of an extension type, if it is cataloged. */
export function extensionTypeFor(extensionType: string): ExtensionTypeProfile | undefined {
  return EXTENSION_TYPES.find((profile) => sameExtensionType(profile.extensionType, extensionType));
}

/** The scope an install of this type uses when the baseline names none: cluster-wide in its default release namespace. */
export function defaultScopeFor(extensionType: string): ExtensionScope | undefined {
  const profile = extensionTypeFor(extensionType);
  if (profile?.scopes[0] !== 'cluster') return undefined;
  return { cluster: { releaseNamespace: profile.defaultReleaseNamespace } };
}
