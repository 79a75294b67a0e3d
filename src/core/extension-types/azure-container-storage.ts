import { agentPools, clusterArgs, COMMON_PREREQUISITES, isTrue, kubeletIdentity, nodeResourceGroup, roleAssignmentChange, type AgentPool } from '../prerequisites.js';
import { vmSize } from '../vm-sizes.js';
import type { ExtensionTypeProfile, InstallContext, Prerequisite, PrerequisiteCheck } from './profile.js';

// Azure CLI acs module azurecontainerstorage/ (_consts.py and _helpers.py @53913bc, acstor_ops.py @cb27a02,
// _validators.py @536ed8e) in azure-cli, read for issue 15 (facts E); Azure docs install-container-storage-aks-version-1.
const ACS_CLI = 'Azure CLI acs module azurecontainerstorage/ (_consts.py, _helpers.py @53913bc, acstor_ops.py @cb27a02, _validators.py @536ed8e) in azure-cli';
const V1_DOCS = 'Azure docs install-container-storage-aks-version-1 (ms.date 09/03/2025)';
const LABEL = 'acstor.azure.com/io-engine';

/** The pools the v1 data plane runs on: those labeled acstor.azure.com/io-engine=acstor. */
const ioEnginePools = (context: InstallContext): AgentPool[] => agentPools(context.snapshot).filter((pool) => pool.nodeLabels[LABEL] === 'acstor');

const addPool = (context: InstallContext): string => `az aks nodepool add ${clusterArgs(context.snapshot)} --name acstor --node-vm-size Standard_D4s_v5 --node-count 3 --labels ${LABEL}=acstor`;

/** A check over the labeled pools; met when there is none (the label prerequisite reports that). */
const overLabeled = (check: (pools: AgentPool[], context: InstallContext) => PrerequisiteCheck) => (context: InstallContext): PrerequisiteCheck => {
  const pools = ioEnginePools(context);
  return pools.length === 0 ? { status: 'met' } : check(pools, context);
};

const NODE_PREREQUISITES: readonly Prerequisite[] = [
  {
    id: 'acstor-node-label',
    what: `a node pool carries the label ${LABEL}=acstor (the v1 data plane runs only there)`,
    fix: `az aks nodepool update --resource-group <rg> --cluster-name <cluster> --name <pool> --labels ${LABEL}=acstor`,
    source: `${ACS_CLI} (_validators._validate_nodepools); ${V1_DOCS}`,
    check: (context) => {
      if (ioEnginePools(context).length > 0) return { status: 'met' };
      const pools = agentPools(context.snapshot);
      const pool = pools.length === 1 ? (pools[0] as AgentPool).name : '<pool>';
      return {
        status: 'missing',
        message: `No node pool of cluster ${context.snapshot.name} carries the label ${LABEL}=acstor, so Azure Container Storage v1 has no node to run its data plane on (az aks update --enable-azure-container-storage labels the pool itself; an extension install does not).`,
        fix: `az aks nodepool update ${clusterArgs(context.snapshot)} --name ${pool} --labels ${LABEL}=acstor`,
      };
    },
  },
  {
    id: 'acstor-node-count',
    what: 'the labeled node pools have at least 3 nodes together',
    fix: 'az aks nodepool scale --resource-group <rg> --cluster-name <cluster> --name <pool> --node-count 3',
    source: `${ACS_CLI} (_validators._validate_nodepools: at least 3 nodes)`,
    check: overLabeled((pools, context) => {
      if (pools.some((pool) => pool.count === undefined)) return { status: 'unknown', message: `The node count of a labeled pool of cluster ${context.snapshot.name} is not in the body.` };
      const total = pools.reduce((sum, pool) => sum + (pool.count ?? 0), 0);
      if (total >= 3) return { status: 'met' };
      return {
        status: 'missing',
        message: `The pools labeled ${LABEL}=acstor on cluster ${context.snapshot.name} (${pools.map((pool) => pool.name).join(', ')}) have ${total} node${total === 1 ? '' : 's'}; Azure Container Storage v1 needs at least 3.`,
        fix: `az aks nodepool scale ${clusterArgs(context.snapshot)} --name ${(pools[0] as AgentPool).name} --node-count ${3 - total + (pools[0]?.count ?? 0)}`,
      };
    }),
  },
  {
    id: 'acstor-node-size',
    what: 'every labeled node pool runs Linux on a VM size with at least 4 vCPUs (sizes outside the table in src/core/vm-sizes.ts are unchecked)',
    fix: `az aks nodepool add --resource-group <rg> --cluster-name <cluster> --name acstor --node-vm-size Standard_D4s_v5 --node-count 3 --labels ${LABEL}=acstor`,
    whenUnknown: 'unchecked (not blocked) for a VM size the table does not list',
    source: `${ACS_CLI} (_validators._validate_nodepools: 4 or more vCPUs, the default Linux OS type); Azure VM size pages`,
    check: overLabeled((pools, context) => {
      const windows = pools.filter((pool) => pool.osType.toLowerCase() !== 'linux');
      const small = pools.filter((pool) => pool.vmSize !== undefined && (vmSize(pool.vmSize)?.vCpus ?? 4) < 4);
      if (windows.length > 0 || small.length > 0) {
        const why = [
          ...windows.map((pool) => `${pool.name} runs ${pool.osType}`),
          ...small.map((pool) => `${pool.name} runs ${pool.vmSize} (${vmSize(pool.vmSize as string)?.vCpus} vCPUs)`),
        ];
        return { status: 'missing', message: `Azure Container Storage v1 needs Linux pools of 4 or more vCPUs, and on cluster ${context.snapshot.name} ${why.join(', ')}.`, fix: `${addPool(context)} (and remove the label from the others)` };
      }
      const unknown = pools.filter((pool) => pool.vmSize === undefined || vmSize(pool.vmSize) === undefined);
      if (unknown.length > 0) return { status: 'unknown', message: `The vCPUs of ${unknown.map((pool) => `${pool.name} (${pool.vmSize ?? 'no size in the body'})`).join(', ')} are not in the VM size table; Azure Container Storage v1 needs 4 or more.` };
      return { status: 'met' };
    }),
  },
];

/** The CLI assigns Azure Container Storage Operator to the kubelet identity on the node resource group for Elastic SAN; the app cannot. */
function elasticSanRole(context: InstallContext) {
  const { settings, snapshot } = context;
  const elasticSan = settings['global.cli.storagePool.install.type']?.toLowerCase() === 'elasticsan' || isTrue(settings['global.cli.storagePool.elasticSan.enabled']);
  if (!elasticSan) return undefined;
  const group = nodeResourceGroup(snapshot) ?? '<node resource group>';
  const scope = `/subscriptions/${snapshot.subscriptionId}/resourceGroups/${group}`;
  const assignee = kubeletIdentity(snapshot)?.objectId ?? `$(az aks show --resource-group ${snapshot.resourceGroup} --name ${snapshot.name} --query identityProfile.kubeletidentity.objectId -o tsv)`;
  return {
    description: `Grant the kubelet identity of cluster ${snapshot.name} Azure Container Storage Operator on its node resource group (a person: the app cannot assign roles).`,
    message: `Elastic SAN storage pools need the kubelet identity of cluster ${snapshot.name} to hold Azure Container Storage Operator on resource group ${group} (the CLI assigns it; the app's role cannot).`,
    command: `az role assignment create --assignee ${assignee} --role "Azure Container Storage Operator" --scope ${scope}`,
    change: roleAssignmentChange(scope, '<id of role "Azure Container Storage Operator">', kubeletIdentity(snapshot)?.objectId ?? '<kubelet identity objectId>'),
  };
}

/** Azure Container Storage v1: now installed only with `az aks ... --container-storage-version 1`. */
export const azureContainerStorage: ExtensionTypeProfile = {
  key: 'azure-container-storage',
  displayName: 'Azure Container Storage (v1)',
  extensionType: 'microsoft.azurecontainerstorage',
  // _consts.py and acstor_ops.py: v1 is named `azurecontainerstorage` and installed cluster-wide in namespace `acstor`,
  // release train stable, auto-upgrade on; the later update and disable find it by that name.
  defaultExtensionName: 'azurecontainerstorage',
  nameIsFixed: true,
  defaultReleaseNamespace: 'acstor',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/storage/container-storage/container-storage-introduction',
  sources: [ACS_CLI, V1_DOCS],
  createScope: 'always-default',
  defaultReleaseTrain: 'stable',
  autoUpgradeOnCreate: true,
  identityOnCreate: { sent: false },
  // acstor_ops.py: every global.cli.* key (and the legacy cli.*) is the CLI's own switchboard: install.* arms a storage
  // pool creation and a second PATCH resets it after each install; the rest is rewritten by every enable and disable.
  // Sent on install when a baseline gives them, never compared, never PATCHed (a "fix" would re-arm pool creation).
  oneShotSettings: ['global.cli.*', 'cli.*'],
  prerequisites: [...COMMON_PREREQUISITES, ...NODE_PREREQUISITES],
  manualSteps: [
    {
      action: 'manual-role-assignment',
      grant: 'Azure Container Storage Operator on the node resource group, to the kubelet identity, when Elastic SAN pools are used',
      source: `${ACS_CLI} (_helpers.perform_role_operations_on_managed_rg)`,
      plan: elasticSanRole,
    },
  ],
  // No region list or minimum Kubernetes version is published for v1.
};
