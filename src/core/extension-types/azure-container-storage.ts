import type { ExtensionTypeProfile } from './profile.js';

export const azureContainerStorage: ExtensionTypeProfile = {
  key: 'azure-container-storage',
  displayName: 'Azure Container Storage',
  extensionType: 'microsoft.azurecontainerstorage',
  defaultReleaseNamespace: 'acstor',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/storage/container-storage/container-storage-introduction',
};
