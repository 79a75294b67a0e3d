// Prerequisites checked before an install (issue 15, Build points 1 and 4): for each type, a cluster without one gets
// its install blocked PrerequisiteMissing, the message naming the missing thing and the fix (the exact az command or
// the baseline change), and nothing else changes; with it, the install is planned unblocked. A fact the edge did not
// supply is reported (`unchecked`) and blocks only where the install body cannot be built without it.
import { describe, expect, test } from '@jest/globals';
import { ALL_IDENTITY_RULES, CLUSTER_ID, evaluateInput, planStepOf, resultOf, SUBSCRIPTION, type ClusterOptions } from '../../../support/builders.js';
import type { EvaluationFacts, PlanStep } from '../../../../src/core/types.js';

const ACCOUNT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.Storage/storageAccounts/aksbkeastus`;
const REGISTERED = { 'Microsoft.KubernetesConfiguration': 'Registered', 'Microsoft.ElasticSan': 'Registered' };
const FACTS: EvaluationFacts = {
  tenantId: 'tenant-of-subscription',
  providerRegistrations: REGISTERED,
  storageAccounts: { [ACCOUNT_ID]: { location: 'eastus', blobEndpoint: 'https://aksbkeastus.blob.core.windows.net/', blobContainers: ['c1-rg1'] } },
};
const READY: ClusterOptions = {
  kubeletIdentity: { objectId: 'kubelet-object-id' },
  storageProfile: { diskCSIDriver: { enabled: true }, snapshotController: { enabled: true } },
  agentPools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System', nodeLabels: { 'acstor.azure.com/io-engine': 'acstor' } }],
};

const DAPR = { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto' };
const AZUREML = { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', configurationSettings: { enableTraining: true } };
const FLUX = { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto' };
const ACSTOR = { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto' };
const ACSTOR_V1 = { name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage', mode: 'auto' };
const BACKUP = {
  name: 'azure-aks-backup',
  extensionType: 'microsoft.dataprotection.kubernetes',
  mode: 'approval',
  configurationSettings: { blobContainer: '{cluster.name}-{cluster.resourceGroup}', storageAccount: 'aksbkeastus', storageAccountResourceGroup: 'rg-backup', storageAccountSubscriptionId: SUBSCRIPTION },
};

function install(entry: Record<string, unknown>, cluster: ClusterOptions = READY, facts: EvaluationFacts = FACTS, rules: Record<string, unknown> = {}): PlanStep {
  const evaluation = evaluateInput({ cluster, baseline: { rules, requiredExtensions: [entry] } }, undefined, facts);
  return planStepOf(evaluation, `required-extension/${String(entry.name)}:install-extension`);
}

interface Row {
  name: string;
  entry: Record<string, unknown>;
  /** The cluster without the prerequisite. */
  cluster?: ClusterOptions;
  facts?: EvaluationFacts;
  /** The missing prerequisite's id, and patterns its message and fix must match. */
  id: string;
  message: RegExp;
  fix: RegExp;
}

const rows: Row[] = [
  {
    name: 'Dapr: Microsoft.KubernetesConfiguration not registered',
    entry: DAPR,
    facts: { ...FACTS, providerRegistrations: { 'microsoft.kubernetesconfiguration': 'NotRegistered' } },
    id: 'provider-registered:Microsoft.KubernetesConfiguration',
    message: /The Microsoft\.KubernetesConfiguration resource provider is NotRegistered on subscription 00000000-0000-0000-0000-000000000000 .*MissingSubscriptionRegistration/,
    fix: /^az provider register --namespace Microsoft\.KubernetesConfiguration --subscription 00000000-0000-0000-0000-000000000000 --wait$/,
  },
  {
    name: 'Dapr: a service principal cluster, and no managed-identity rule to switch it',
    entry: DAPR,
    cluster: { ...READY, identityType: null, spClientId: 'c0ffee' },
    id: 'managed-identity',
    message: /Cluster c1 has no managed identity \(it runs as service principal c0ffee\)/,
    fix: /^az aks update --resource-group rg1 --name c1 --enable-managed-identity/,
  },
  {
    name: 'Azure ML: no kubelet identity (node pools not re-created after the switch)',
    entry: AZUREML,
    cluster: { ...READY, kubeletIdentity: undefined },
    id: 'kubelet-identity',
    message: /properties\.identityProfile\.kubeletidentity/,
    fix: /az aks nodepool add --resource-group rg1 --cluster-name c1 --name <new-pool> --node-count 3 --node-vm-size Standard_D4s_v5 --mode System, then az aks nodepool delete --resource-group rg1 --cluster-name c1 --name system/,
  },
  {
    name: 'Azure ML: AAD pod identity on',
    entry: AZUREML,
    cluster: { ...READY, podIdentity: true },
    id: 'no-pod-identity',
    message: /AAD pod identity on, which Azure ML does not support/,
    fix: /^az aks update --resource-group rg1 --name c1 --disable-pod-identity/,
  },
  {
    name: 'Azure ML: local accounts disabled',
    entry: AZUREML,
    cluster: { ...READY, disableLocalAccounts: true },
    id: 'local-accounts',
    message: /local accounts disabled/,
    fix: /^az aks update --resource-group rg1 --name c1 --enable-local-accounts$/,
  },
  {
    name: 'Azure ML: neither training nor inference',
    entry: { ...AZUREML, configurationSettings: { enableTraining: false } },
    id: 'settings',
    message: /Neither enableTraining nor enableInference is true/,
    fix: /"enableTraining": true/,
  },
  {
    name: 'Azure ML: inference without a router type, TLS or CNAME',
    entry: { ...AZUREML, configurationSettings: { enableInference: true } },
    id: 'settings',
    message: /inferenceRouterServiceType is missing/,
    fix: /NodePort, LoadBalancer or ClusterIP/,
  },
  {
    name: 'Flux: a service principal cluster',
    entry: FLUX,
    cluster: { ...READY, identityType: null, spClientId: 'c0ffee' },
    id: 'managed-identity',
    message: /has no managed identity/,
    fix: /--enable-managed-identity/,
  },
  {
    name: 'Flux: namespace scope',
    entry: { ...FLUX, scope: { namespace: { targetNamespace: 'team-a' } } },
    id: 'scope',
    message: /Flux \(GitOps\) installs at cluster scope only/,
    fix: /"scope": \{"cluster": \{\}\}/,
  },
  {
    name: 'Container Storage v2: local NVMe on pools without NVMe disks',
    entry: { ...ACSTOR, configurationSettings: { 'csiDriverConfigs.local-csi-driver.enabled': 'True' } },
    id: 'local-nvme-node-pool',
    message: /no node pool of cluster c1 has local NVMe disks \(system: Standard_D4s_v5\)/,
    fix: /^az aks nodepool add --resource-group rg1 --cluster-name c1 --name nvme --node-vm-size Standard_L8s_v3 --node-count 3$/,
  },
  {
    name: 'Container Storage v2: Elastic SAN with Microsoft.ElasticSan not registered',
    entry: { ...ACSTOR, configurationSettings: { 'csiDriverConfigs.azuresan-csi-driver.enabled': 'True' } },
    facts: { ...FACTS, providerRegistrations: { 'Microsoft.KubernetesConfiguration': 'Registered', 'Microsoft.ElasticSan': 'NotRegistered' } },
    id: 'provider-registered:Microsoft.ElasticSan',
    message: /Microsoft\.ElasticSan resource provider is NotRegistered/,
    fix: /^az provider register --namespace Microsoft\.ElasticSan/,
  },
  {
    name: 'Container Storage v2: Windows pools only',
    entry: ACSTOR,
    cluster: { ...READY, agentPools: [{ name: 'win', count: 3, vmSize: 'Standard_D4s_v5', osType: 'Windows' }] },
    id: 'linux-node-pool',
    message: /has no Linux node pool/,
    fix: /--os-type Linux/,
  },
  {
    name: 'Container Storage v1: no pool labeled for the io-engine',
    entry: ACSTOR_V1,
    cluster: { ...READY, agentPools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5' }] },
    id: 'acstor-node-label',
    message: /No node pool of cluster c1 carries the label acstor\.azure\.com\/io-engine=acstor/,
    fix: /^az aks nodepool update --resource-group rg1 --cluster-name c1 --name system --labels acstor\.azure\.com\/io-engine=acstor$/,
  },
  {
    name: 'Container Storage v1: 2 labeled nodes',
    entry: ACSTOR_V1,
    cluster: { ...READY, agentPools: [{ name: 'storage', count: 2, vmSize: 'Standard_D4s_v5', nodeLabels: { 'acstor.azure.com/io-engine': 'acstor' } }] },
    id: 'acstor-node-count',
    message: /\(storage\) have 2 nodes; Azure Container Storage v1 needs at least 3/,
    fix: /^az aks nodepool scale --resource-group rg1 --cluster-name c1 --name storage --node-count 3$/,
  },
  {
    name: 'Container Storage v1: labeled nodes of 2 vCPUs',
    entry: ACSTOR_V1,
    cluster: { ...READY, agentPools: [{ name: 'storage', count: 3, vmSize: 'Standard_DS2_v2', nodeLabels: { 'acstor.azure.com/io-engine': 'acstor' } }] },
    id: 'acstor-node-size',
    message: /storage runs Standard_DS2_v2 \(2 vCPUs\)/,
    fix: /^az aks nodepool add --resource-group rg1 --cluster-name c1 --name acstor --node-vm-size Standard_D4s_v5 --node-count 3 --labels acstor\.azure\.com\/io-engine=acstor/,
  },
  {
    name: 'Container Storage v1: a labeled Windows pool',
    entry: ACSTOR_V1,
    cluster: { ...READY, agentPools: [{ name: 'win', count: 3, vmSize: 'Standard_D4s_v5', osType: 'Windows', nodeLabels: { 'acstor.azure.com/io-engine': 'acstor' } }] },
    id: 'acstor-node-size',
    message: /win runs Windows/,
    fix: /--labels acstor\.azure\.com\/io-engine=acstor/,
  },
  {
    name: 'Backup: the disk CSI driver off',
    entry: BACKUP,
    cluster: { ...READY, storageProfile: { diskCSIDriver: { enabled: false }, snapshotController: { enabled: true } } },
    id: 'csi-disk-driver',
    message: /Azure Disk CSI driver off \(properties\.storageProfile\.diskCSIDriver\.enabled false\)/,
    fix: /^az aks update --resource-group rg1 --name c1 --enable-disk-driver$/,
  },
  {
    name: 'Backup: the snapshot controller off',
    entry: BACKUP,
    cluster: { ...READY, storageProfile: { diskCSIDriver: { enabled: true }, snapshotController: { enabled: false } } },
    id: 'csi-snapshot-controller',
    message: /CSI snapshot controller off/,
    fix: /^az aks update --resource-group rg1 --name c1 --enable-snapshot-controller$/,
  },
  {
    name: 'Backup: the storage account in another region',
    entry: BACKUP,
    facts: { ...FACTS, storageAccounts: { [ACCOUNT_ID]: { location: 'West US', blobEndpoint: 'https://aksbkeastus.blob.core.windows.net/' } } },
    id: 'storage-account',
    message: /Storage account aksbkeastus is in westus and cluster c1 in eastus/,
    fix: /--location eastus/,
  },
  {
    name: 'Backup: the storage account does not exist',
    entry: BACKUP,
    facts: { ...FACTS, storageAccounts: {}, missingStorageAccounts: [ACCOUNT_ID.toUpperCase()] },
    id: 'storage-account',
    message: /^Storage account aksbkeastus does not exist \(ARM answered 404 for \/subscriptions\/.*\/storageAccounts\/aksbkeastus\)/,
    fix: /az storage account create --subscription 00000000-0000-0000-0000-000000000000 --resource-group rg-backup --name aksbkeastus --location eastus /,
  },
  {
    name: 'Backup: the storage account not read, and no storageAccountURI in the baseline',
    entry: BACKUP,
    facts: { ...FACTS, storageAccounts: {} },
    id: 'storage-account',
    message: /The blob endpoint of storage account aksbkeastus is not known \(no storageAccounts fact/,
    fix: /give "storageAccountURI"/,
  },
  {
    name: 'Backup: no tenant (no fact, and no cluster identity to read it from)',
    entry: BACKUP,
    cluster: { ...READY, identityType: null, spClientId: null },
    facts: { ...FACTS, tenantId: undefined },
    id: 'tenant',
    message: /The tenant of subscription 00000000-0000-0000-0000-000000000000 is not known/,
    fix: /az account show --subscription 00000000-0000-0000-0000-000000000000 --query tenantId -o tsv/,
  },
  {
    name: 'Backup: a container name that is not one (upper case from a placeholder)',
    entry: { ...BACKUP, configurationSettings: { ...BACKUP.configurationSettings, blobContainer: '{cluster.name}-PROD' } },
    id: 'blob-container',
    message: /"c1-PROD" \(configuration\.backupStorageLocation\.bucket for cluster c1\) is not a blob container name/,
    fix: /change the blobContainer value/,
  },
  {
    name: 'Backup: the container missing from the account',
    entry: BACKUP,
    facts: { ...FACTS, storageAccounts: { [ACCOUNT_ID]: { location: 'eastus', blobEndpoint: 'https://aksbkeastus.blob.core.windows.net/', blobContainers: ['other'] } } },
    id: 'blob-container',
    message: /Storage account aksbkeastus has no blob container c1-rg1/,
    fix: /^az storage container create --account-name aksbkeastus --name c1-rg1 --auth-mode login$/,
  },
  {
    name: 'Backup: a storage name left out',
    entry: { ...BACKUP, configurationSettings: { blobContainer: 'c1', storageAccount: 'aksbkeastus' } },
    id: 'required-settings',
    message: /needs configurationSettings configuration\.backupStorageLocation\.config\.resourceGroup, configuration\.backupStorageLocation\.config\.subscriptionId on create/,
    fix: /add storageAccountResourceGroup, storageAccountSubscriptionId to required extension "azure-aks-backup"/,
  },
];

describe('a cluster without a prerequisite: the install is blocked PrerequisiteMissing, naming it and its fix', () => {
  test.each(rows)('$name', (row) => {
    // Act
    const step = install(row.entry, row.cluster, row.facts);

    // Assess
    expect(step.blockedBy?.reason).toBe('PrerequisiteMissing');
    const missing = step.missingPrerequisites?.find((item) => item.id === row.id);
    expect(missing?.message).toMatch(row.message);
    expect(missing?.fix).toMatch(row.fix);
    // The block's message carries each one with its fix.
    expect(step.blockedBy?.message).toContain(`${missing?.message} Fix: ${missing?.fix}`);
  });

  test.each([DAPR, AZUREML, FLUX, ACSTOR, ACSTOR_V1, BACKUP])('$extensionType with every prerequisite there: planned, not blocked, nothing unchecked', (entry) => {
    const step = install(entry);

    expect(step.blockedBy).toBeNull();
    expect(step.missingPrerequisites).toBeUndefined();
    expect(step.unchecked).toBeUndefined();
  });
});

describe('facts the edge did not supply', () => {
  test('provider registration not read: not blocked, and said so', () => {
    const step = install(DAPR, READY, {});

    expect(step.blockedBy).toBeNull();
    expect(step.unchecked).toStrictEqual([
      'Whether Microsoft.KubernetesConfiguration is registered on subscription 00000000-0000-0000-0000-000000000000 was not read (no providerRegistrations fact); an install there fails with MissingSubscriptionRegistration if it is not.',
    ]);
  });

  test('Backup without facts: the tenant comes from the cluster identity; the blob endpoint blocks; the container is unchecked', () => {
    const step = install(BACKUP, { ...READY, storageProfile: undefined }, {});

    expect(step.missingPrerequisites?.map((item) => item.id)).toStrictEqual(['storage-account']);
    expect((step.change.body.properties as { configurationSettings: Record<string, string> }).configurationSettings['credentials.tenantId']).toBe('tenant-guid');
    expect(step.unchecked).toStrictEqual([
      'Whether Microsoft.KubernetesConfiguration is registered on subscription 00000000-0000-0000-0000-000000000000 was not read (no providerRegistrations fact); an install there fails with MissingSubscriptionRegistration if it is not.',
      'The cluster body does not say whether the Azure Disk CSI driver is on (properties.storageProfile.diskCSIDriver); AKS turns it on by default, and Backup needs it.',
      'The cluster body does not say whether the CSI snapshot controller is on (properties.storageProfile.snapshotController); AKS turns it on by default, and Backup needs it.',
      'Whether blob container c1-rg1 exists in storage account aksbkeastus was not read.',
    ]);
  });

  test('Backup with storageAccountURI in the baseline needs no storage fact: the region is unchecked', () => {
    const entry = { ...BACKUP, configurationSettings: { ...BACKUP.configurationSettings, storageAccountURI: 'https://aksbkeastus.blob.core.windows.net/' } };

    const step = install(entry, READY, { ...FACTS, storageAccounts: {} });

    expect(step.blockedBy).toBeNull();
    expect(step.unchecked).toStrictEqual([
      'Storage account aksbkeastus was not read (no storageAccounts fact): whether it is in eastus is unchecked.',
      'Whether blob container c1-rg1 exists in storage account aksbkeastus was not read.',
    ]);
  });

  test('a cluster whose identity is inconclusive is unchecked, not blocked', () => {
    const step = install(FLUX, { ...READY, identityType: null, spClientId: 'msi' });

    expect(step.blockedBy).toBeNull();
    expect(step.unchecked?.[0]).toMatch(/servicePrincipalProfile\.clientId "msi" but has no identity type/);
  });

  test('Container Storage v1 on a pool whose size the table does not list, or whose count is not in the body: unchecked', () => {
    const unknownSize = install(ACSTOR_V1, { ...READY, agentPools: [{ name: 'storage', count: 3, vmSize: 'Standard_X99', nodeLabels: { 'acstor.azure.com/io-engine': 'acstor' } }] });
    const unknownCount = install(ACSTOR_V1, { ...READY, agentPools: [{ name: 'storage', vmSize: 'Standard_D4s_v5', nodeLabels: { 'acstor.azure.com/io-engine': 'acstor' } }] });

    expect(unknownSize.blockedBy).toBeNull();
    expect(unknownSize.unchecked).toStrictEqual(['The vCPUs of storage (Standard_X99) are not in the VM size table; Azure Container Storage v1 needs 4 or more.']);
    expect(unknownCount.unchecked).toStrictEqual(['The node count of a labeled pool of cluster c1 is not in the body.']);
  });

  test('Container Storage v2 with local NVMe on a size the table does not list: unchecked', () => {
    const step = install({ ...ACSTOR, configurationSettings: { 'csiDriverConfigs.local-csi-driver.enabled': 'true' } }, { ...READY, agentPools: [{ name: 'gpu', count: 3, vmSize: 'Standard_ND96asr_v4' }] });

    expect(step.blockedBy).toBeNull();
    expect(step.unchecked).toStrictEqual(['Whether gpu (Standard_ND96asr_v4) has local NVMe disks is not in the VM size table.']);
  });
});

describe('a prerequisite the same plan fixes does not block', () => {
  test('a service principal cluster with the managed-identity rule on: the install waits for the switch instead', () => {
    const evaluation = evaluateInput({ cluster: { ...READY, identityType: null, spClientId: 'c0ffee' }, baseline: { rules: ALL_IDENTITY_RULES, requiredExtensions: [DAPR] } }, undefined, FACTS);

    const step = planStepOf(evaluation, 'required-extension/dapr:install-extension');
    expect(step.blockedBy).toBeNull();
    expect(step.dependsOn).toStrictEqual(['managed-identity:enable-managed-identity']);
  });

  test('Azure ML on a service principal cluster still waits for re-created node pools, whatever the plan', () => {
    const evaluation = evaluateInput({ cluster: { ...READY, identityType: null, spClientId: 'c0ffee', kubeletIdentity: undefined }, baseline: { rules: ALL_IDENTITY_RULES, requiredExtensions: [AZUREML] } }, undefined, FACTS);

    const step = planStepOf(evaluation, 'required-extension/azureml:install-extension');
    expect(step.missingPrerequisites?.map((item) => item.id)).toStrictEqual(['kubelet-identity']);
  });

  test('a missing prerequisite comes before ClusterStopped: starting the cluster would not register the provider', () => {
    const evaluation = evaluateInput({ cluster: { ...READY, powerState: 'Stopped' }, baseline: { requiredExtensions: [DAPR] } }, undefined, { providerRegistrations: { 'Microsoft.KubernetesConfiguration': 'Unregistered' } });

    expect(planStepOf(evaluation, 'required-extension/dapr:install-extension').blockedBy?.reason).toBe('PrerequisiteMissing');
  });
});

describe('what the app cannot do is planned for a person, never attempted', () => {
  test('Backup: Storage Blob Data Contributor for the extension identity, and Trusted Access for the vault', () => {
    const evaluation = evaluateInput({ cluster: READY, baseline: { rules: {}, requiredExtensions: [BACKUP] } }, undefined, FACTS);

    expect(evaluation.plan.map((step) => [step.action, step.blockedBy?.reason ?? null])).toStrictEqual([
      ['install-extension', null],
      ['manual-role-assignment', 'PrerequisiteMissing'],
      ['manual-trusted-access', 'PrerequisiteMissing'],
    ]);
    const role = planStepOf(evaluation, 'required-extension/azure-aks-backup:manual-role-assignment');
    expect(role.missingPrerequisites).toStrictEqual([
      {
        id: 'manual-role-assignment',
        message: "The identity Azure creates for extension azure-aks-backup needs Storage Blob Data Contributor on storage account aksbkeastus to write backups, and the app's role cannot assign roles; run this once the install has finished.",
        fix: `az role assignment create --assignee-object-id $(az k8s-extension show --name azure-aks-backup --resource-group rg1 --cluster-name c1 --cluster-type managedClusters --query aksAssignedIdentity.principalId --output tsv) --role "Storage Blob Data Contributor" --scope ${ACCOUNT_ID}`,
      },
    ]);
    expect(role.change).toStrictEqual({
      method: 'PUT',
      path: `${ACCOUNT_ID}/providers/Microsoft.Authorization/roleAssignments/<new GUID>`,
      body: { properties: { roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`, principalId: '<aksAssignedIdentity.principalId of extension azure-aks-backup>', principalType: 'ServicePrincipal' } },
    });
    const trusted = planStepOf(evaluation, 'required-extension/azure-aks-backup:manual-trusted-access');
    expect(trusted.missingPrerequisites?.[0]?.fix).toBe(
      'az aks trustedaccess rolebinding create --resource-group rg1 --cluster-name c1 --name azure-aks-backup --source-resource-id $(az dataprotection backup-vault show --resource-group <vault-resource-group> --vault-name <vault> --query id -o tsv) --roles Microsoft.DataProtection/backupVaults/backup-operator',
    );
    expect(trusted.change.path).toBe(`${CLUSTER_ID}/trustedAccessRoleBindings/azure-aks-backup`);
  });

  test('Backup without its storage names plans no role assignment (it cannot name the account), but still the Trusted Access', () => {
    const evaluation = evaluateInput({ cluster: READY, baseline: { requiredExtensions: [{ ...BACKUP, configurationSettings: {} }] } }, undefined, FACTS);

    expect(evaluation.plan.map((step) => step.action)).toStrictEqual(['install-extension', 'manual-trusted-access']);
  });

  test('Container Storage with Elastic SAN: Azure Container Storage Operator for the kubelet identity (v2: the subscription; v1: the node resource group)', () => {
    const v2 = evaluateInput({ cluster: READY, baseline: { requiredExtensions: [{ ...ACSTOR, configurationSettings: { 'csiDriverConfigs.azuresan-csi-driver.enabled': 'True' } }] } }, undefined, FACTS);
    const v1 = evaluateInput({ cluster: { ...READY, nodeResourceGroup: 'MC_rg1_c1_eastus' }, baseline: { requiredExtensions: [{ ...ACSTOR_V1, configurationSettings: { 'global.cli.storagePool.install.type': 'elasticSan' } }] } }, undefined, FACTS);
    const v1WithoutKubelet = evaluateInput({ cluster: { ...READY, kubeletIdentity: undefined }, baseline: { requiredExtensions: [{ ...ACSTOR_V1, configurationSettings: { 'global.cli.storagePool.elasticSan.enabled': 'True' } }] } }, undefined, FACTS);
    const v2WithoutKubelet = evaluateInput({ cluster: { ...READY, kubeletIdentity: undefined }, baseline: { requiredExtensions: [{ ...ACSTOR, configurationSettings: { 'csiDriverConfigs.azuresan-csi-driver.enabled': 'true' } }] } }, undefined, FACTS);

    expect(planStepOf(v2, 'required-extension/acstor:manual-role-assignment').missingPrerequisites?.[0]?.fix).toBe(`az role assignment create --assignee kubelet-object-id --role "Azure Container Storage Operator" --scope /subscriptions/${SUBSCRIPTION}`);
    expect(planStepOf(v1, 'required-extension/azurecontainerstorage:manual-role-assignment').missingPrerequisites?.[0]?.fix).toBe(
      `az role assignment create --assignee kubelet-object-id --role "Azure Container Storage Operator" --scope /subscriptions/${SUBSCRIPTION}/resourceGroups/MC_rg1_c1_eastus`,
    );
    const lookup = '$(az aks show --resource-group rg1 --name c1 --query identityProfile.kubeletidentity.objectId -o tsv)';
    expect(planStepOf(v1WithoutKubelet, 'required-extension/azurecontainerstorage:manual-role-assignment').missingPrerequisites?.[0]?.fix).toBe(
      `az role assignment create --assignee ${lookup} --role "Azure Container Storage Operator" --scope /subscriptions/${SUBSCRIPTION}/resourceGroups/<node resource group>`,
    );
    expect(planStepOf(v2WithoutKubelet, 'required-extension/acstor:manual-role-assignment').change.body).toStrictEqual({
      properties: { roleDefinitionId: '<id of role "Azure Container Storage Operator">', principalId: '<kubelet identity objectId>', principalType: 'ServicePrincipal' },
    });
  });

  test('the person\'s steps come only with an install: an installed extension plans none', () => {
    const evaluation = evaluateInput(
      { cluster: READY, extensions: [{ name: 'azure-aks-backup', extensionType: 'microsoft.dataprotection.kubernetes', provisioningState: 'Failed' }], baseline: { requiredExtensions: [BACKUP] } },
      undefined,
      FACTS,
    );

    expect(evaluation.plan.map((step) => step.action)).toStrictEqual(['repair-extension']);
  });
});

describe('regions and versions from the profile', () => {
  test('Dapr in a region its docs do not list is NotApplicable (RegionNotOffered), with the date read', () => {
    const result = resultOf(evaluateInput({ cluster: { ...READY, location: 'Qatar Central' }, baseline: { requiredExtensions: [DAPR] } }), 'required-extension/dapr');

    expect(result).toMatchObject({ status: 'NotApplicable', reason: 'RegionNotOffered', observed: { location: 'qatarcentral' } });
    expect(result.message).toBe('dapr (Microsoft.Dapr) is not offered on AKS in qatarcentral: Dapr lists 34 regions (its docs, read 2026-02-05). Give "regions" in the baseline to override the list.');
  });

  test('a baseline\'s regions override the list, and an installed extension is judged wherever it runs', () => {
    const overridden = evaluateInput({ cluster: { ...READY, location: 'qatarcentral' }, baseline: { requiredExtensions: [{ ...DAPR, regions: ['qatarcentral'] }] } });
    const installed = evaluateInput({ cluster: { ...READY, location: 'qatarcentral' }, extensions: [{ name: 'dapr', extensionType: 'Microsoft.Dapr' }], baseline: { requiredExtensions: [DAPR] } });

    expect(resultOf(overridden, 'required-extension/dapr').reason).toBe('ExtensionMissing');
    expect(resultOf(installed, 'required-extension/dapr').reason).toBe('ExtensionCompliant');
  });

  test('a type without a published list is offered everywhere (Flux)', () => {
    expect(resultOf(evaluateInput({ cluster: { ...READY, location: 'qatarcentral' }, baseline: { requiredExtensions: [FLUX] } }), 'required-extension/flux').reason).toBe('ExtensionMissing');
  });
});

describe('the default profile (any other type)', () => {
  test('the generic path: the type lower-cased, no scope, no release train, provider and managed identity checked', () => {
    const step = install({ name: 'widget', extensionType: 'Contoso.Widget', mode: 'auto' }, { ...READY, identityType: null, spClientId: 'c0ffee' }, { providerRegistrations: { 'Microsoft.KubernetesConfiguration': 'Registering' } });

    expect(step.change.body).toStrictEqual({ properties: { extensionType: 'contoso.widget', autoUpgradeMinorVersion: true, configurationSettings: {} } });
    expect(step.missingPrerequisites?.map((item) => item.id)).toStrictEqual(['managed-identity', 'provider-registered:Microsoft.KubernetesConfiguration']);
  });
});
