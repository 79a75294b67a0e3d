// Prerequisites more than one extension type checks, and the reads of the cluster body they need. Each prerequisite
// answers met, missing (with the exact command that fixes it) or unknown (a fact was not supplied: reported, never
// blocking). Type-specific ones live in the type's profile module.
import { isObject, type JsonObject } from './cluster-body.js';
import type { InstallContext, Prerequisite, PrerequisiteCheck } from './extension-types/profile.js';
import { sameResourceId } from './resource-ids.js';
import type { ArmChange, ClusterSnapshot, StorageAccountFacts } from './types.js';

const MET: PrerequisiteCheck = { status: 'met' };
export const met = (): PrerequisiteCheck => MET;

/** `--resource-group <rg> --name <cluster>` for `az aks` commands. */
export const aksArgs = (snapshot: Pick<ClusterSnapshot, 'resourceGroup' | 'name'>): string => `--resource-group ${snapshot.resourceGroup} --name ${snapshot.name}`;
/** `--resource-group <rg> --cluster-name <cluster>` for `az aks nodepool` and `az k8s-extension` commands. */
export const clusterArgs = (snapshot: Pick<ClusterSnapshot, 'resourceGroup' | 'name'>): string => `--resource-group ${snapshot.resourceGroup} --cluster-name ${snapshot.name}`;

/** A boolean setting as the CLIs read one: "true" in any casing. */
export const isTrue = (value: string | undefined): boolean => value?.toLowerCase() === 'true';

function properties(snapshot: ClusterSnapshot): JsonObject {
  return isObject(snapshot.body.properties) ? snapshot.body.properties : {};
}

export interface AgentPool {
  name: string;
  /** undefined when the body does not say. */
  count?: number;
  vmSize?: string;
  /** `Linux` when the body does not say (AKS's default). */
  osType: string;
  mode?: string;
  nodeLabels: Record<string, string>;
}

/** The node pools in `properties.agentPoolProfiles`, as far as the body describes them. */
export function agentPools(snapshot: ClusterSnapshot): AgentPool[] {
  const pools = properties(snapshot).agentPoolProfiles;
  if (!Array.isArray(pools)) return [];
  return pools.filter(isObject).map((pool) => {
    const labels = isObject(pool.nodeLabels) ? pool.nodeLabels : {};
    const agentPool: AgentPool = {
      name: typeof pool.name === 'string' ? pool.name : '(unnamed)',
      osType: typeof pool.osType === 'string' ? pool.osType : 'Linux',
      nodeLabels: Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
    };
    if (typeof pool.count === 'number') agentPool.count = pool.count;
    if (typeof pool.vmSize === 'string') agentPool.vmSize = pool.vmSize;
    if (typeof pool.mode === 'string') agentPool.mode = pool.mode;
    return agentPool;
  });
}

/** `properties.identityProfile.kubeletidentity`, when the body has one. */
export function kubeletIdentity(snapshot: ClusterSnapshot): { objectId?: string; clientId?: string } | undefined {
  const profile = properties(snapshot).identityProfile;
  const kubelet = isObject(profile) ? profile.kubeletidentity : undefined;
  if (!isObject(kubelet)) return undefined;
  return {
    ...(typeof kubelet.objectId === 'string' ? { objectId: kubelet.objectId } : {}),
    ...(typeof kubelet.clientId === 'string' ? { clientId: kubelet.clientId } : {}),
  };
}

/** `properties.storageProfile.<driver>.enabled`: true, false, or undefined when the body does not say. */
export function storageProfileEnabled(snapshot: ClusterSnapshot, driver: 'diskCSIDriver' | 'snapshotController'): boolean | undefined {
  const profile = properties(snapshot).storageProfile;
  const entry = isObject(profile) ? profile[driver] : undefined;
  return isObject(entry) && typeof entry.enabled === 'boolean' ? entry.enabled : undefined;
}

/** `properties.disableLocalAccounts` is true. */
export function localAccountsDisabled(snapshot: ClusterSnapshot): boolean {
  return properties(snapshot).disableLocalAccounts === true;
}

/** `properties.nodeResourceGroup`, when the body has it. */
export function nodeResourceGroup(snapshot: ClusterSnapshot): string | undefined {
  const group = properties(snapshot).nodeResourceGroup;
  return typeof group === 'string' ? group : undefined;
}

/** The tenant of the cluster's subscription: the fact, else the tenant of the cluster's system-assigned identity. */
export function tenantOf(context: Pick<InstallContext, 'facts' | 'snapshot'>): string | undefined {
  if (context.facts.tenantId) return context.facts.tenantId;
  const identity = context.snapshot.body.identity;
  return isObject(identity) && typeof identity.tenantId === 'string' && identity.tenantId !== '' ? identity.tenantId : undefined;
}

/** The facts about a storage account, by id (compared as ARM does). */
export function storageAccountFacts(context: Pick<InstallContext, 'facts'>, id: string): StorageAccountFacts | undefined {
  const entry = Object.entries(context.facts.storageAccounts ?? {}).find(([key]) => sameResourceId(key, id));
  return entry?.[1];
}

/** Whether ARM said the storage account does not exist (a 404 on the read), rather than that it was not read. */
export function storageAccountMissing(context: Pick<InstallContext, 'facts'>, id: string): boolean {
  return (context.facts.missingStorageAccounts ?? []).some((missing) => sameResourceId(missing, id));
}

/** Where the facts come from, for the docs. */
const SOURCES = {
  managedIdentity:
    'AKS docs cluster-extensions.md (ms.date 09/09/2025) and deploy-extensions-az-cli.md: extensions need a managed-identity cluster; convert with az aks update --enable-managed-identity',
  provider:
    'AKS docs deploy-extensions-az-cli.md (register Microsoft.KubernetesConfiguration); MicrosoftDocs/azure-docs #99764 (MissingSubscriptionRegistration, HTTP 409); k8s-extension _validators.py only warns',
};

const MANAGED_TYPES = ['systemassigned', 'userassigned'];

/** The cluster runs as a managed identity. A service principal cluster's install waits for the plan's managed-identity step if it has one. */
export const MANAGED_IDENTITY: Prerequisite = {
  id: 'managed-identity',
  what: 'the cluster uses a system- or user-assigned managed identity (extensions do not work on service principal clusters)',
  fix: 'az aks update --resource-group <rg> --name <cluster> --enable-managed-identity (the managed-identity rule does it when the baseline turns it on)',
  source: SOURCES.managedIdentity,
  check: ({ snapshot }) => {
    const type = snapshot.identityType;
    if (type && MANAGED_TYPES.includes(type.toLowerCase())) return MET;
    const clientId = snapshot.servicePrincipalClientId;
    if (clientId?.toLowerCase() === 'msi') return { status: 'unknown', message: 'The cluster body says servicePrincipalProfile.clientId "msi" but has no identity type: whether it uses a managed identity was not established.' };
    return {
      status: 'missing',
      message: `Cluster ${snapshot.name} has no managed identity (${clientId ? `it runs as service principal ${clientId}` : `identity.type is ${type ? `"${type}"` : 'missing'}`}); cluster extensions need one.`,
      fix: `az aks update ${aksArgs(snapshot)} --enable-managed-identity (or turn on rule managed-identity in the baseline)`,
      fixedByAction: 'enable-managed-identity',
    };
  },
};

/** The resource provider `namespace` is registered on the cluster's subscription (read by the edge, EvaluationFacts.providerRegistrations). */
export function providerRegistered(namespace: string, source: string = SOURCES.provider): Prerequisite {
  return {
    id: `provider-registered:${namespace}`,
    what: `the ${namespace} resource provider is registered on the cluster's subscription (the app's role cannot register providers)`,
    fix: `az provider register --namespace ${namespace} --subscription <subscription> --wait`,
    whenUnknown: 'unchecked (not blocked): an install on an unregistered subscription fails with MissingSubscriptionRegistration',
    source,
    provider: namespace,
    check: ({ snapshot, facts }) => {
      const state = Object.entries(facts.providerRegistrations ?? {}).find(([name]) => name.toLowerCase() === namespace.toLowerCase())?.[1];
      if (state === undefined) {
        return { status: 'unknown', message: `Whether ${namespace} is registered on subscription ${snapshot.subscriptionId} was not read (no providerRegistrations fact); an install there fails with MissingSubscriptionRegistration if it is not.` };
      }
      if (state.toLowerCase() === 'registered') return MET;
      return {
        status: 'missing',
        message: `The ${namespace} resource provider is ${state} on subscription ${snapshot.subscriptionId} (ARM refuses the install with MissingSubscriptionRegistration), and the app's role cannot register providers.`,
        fix: `az provider register --namespace ${namespace} --subscription ${snapshot.subscriptionId} --wait`,
      };
    },
  };
}

/** Every extension type: a managed identity, and Microsoft.KubernetesConfiguration registered. */
export const COMMON_PREREQUISITES: readonly Prerequisite[] = [MANAGED_IDENTITY, providerRegistered('Microsoft.KubernetesConfiguration')];

/** The request of `az role assignment create` (a person's step): a PUT of a new role assignment at `scope`. */
export function roleAssignmentChange(scope: string, roleDefinitionId: string, principalId: string): ArmChange {
  return {
    method: 'PUT',
    path: `${scope}/providers/Microsoft.Authorization/roleAssignments/<new GUID>`,
    body: { properties: { roleDefinitionId, principalId, principalType: 'ServicePrincipal' } },
  };
}
