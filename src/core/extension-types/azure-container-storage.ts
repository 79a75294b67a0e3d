import type { ExtensionTypeProfile } from './profile.js';

/** Azure Container Storage v1: now installed only with `az aks ... --container-storage-version 1`. */
export const azureContainerStorage: ExtensionTypeProfile = {
  key: 'azure-container-storage',
  displayName: 'Azure Container Storage (v1)',
  extensionType: 'microsoft.azurecontainerstorage',
  // Azure CLI acs module azurecontainerstorage/_consts.py and acstor_ops.py: v1 is named `azurecontainerstorage` and
  // installed cluster-wide in namespace `acstor`.
  defaultExtensionName: 'azurecontainerstorage',
  defaultReleaseNamespace: 'acstor',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/storage/container-storage/container-storage-introduction',
};
