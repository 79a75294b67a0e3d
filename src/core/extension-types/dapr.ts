import type { ExtensionTypeProfile } from './profile.js';

export const dapr: ExtensionTypeProfile = {
  key: 'dapr',
  displayName: 'Dapr',
  extensionType: 'Microsoft.Dapr',
  defaultReleaseNamespace: 'dapr-system',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/aks/dapr',
};
