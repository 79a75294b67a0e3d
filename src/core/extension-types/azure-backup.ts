import type { ExtensionTypeProfile } from './profile.js';

export const azureBackup: ExtensionTypeProfile = {
  key: 'azure-backup',
  displayName: 'Azure Backup for AKS',
  extensionType: 'microsoft.dataprotection.kubernetes',
  // Azure CLI dataprotection extension, manual/aks/aks_helper.py (`az dataprotection enable-backup trigger`) names the
  // extension `azure-aks-backup`; the Backup docs' role-assignment command reads the extension by that name too.
  defaultExtensionName: 'azure-aks-backup',
  // The namespace the docs show the pods in; set by the service, not the CLI.
  defaultReleaseNamespace: 'dataprotection-microsoft',
  // Azure CLI k8s-extension partner_extensions/DataProtectionKubernetes.py refuses namespace scope.
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/backup/azure-kubernetes-service-cluster-backup-concept',
  // DataProtectionKubernetes.py: blobContainer, storageAccount, storageAccountResourceGroup and
  // storageAccountSubscriptionId are required on create; these are the keys they are sent as.
  requiredSettings: [
    'configuration.backupStorageLocation.bucket',
    'configuration.backupStorageLocation.config.storageAccount',
    'configuration.backupStorageLocation.config.resourceGroup',
    'configuration.backupStorageLocation.config.subscriptionId',
  ],
  // Azure Backup docs azure-kubernetes-service-cluster-backup-support-matrix.md (ms.date 01/06/2026): the regions with
  // the Vault and Operational tiers, then those with the Operational tier only; display names as ARM location names.
  supportedRegions: [
    'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast', 'brazilsouth', 'brazilsoutheast',
    'canadacentral', 'canadaeast', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2', 'francecentral',
    'francesouth', 'germanynorth', 'germanywestcentral', 'italynorth', 'japaneast', 'japanwest', 'jioindiawest',
    'koreacentral', 'koreasouth', 'northcentralus', 'northeurope', 'norwayeast', 'norwaywest', 'southafricanorth',
    'southafricawest', 'southcentralus', 'southindia', 'southeastasia', 'swedencentral', 'switzerlandnorth',
    'switzerlandwest', 'uaenorth', 'uksouth', 'ukwest', 'westcentralus', 'westeurope', 'westus', 'westus2', 'westus3',
    'chinaeast2', 'chinaeast3', 'chinanorth2', 'chinanorth3', 'usgovarizona', 'usgovtexas', 'usgovvirginia',
    'israelcentral', 'polandcentral', 'spaincentral',
  ],
  supportedRegionsAsOf: '2026-01-06',
};
