// The cluster extensions the product is built around. Other extension types (marketplace, custom) are allowed in a
// baseline too; the catalog only gives the five a name, a default release namespace and a docs link.

export interface CatalogEntry {
  /** Short key used in docs and examples. */
  key: 'dapr' | 'azureml' | 'flux' | 'azure-container-storage' | 'azure-backup';
  displayName: string;
  /** The exact `extensionType` ARM knows; compare with `sameExtensionType`. */
  extensionType: string;
  /** Where the extension installs itself when the scope names no release namespace. */
  defaultReleaseNamespace: string;
  docs: string;
}

export const EXTENSION_CATALOG: readonly CatalogEntry[] = [
  {
    key: 'dapr',
    displayName: 'Dapr',
    extensionType: 'Microsoft.Dapr',
    defaultReleaseNamespace: 'dapr-system',
    docs: 'https://learn.microsoft.com/azure/aks/dapr',
  },
  {
    key: 'azureml',
    displayName: 'Azure Machine Learning',
    extensionType: 'Microsoft.AzureML.Kubernetes',
    defaultReleaseNamespace: 'azureml',
    docs: 'https://learn.microsoft.com/azure/machine-learning/how-to-deploy-kubernetes-extension',
  },
  {
    key: 'flux',
    displayName: 'Flux (GitOps)',
    extensionType: 'microsoft.flux',
    defaultReleaseNamespace: 'flux-system',
    docs: 'https://learn.microsoft.com/azure/azure-arc/kubernetes/conceptual-gitops-flux2',
  },
  {
    key: 'azure-container-storage',
    displayName: 'Azure Container Storage',
    extensionType: 'microsoft.azurecontainerstorage',
    defaultReleaseNamespace: 'acstor',
    docs: 'https://learn.microsoft.com/azure/storage/container-storage/container-storage-introduction',
  },
  {
    key: 'azure-backup',
    displayName: 'Azure Backup for AKS',
    extensionType: 'microsoft.dataprotection.kubernetes',
    defaultReleaseNamespace: 'dataprotection-microsoft',
    docs: 'https://learn.microsoft.com/azure/backup/azure-kubernetes-service-cluster-backup-concept',
  },
];

/** ARM treats extension types case-insensitively (`Microsoft.Flux` is `microsoft.flux`). */
export function sameExtensionType(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The catalog entry for an extension type, if it is one of the five. */
export function catalogEntryFor(extensionType: string): CatalogEntry | undefined {
  return EXTENSION_CATALOG.find((entry) => sameExtensionType(entry.extensionType, extensionType));
}
