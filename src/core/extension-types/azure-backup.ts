import type { ExtensionTypeProfile } from './profile.js';

export const azureBackup: ExtensionTypeProfile = {
  key: 'azure-backup',
  displayName: 'Azure Backup for AKS',
  extensionType: 'microsoft.dataprotection.kubernetes',
  defaultReleaseNamespace: 'dataprotection-microsoft',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/backup/azure-kubernetes-service-cluster-backup-concept',
};
