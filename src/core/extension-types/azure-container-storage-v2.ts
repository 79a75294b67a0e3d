import type { ExtensionTypeProfile } from './profile.js';

/** Azure Container Storage v2: what `az aks create/update --enable-azure-container-storage` installs by default. */
export const azureContainerStorageV2: ExtensionTypeProfile = {
  key: 'azure-container-storage-v2',
  displayName: 'Azure Container Storage',
  // Azure CLI acs module azurecontainerstorage/_consts.py: type `microsoft.azurecontainerstoragev2`, extension name
  // `acstor`, release namespace `kube-system`; acstor_ops.py installs it at cluster scope.
  extensionType: 'microsoft.azurecontainerstoragev2',
  defaultExtensionName: 'acstor',
  defaultReleaseNamespace: 'kube-system',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/storage/container-storage/install-container-storage-aks',
  // Azure docs install-container-storage-aks: the latest major version (v2) installs by default; v1 needs
  // `--container-storage-version 1`. The CLI refuses v2 beside v1 and v1 beside v2 (acs _validators.py).
  supersedes: ['microsoft.azurecontainerstorage'],
};
