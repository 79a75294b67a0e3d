import { agentPools, clusterArgs, COMMON_PREREQUISITES, isTrue, kubeletIdentity, providerRegistered, roleAssignmentChange } from '../prerequisites.js';
import { vmSize } from '../vm-sizes.js';
import type { ExtensionTypeProfile, InstallContext, Prerequisite } from './profile.js';

// Azure CLI acs module azurecontainerstorage/ (_consts.py @53913bc, acstor_ops.py @cb27a02, _validators.py @536ed8e)
// in azure-cli, read for issue 15 (facts E); Azure docs install-container-storage-aks.md (ms.date 09/10/2025) and
// use-container-storage-with-elastic-san.md (ms.date 01/28/2026).
const ACS_CLI = 'Azure CLI acs module azurecontainerstorage/ (_consts.py @53913bc, acstor_ops.py @cb27a02, _validators.py @536ed8e) in azure-cli';
const INSTALL_DOCS = 'Azure docs install-container-storage-aks.md (ms.date 09/10/2025)';
const SAN_DOCS = 'Azure docs use-container-storage-with-elastic-san.md (ms.date 01/28/2026)';
const LOCAL_NVME = 'csiDriverConfigs.local-csi-driver.enabled';
const ELASTIC_SAN = 'csiDriverConfigs.azuresan-csi-driver.enabled';

const elasticSan = (context: Pick<InstallContext, 'settings'>) => isTrue(context.settings[ELASTIC_SAN]);
const sanProvider = providerRegistered('Microsoft.ElasticSan', SAN_DOCS);

const PREREQUISITES: readonly Prerequisite[] = [
  ...COMMON_PREREQUISITES,
  {
    id: 'linux-node-pool',
    what: 'the cluster has a Linux node pool (Windows pools are not supported)',
    fix: 'az aks nodepool add --resource-group <rg> --cluster-name <cluster> --name <pool> --os-type Linux',
    source: INSTALL_DOCS,
    check: ({ snapshot }) =>
      agentPools(snapshot).some((pool) => pool.osType.toLowerCase() === 'linux')
        ? { status: 'met' }
        : { status: 'missing', message: `Cluster ${snapshot.name} has no Linux node pool; Azure Container Storage runs on Linux nodes only.`, fix: `az aks nodepool add ${clusterArgs(snapshot)} --name acstor --os-type Linux` },
  },
  {
    id: 'local-nvme-node-pool',
    what: `with ${LOCAL_NVME} true: a node pool on a VM size with local NVMe disks (sizes outside the table in src/core/vm-sizes.ts are unchecked)`,
    fix: 'az aks nodepool add --resource-group <rg> --cluster-name <cluster> --name nvme --node-vm-size Standard_L8s_v3 --node-count 3',
    whenUnknown: 'unchecked (not blocked) when a pool runs a VM size the table does not list',
    source: `${INSTALL_DOCS} (local NVMe needs a storage-optimized or GPU size with NVMe)`,
    check: ({ snapshot, settings }) => {
      if (!isTrue(settings[LOCAL_NVME])) return { status: 'met' };
      const pools = agentPools(snapshot);
      if (pools.some((pool) => pool.vmSize !== undefined && vmSize(pool.vmSize)?.localNvme)) return { status: 'met' };
      const unknown = pools.filter((pool) => pool.vmSize === undefined || vmSize(pool.vmSize) === undefined);
      if (unknown.length > 0) return { status: 'unknown', message: `Whether ${unknown.map((pool) => `${pool.name} (${pool.vmSize ?? 'no size in the body'})`).join(', ')} has local NVMe disks is not in the VM size table.` };
      return {
        status: 'missing',
        message: `${LOCAL_NVME} is true and no node pool of cluster ${snapshot.name} has local NVMe disks (${pools.map((pool) => `${pool.name}: ${pool.vmSize ?? '?'}`).join(', ')}).`,
        fix: `az aks nodepool add ${clusterArgs(snapshot)} --name nvme --node-vm-size Standard_L8s_v3 --node-count 3`,
      };
    },
  },
  {
    ...sanProvider,
    what: `with ${ELASTIC_SAN} true: ${sanProvider.what}`,
    check: (context) => (elasticSan(context) ? sanProvider.check(context) : { status: 'met' }),
  },
];

/** Elastic SAN: the kubelet identity needs Azure Container Storage Operator (the docs assign it at subscription scope). */
function elasticSanRole(context: InstallContext) {
  if (!elasticSan(context)) return undefined;
  const { snapshot } = context;
  const scope = `/subscriptions/${snapshot.subscriptionId}`;
  const objectId = kubeletIdentity(snapshot)?.objectId;
  const assignee = objectId ?? `$(az aks show --resource-group ${snapshot.resourceGroup} --name ${snapshot.name} --query identityProfile.kubeletidentity.objectId -o tsv)`;
  return {
    description: `Grant the kubelet identity of cluster ${snapshot.name} Azure Container Storage Operator (a person: the app cannot assign roles).`,
    message: `Elastic SAN needs the kubelet identity of cluster ${snapshot.name} to hold Azure Container Storage Operator (the docs assign it on the subscription; a resource group is enough), and the app's role cannot assign roles.`,
    command: `az role assignment create --assignee ${assignee} --role "Azure Container Storage Operator" --scope ${scope}`,
    change: roleAssignmentChange(scope, '<id of role "Azure Container Storage Operator">', objectId ?? '<kubelet identity objectId>'),
  };
}

/** Azure Container Storage v2: what `az aks create/update --enable-azure-container-storage` installs by default. */
export const azureContainerStorageV2: ExtensionTypeProfile = {
  key: 'azure-container-storage-v2',
  displayName: 'Azure Container Storage',
  // _consts.py: type `microsoft.azurecontainerstoragev2`, extension name `acstor`, release namespace `kube-system`,
  // release train stable, auto-upgrade on; acstor_ops.py installs it at cluster scope and finds it by name later (the
  // Terraform sample in the docs keeps the name acstor for that reason).
  extensionType: 'microsoft.azurecontainerstoragev2',
  defaultExtensionName: 'acstor',
  nameIsFixed: true,
  defaultReleaseNamespace: 'kube-system',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/storage/container-storage/install-container-storage-aks',
  sources: [ACS_CLI, INSTALL_DOCS, SAN_DOCS],
  createScope: 'always-default',
  defaultReleaseTrain: 'stable',
  autoUpgradeOnCreate: true,
  identityOnCreate: { sent: false },
  prerequisites: PREREQUISITES,
  manualSteps: [
    {
      action: 'manual-role-assignment',
      grant: 'Azure Container Storage Operator to the kubelet identity (subscription or node resource group), when Elastic SAN is on',
      source: SAN_DOCS,
      plan: elasticSanRole,
    },
  ],
  // Azure docs install-container-storage-aks: the latest major version (v2) installs by default; v1 needs
  // `--container-storage-version 1`. The CLI refuses v2 beside v1 and v1 beside v2 (acs _validators.py).
  supersedes: ['microsoft.azurecontainerstorage'],
  // No region list or minimum Kubernetes version is published for v2.
};
