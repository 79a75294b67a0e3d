import { normalizeLocation } from '../resource-ids.js';
import { aksArgs, clusterArgs, COMMON_PREREQUISITES, roleAssignmentChange, storageAccountFacts, storageAccountMissing, storageProfileEnabled, tenantOf } from '../prerequisites.js';
import type { InstallContext, ExtensionTypeProfile, Prerequisite, UpdateAdditions, UpdateContext } from './profile.js';

// Azure CLI k8s-extension partner_extensions/DataProtectionKubernetes.py @5f3f79b (azure-cli-extensions), read for
// issue 15 (facts D); Azure Backup docs azure-kubernetes-service-cluster-manage-backups.md (ms.date 02/28/2024) and the
// support matrix azure-kubernetes-service-cluster-backup-support-matrix.md (ms.date 01/06/2026).
const DP_PY = 'Azure CLI k8s-extension partner_extensions/DataProtectionKubernetes.py @5f3f79b (azure-cli-extensions)';
const MANAGE_DOC = 'Azure Backup docs azure-kubernetes-service-cluster-manage-backups.md (ms.date 02/28/2024)';
const MATRIX = 'Azure Backup docs azure-kubernetes-service-cluster-backup-support-matrix.md (ms.date 01/06/2026)';

const BSL = 'configuration.backupStorageLocation';
const BUCKET = `${BSL}.bucket`;
const ACCOUNT = `${BSL}.config.storageAccount`;
const ACCOUNT_GROUP = `${BSL}.config.resourceGroup`;
const ACCOUNT_SUBSCRIPTION = `${BSL}.config.subscriptionId`;
const USE_AAD = `${BSL}.config.useAAD`;
const ACCOUNT_URI = `${BSL}.config.storageAccountURI`;
const STORAGE_KEYS = [BUCKET, ACCOUNT, ACCOUNT_GROUP, ACCOUNT_SUBSCRIPTION];
/** Built-in role Storage Blob Data Contributor. */
const BLOB_DATA_CONTRIBUTOR = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';

/** The storage account the settings name, when they name one. */
function accountOf(settings: Readonly<Record<string, string>>): { id: string; name: string } | undefined {
  const [name, group, subscription] = [settings[ACCOUNT], settings[ACCOUNT_GROUP], settings[ACCOUNT_SUBSCRIPTION]];
  if (!name || !group || !subscription) return undefined;
  return { id: `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Storage/storageAccounts/${name}`, name };
}

/** Azure blob container names: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

const csi = (driver: 'diskCSIDriver' | 'snapshotController', flag: string, label: string): Prerequisite => ({
  id: driver === 'diskCSIDriver' ? 'csi-disk-driver' : 'csi-snapshot-controller',
  what: `the ${label} is on (properties.storageProfile.${driver}.enabled)`,
  fix: `az aks update --resource-group <rg> --name <cluster> ${flag}`,
  whenUnknown: `unchecked (not blocked) when the body does not say: AKS turns the ${label} on by default`,
  source: `${MATRIX} (the disk CSI driver and snapshot controller on before installing); AKS docs csi-storage-drivers.md (ms.date 08/03/2026)`,
  check: ({ snapshot }) => {
    const enabled = storageProfileEnabled(snapshot, driver);
    if (enabled === true) return { status: 'met' };
    if (enabled === undefined) return { status: 'unknown', message: `The cluster body does not say whether the ${label} is on (properties.storageProfile.${driver}); AKS turns it on by default, and Backup needs it.` };
    return { status: 'missing', message: `Cluster ${snapshot.name} has the ${label} off (properties.storageProfile.${driver}.enabled false); Azure Backup for AKS needs it.`, fix: `az aks update ${aksArgs(snapshot)} ${flag}` };
  },
});

const PREREQUISITES: readonly Prerequisite[] = [
  ...COMMON_PREREQUISITES,
  csi('diskCSIDriver', '--enable-disk-driver', 'Azure Disk CSI driver'),
  csi('snapshotController', '--enable-snapshot-controller', 'CSI snapshot controller'),
  {
    id: 'tenant',
    what: "the tenant of the cluster's subscription is known (sent as credentials.tenantId)",
    fix: 'the edge supplies the tenantId fact; a cluster with a system-assigned identity carries it itself',
    whenUnknown: 'blocked: the create cannot carry credentials.tenantId',
    source: `${DP_PY} (credentials.tenantId from the subscription's tenant)`,
    check: (context) =>
      tenantOf(context)
        ? { status: 'met' }
        : {
            status: 'missing',
            message: `The tenant of subscription ${context.snapshot.subscriptionId} is not known (no tenantId fact, and the cluster body has no identity.tenantId); Backup's create carries it as credentials.tenantId.`,
            fix: `supply the tenantId fact to the evaluation (az account show --subscription ${context.snapshot.subscriptionId} --query tenantId -o tsv gives it)`,
          },
  },
  {
    id: 'storage-account',
    what: "the storage account is in the cluster's region, and its blob endpoint is known (sent as storageAccountURI unless the baseline gives it)",
    fix: 'name a storage account in the cluster\'s region (a placeholder such as {cluster.location} in its name picks one per region)',
    whenUnknown: 'blocked when the baseline gives no storageAccountURI (the create needs the blob endpoint); otherwise the region is unchecked',
    source: `${DP_PY} (the account's location must equal the cluster's; storageAccountURI = primary_endpoints.blob); ${MATRIX}`,
    check: ({ snapshot, facts, settings }) => {
      const account = accountOf(settings);
      if (!account) return { status: 'met' };
      if (storageAccountMissing({ facts }, account.id)) {
        const group = settings[ACCOUNT_GROUP] ?? '<rg>';
        const location = normalizeLocation(snapshot.location);
        return {
          status: 'missing',
          message: `Storage account ${account.name} does not exist (ARM answered 404 for ${account.id}); Azure Backup for AKS keeps its backups there.`,
          fix: `create it in ${location} (az storage account create --subscription ${settings[ACCOUNT_SUBSCRIPTION] ?? '<subscription>'} --resource-group ${group} --name ${account.name} --location ${location} --sku Standard_LRS --kind StorageV2 --allow-shared-key-access false), or name an existing account in the baseline`,
        };
      }
      const read = storageAccountFacts({ facts }, account.id);
      if (!read) {
        if (settings[ACCOUNT_URI]) return { status: 'unknown', message: `Storage account ${account.name} was not read (no storageAccounts fact): whether it is in ${snapshot.location} is unchecked.` };
        return {
          status: 'missing',
          message: `The blob endpoint of storage account ${account.name} is not known (no storageAccounts fact for ${account.id}); Backup's create carries it as storageAccountURI.`,
          fix: `give "storageAccountURI" (az storage account show --ids ${account.id} --query primaryEndpoints.blob -o tsv) in the baseline, or let the edge read the account`,
        };
      }
      if (normalizeLocation(read.location) !== normalizeLocation(snapshot.location)) {
        return {
          status: 'missing',
          message: `Storage account ${account.name} is in ${normalizeLocation(read.location)} and cluster ${snapshot.name} in ${normalizeLocation(snapshot.location)}: Azure Backup for AKS needs them in the same region (the CLI refuses otherwise).`,
          fix: `name a storage account in ${normalizeLocation(snapshot.location)} in the baseline (az storage account create --resource-group <rg> --name <account> --location ${normalizeLocation(snapshot.location)} --sku Standard_LRS --kind StorageV2 --allow-shared-key-access false)`,
        };
      }
      return { status: 'met' };
    },
  },
  {
    id: 'blob-container',
    what: 'the blob container is a valid container name, and exists in the account (when the edge listed its containers)',
    fix: 'az storage container create --account-name <account> --name <container> --auth-mode login',
    whenUnknown: "unchecked (not blocked) when the account's containers were not listed",
    source: `${MATRIX} (a blob container, preferably empty, per cluster); Azure Storage container naming rules`,
    check: ({ snapshot, facts, settings }) => {
      const bucket = settings[BUCKET];
      const account = accountOf(settings);
      if (bucket === undefined || !account) return { status: 'met' };
      if (!CONTAINER_NAME.test(bucket)) {
        return {
          status: 'missing',
          message: `"${bucket}" (${BUCKET} for cluster ${snapshot.name}) is not a blob container name: 3 to 63 lower-case letters, digits and single hyphens.`,
          fix: 'change the blobContainer value in the baseline (placeholders such as {cluster.name} keep their casing)',
        };
      }
      const containers = storageAccountFacts({ facts }, account.id)?.blobContainers;
      if (containers === undefined) return { status: 'unknown', message: `Whether blob container ${bucket} exists in storage account ${account.name} was not read.` };
      if (containers.includes(bucket)) return { status: 'met' };
      return {
        status: 'missing',
        message: `Storage account ${account.name} has no blob container ${bucket} (Backup stores cluster ${snapshot.name}'s backups there).`,
        fix: `az storage container create --account-name ${account.name} --name ${bucket} --auth-mode login`,
      };
    },
  },
];

/** The storage keys a PATCH must carry together, and the URI for the account they name (DataProtectionKubernetes.py Update). */
function backupUpdate({ spec, existing, patch, facts }: UpdateContext): UpdateAdditions {
  // The CLI's update always sends autoUpgradeMinorVersion true; the product keeps a baseline's explicit false.
  const additions: UpdateAdditions = { autoUpgradeMinorVersion: spec.autoUpgradeMinorVersion ?? true };
  const settings = (patch.configurationSettings ?? {}) as Record<string, unknown>;
  if (STORAGE_KEYS.some((key) => settings[key] !== undefined)) {
    // One storage key changes: the CLI requires all four, and fills in the new account's blob endpoint.
    const desired = { ...existing.configurationSettings, ...spec.configurationSettings };
    const configurationSettings: Record<string, string> = Object.fromEntries(STORAGE_KEYS.filter((key) => desired[key] !== undefined).map((key) => [key, desired[key] as string]));
    const account = accountOf(desired);
    const read = account ? storageAccountFacts({ facts }, account.id) : undefined;
    if (spec.configurationSettings[ACCOUNT_URI] === undefined && settings[ACCOUNT_URI] === undefined && account) {
      if (read) configurationSettings[ACCOUNT_URI] = read.blobEndpoint;
      else additions.missing = [{ id: 'storage-account', message: `The blob endpoint of storage account ${account.name} is not known (no storageAccounts fact for ${account.id}); the CLI sends it with a change of storage account.`, fix: `give "storageAccountURI" in the baseline, or let the edge read the account` }];
    }
    additions.configurationSettings = configurationSettings;
    return additions;
  }
  // Without a storage change, an extension created before storageAccountURI existed gets its account's endpoint (a move to Entra ID auth).
  const account = accountOf(existing.configurationSettings);
  if (existing.configurationSettings[ACCOUNT_URI] === undefined && settings[ACCOUNT_URI] === undefined && account) {
    const read = storageAccountFacts({ facts }, account.id);
    if (read) additions.configurationSettings = { [ACCOUNT_URI]: read.blobEndpoint };
    else additions.unchecked = [`The extension has no storageAccountURI, which the CLI adds on update from storage account ${account.name}; the account was not read (no storageAccounts fact), so the update does not add it.`];
  }
  return additions;
}

/** Storage Blob Data Contributor for the extension's identity on the account (the docs' command; the CLI only warns). */
function blobRole(context: InstallContext) {
  const account = accountOf(context.settings);
  if (!account) return undefined;
  const { snapshot, spec } = context;
  const principal = `$(az k8s-extension show --name ${spec.name} ${clusterArgs(snapshot)} --cluster-type managedClusters --query aksAssignedIdentity.principalId --output tsv)`;
  const subscription = context.settings[ACCOUNT_SUBSCRIPTION] as string;
  return {
    description: `Grant the identity of ${spec.name} Storage Blob Data Contributor on storage account ${account.name}, once the install has finished (a person: the app cannot assign roles).`,
    message: `The identity Azure creates for extension ${spec.name} needs Storage Blob Data Contributor on storage account ${account.name} to write backups, and the app's role cannot assign roles; run this once the install has finished.`,
    command: `az role assignment create --assignee-object-id ${principal} --role "Storage Blob Data Contributor" --scope ${account.id}`,
    change: roleAssignmentChange(account.id, `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${BLOB_DATA_CONTRIBUTOR}`, `<aksAssignedIdentity.principalId of extension ${spec.name}>`),
  };
}

/** Trusted Access for the Backup vault on the cluster (the docs' command); the app's role has no trusted-access rights. */
function trustedAccess({ snapshot, spec }: InstallContext) {
  const vault = '$(az dataprotection backup-vault show --resource-group <vault-resource-group> --vault-name <vault> --query id -o tsv)';
  return {
    description: `Give the Backup vault Trusted Access to cluster ${snapshot.name} (a person: the app cannot create role bindings).`,
    message: `The Backup vault that protects cluster ${snapshot.name} needs a Trusted Access role binding (backup-operator) on it, and the app's role cannot create one.`,
    command: `az aks trustedaccess rolebinding create ${clusterArgs(snapshot)} --name ${spec.name} --source-resource-id ${vault} --roles Microsoft.DataProtection/backupVaults/backup-operator`,
    change: {
      method: 'PUT' as const,
      path: `${snapshot.id}/trustedAccessRoleBindings/${spec.name}`,
      body: { properties: { sourceResourceId: '<Backup vault resource id>', roles: ['Microsoft.DataProtection/backupVaults/backup-operator'] } },
    },
  };
}

export const azureBackup: ExtensionTypeProfile = {
  key: 'azure-backup',
  displayName: 'Azure Backup for AKS',
  extensionType: 'microsoft.dataprotection.kubernetes',
  // Azure CLI dataprotection extension, manual/aks/aks_helper.py (`az dataprotection enable-backup trigger`) names the
  // extension `azure-aks-backup`; the Backup docs' role-assignment command reads the extension by that name too.
  defaultExtensionName: 'azure-aks-backup',
  // The namespace the docs show the pods in; set by the service, not the CLI.
  defaultReleaseNamespace: 'dataprotection-microsoft',
  // DataProtectionKubernetes.py refuses namespace scope (and any cluster type but managedClusters).
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/backup/azure-kubernetes-service-cluster-backup-concept',
  sources: [DP_PY, 'Azure CLI dataprotection manual/aks/aks_helper.py @5663350 (az dataprotection enable-backup trigger)', MANAGE_DOC, MATRIX],
  // The CLI sends the given release namespace or `{"cluster": {}}` (and warns the namespace is ignored: the service
  // installs in dataprotection-microsoft); the product names dataprotection-microsoft when the baseline gives none.
  createScope: 'given-or-default',
  // DataProtectionKubernetes.py: release train `stable` unless given; autoUpgradeMinorVersion forced true; --version
  // and --config-protected ignored (not sent).
  defaultReleaseTrain: 'stable',
  autoUpgradeOnCreate: true,
  cliIgnores: ['version', 'autoUpgradeMinorVersion', 'protectedSettings'],
  cliIgnoresWhy: 'it always sends autoUpgradeMinorVersion true, never a version, never protected settings',
  // create_identity is True, but for managedClusters nothing is sent; the service makes the identity.
  identityOnCreate: { sent: false, serviceIdentity: "a user-assigned identity in the cluster's node resource group, reported as properties.aksAssignedIdentity.principalId" },
  // DataProtectionKubernetes.py: the four storage keys are required on create (as blobContainer, storageAccount,
  // storageAccountResourceGroup, storageAccountSubscriptionId); these are the keys they are sent as.
  requiredSettings: STORAGE_KEYS,
  // DataProtectionKubernetes.py: the friendly names it accepts (case-insensitive), and the keys it sends them as.
  settingAliases: {
    blobContainer: BUCKET,
    storageAccount: ACCOUNT,
    storageAccountResourceGroup: ACCOUNT_GROUP,
    storageAccountSubscriptionId: ACCOUNT_SUBSCRIPTION,
    cpuLimit: 'resources.limits.cpu',
    memoryLimit: 'resources.limits.memory',
    useAAD: USE_AAD,
    storageAccountURI: ACCOUNT_URI,
  },
  // Any other key the CLI drops with a warning.
  acceptedSettings: [...STORAGE_KEYS, 'resources.limits.cpu', 'resources.limits.memory', USE_AAD, ACCOUNT_URI, 'credentials.tenantId'],
  computedSettings: [
    { key: 'credentials.tenantId', when: 'always', describe: "the tenant of the cluster's subscription (the tenantId fact, else the cluster identity's tenant)", source: DP_PY, compute: (context) => tenantOf(context) },
    { key: USE_AAD, when: 'default', describe: '`true` (the extension then needs Storage Blob Data Contributor on the account)', source: DP_PY, compute: () => 'true' },
    {
      key: ACCOUNT_URI,
      when: 'default',
      describe: "the storage account's blob endpoint (`primaryEndpoints.blob`, from the storageAccounts fact)",
      source: DP_PY,
      compute: ({ facts }, settings) => {
        const account = accountOf(settings);
        return account ? storageAccountFacts({ facts }, account.id)?.blobEndpoint : undefined;
      },
    },
  ],
  prerequisites: PREREQUISITES,
  // The tenant (credentials.tenantId) and the storage account (its region and blob endpoint) are read at the edge.
  factsWanted: (settings) => {
    const account = accountOf(settings);
    return { tenant: true, storageAccounts: account ? [account.id] : [] };
  },
  manualSteps: [
    { action: 'manual-role-assignment', grant: "Storage Blob Data Contributor on the backup storage account, to the extension's identity (aksAssignedIdentity), once per cluster after the install", source: `${MANAGE_DOC}; ${DP_PY} (warns, does not assign)`, plan: blobRole },
    { action: 'manual-trusted-access', grant: 'a Trusted Access role binding (Microsoft.DataProtection/backupVaults/backup-operator) for the Backup vault on the cluster, once per cluster', source: MANAGE_DOC, plan: trustedAccess },
  ],
  update: backupUpdate,
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
  // No minimum Kubernetes version: the same matrix supports "the AKS-supported versions" (no fixed number).
};
