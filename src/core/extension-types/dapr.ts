import type { ExtensionTypeProfile } from './profile.js';

export const dapr: ExtensionTypeProfile = {
  key: 'dapr',
  displayName: 'Dapr',
  extensionType: 'Microsoft.Dapr',
  // Azure CLI k8s-extension partner_extensions/Dapr.py: default release name `dapr`, namespace `dapr-system`, and
  // namespace scope refused (cluster scope only).
  defaultExtensionName: 'dapr',
  defaultReleaseNamespace: 'dapr-system',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/aks/dapr',
  // AKS docs dapr-settings.md (ms.date 02/05/2026), "Update configuration settings": these settings cannot be changed
  // after creation; changing them means deleting and creating the extension again.
  immutableSettings: ['global.ha.*', 'dapr_placement.*'],
  // AKS docs dapr.md (ms.date 02/05/2026): deleting the Dapr extension does not remove its CRDs.
  onDelete: "Dapr's CRDs stay on the cluster (the delete does not remove them)",
  // AKS docs dapr-overview.md (ms.date 02/05/2026), "Clouds/regions" table, the regions marked yes for AKS (public
  // Azure). eastus2euap is Arc only and so not listed.
  supportedRegions: [
    'australiaeast', 'australiasoutheast', 'brazilsouth', 'canadacentral', 'canadaeast', 'centralindia', 'centralus',
    'eastasia', 'eastus', 'eastus2', 'francecentral', 'francesouth', 'germanywestcentral', 'japaneast', 'japanwest',
    'koreacentral', 'koreasouth', 'northcentralus', 'northeurope', 'norwayeast', 'southafricanorth', 'southcentralus',
    'southeastasia', 'southindia', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'ukwest', 'westcentralus',
    'westeurope', 'westus', 'westus2', 'westus3',
  ],
  supportedRegionsAsOf: '2026-02-05',
};
