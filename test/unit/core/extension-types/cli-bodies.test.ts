// Installs and updates match the Azure CLI (issue 15, Build point 3). Each row gives the inputs a documented
// `az k8s-extension create/update` (or `az aks update --enable-azure-container-storage`) call takes, the baseline entry
// with the same inputs, and the body that CLI sends, written out by hand from reading the CLI's code (azure-cli-extensions
// src/k8s-extension/azext_k8s_extension/partner_extensions/*.py, and azure-cli's acs module for Container Storage; the
// commits and functions per setting are in docs/extensions.md; no code copied). The product's planned request must equal it.
//
// Read the same way for every row: the CLI also passes empty `configurationProtectedSettings` (and, on update, empty
// settings) dicts; the product sends protected settings only as references (PlanStep.protectedSettingRefs) and never an
// empty map, so the CLI bodies below leave them out. Protected settings are compared by name.
import { describe, expect, test } from '@jest/globals';
import { CLUSTER_ID, evaluateInput, planStepOf, SUBSCRIPTION, type ClusterOptions, type ExtensionOptions } from '../../../support/builders.js';
import type { EvaluationFacts } from '../../../../src/core/types.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BACKUP_ACCOUNT = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.Storage/storageAccounts/aksbkeastus`;
const NEW_ACCOUNT = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.Storage/storageAccounts/aksbk2eastus`;

/** What the edge would know about a subscription where every prerequisite holds. */
const FACTS: EvaluationFacts = {
  tenantId: TENANT,
  providerRegistrations: { 'Microsoft.KubernetesConfiguration': 'Registered', 'Microsoft.ElasticSan': 'Registered' },
  storageAccounts: {
    [BACKUP_ACCOUNT]: { location: 'East US', blobEndpoint: 'https://aksbkeastus.blob.core.windows.net/', blobContainers: ['c1-rg1', 'c1-new'] },
    [NEW_ACCOUNT]: { location: 'eastus', blobEndpoint: 'https://aksbk2eastus.blob.core.windows.net/', blobContainers: ['c1-new'] },
  },
};

/** A cluster every type's prerequisites hold on: managed identity, kubelet identity, CSI on, 3 nodes of 4 vCPUs. */
const READY: ClusterOptions = {
  kubeletIdentity: { objectId: 'kubelet-object-id' },
  storageProfile: { diskCSIDriver: { enabled: true }, snapshotController: { enabled: true } },
  agentPools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System', osType: 'Linux' }],
};

interface CreateRow {
  name: string;
  /** The command the row stands for, for the reader. */
  command: string;
  cluster?: ClusterOptions;
  entry: Record<string, unknown>;
  /** The PUT body the CLI sends. */
  cli: Record<string, unknown>;
  /** The protected settings the CLI sends, by name. */
  cliProtected?: string[];
}

const AZUREML_GENERATED = {
  cluster_name: CLUSTER_ID,
  clusterId: CLUSTER_ID,
  'prometheus.prometheusSpec.externalLabels.cluster_name': CLUSTER_ID,
  domain: 'eastus.cloudapp.azure.com',
  location: 'eastus',
  jobSchedulerLocation: 'eastus',
  cluster_name_friendly: 'c1',
  'servicebus.enabled': 'false',
  'relayserver.enabled': 'false',
  'nginxIngress.enabled': 'true',
};

const creates: CreateRow[] = [
  {
    name: 'Dapr, defaults (the CLI asks whether Dapr is installed: no)',
    command: 'az k8s-extension create -t managedClusters -c c1 -g rg1 -n dapr --extension-type Microsoft.Dapr --auto-upgrade-minor-version true --config global.ha.enabled=true',
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { 'global.ha.enabled': true } },
    cli: {
      properties: {
        extensionType: 'microsoft.dapr',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'dapr-system' } },
        configurationSettings: { 'global.ha.enabled': 'true', 'global.clusterType': 'managedclusters' },
      },
    },
  },
  {
    name: 'Dapr, pinned version in its namespace',
    command: 'az k8s-extension create ... -n dapr --extension-type Microsoft.Dapr --scope cluster --release-namespace dapr-system --release-train Stable --auto-upgrade-minor-version false --version 1.14.4-msft.10',
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', releaseTrain: 'Stable', autoUpgradeMinorVersion: false, version: '1.14.4-msft.10', scope: { cluster: { releaseNamespace: 'dapr-system' } } },
    cli: {
      properties: {
        extensionType: 'microsoft.dapr',
        autoUpgradeMinorVersion: false,
        releaseTrain: 'Stable',
        version: '1.14.4-msft.10',
        scope: { cluster: { releaseNamespace: 'dapr-system' } },
        configurationSettings: { 'global.clusterType': 'managedclusters' },
      },
    },
  },
  {
    name: 'Dapr over an existing Dapr install (no prompt): HA off unless given',
    command: 'az k8s-extension create ... -n dapr --extension-type Microsoft.Dapr --auto-upgrade-minor-version true --config existingDaprReleaseName=dapr existingDaprReleaseNamespace=dapr-system',
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { existingDaprReleaseName: 'dapr', existingDaprReleaseNamespace: 'dapr-system' } },
    cli: {
      properties: {
        extensionType: 'microsoft.dapr',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'dapr-system' } },
        configurationSettings: { existingDaprReleaseName: 'dapr', existingDaprReleaseNamespace: 'dapr-system', 'global.ha.enabled': 'false', 'global.clusterType': 'managedclusters' },
      },
    },
  },
  {
    name: 'Azure ML for training on a 3-node cluster',
    command: 'az k8s-extension create ... -n azureml --extension-type Microsoft.AzureML.Kubernetes --auto-upgrade-minor-version true --config enableTraining=True',
    entry: { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { enableTraining: 'True' } },
    cli: {
      properties: {
        extensionType: 'microsoft.azureml.kubernetes',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'azureml' } },
        configurationSettings: { enableTraining: 'True', enableInference: 'False', ...AZUREML_GENERATED },
      },
    },
  },
  {
    name: 'Azure ML for inference over NodePort without TLS, on a 2-node cluster',
    command: 'az k8s-extension create ... -n azureml --extension-type Microsoft.AzureML.Kubernetes --auto-upgrade-minor-version true --config enableInference=true inferenceRouterServiceType=NodePort allowInsecureConnections=true',
    cluster: { ...READY, agentPools: [{ name: 'system', count: 2, vmSize: 'Standard_D4s_v5', mode: 'System' }] },
    entry: { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { enableInference: true, inferenceRouterServiceType: 'NodePort', allowInsecureConnections: true } },
    cli: {
      properties: {
        extensionType: 'microsoft.azureml.kubernetes',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'azureml' } },
        configurationSettings: {
          enableInference: 'true',
          inferenceRouterServiceType: 'NodePort',
          allowInsecureConnections: 'true',
          enableTraining: 'False',
          'scoringFe.serviceType.nodePort': 'True',
          clusterPurpose: 'DevTest',
          inferenceRouterHA: 'false',
          ...AZUREML_GENERATED,
        },
      },
    },
  },
  {
    name: 'Azure ML for inference with TLS from a Kubernetes secret, behind an internal load balancer',
    command: 'az k8s-extension create ... --extension-type Microsoft.AzureML.Kubernetes --auto-upgrade-minor-version true --config enableTraining=true enableInference=true inferenceRouterServiceType=LoadBalancer internalLoadBalancerProvider=azure sslSecret=azureml-tls sslCname=ml.contoso.com',
    entry: {
      name: 'azureml',
      extensionType: 'Microsoft.AzureML.Kubernetes',
      mode: 'auto',
      autoUpgradeMinorVersion: true,
      configurationSettings: { enableTraining: true, enableInference: true, inferenceRouterServiceType: 'LoadBalancer', internalLoadBalancerProvider: 'azure', sslSecret: 'azureml-tls', sslCname: 'ml.contoso.com' },
    },
    cli: {
      properties: {
        extensionType: 'microsoft.azureml.kubernetes',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'azureml' } },
        configurationSettings: {
          enableTraining: 'true',
          enableInference: 'true',
          inferenceRouterServiceType: 'LoadBalancer',
          internalLoadBalancerProvider: 'azure',
          sslSecret: 'azureml-tls',
          sslCname: 'ml.contoso.com',
          'scoringFe.serviceType.internalLoadBalancer': 'True',
          'scoringFe.sslSecret': 'azureml-tls',
          ...AZUREML_GENERATED,
        },
      },
    },
  },
  {
    name: 'Azure ML with TLS from PEM files: the CLI sends their base64 as scoringFe.sslCert/sslKey, which the baseline references',
    command: 'az k8s-extension create ... --config enableInference=true inferenceRouterServiceType=LoadBalancer sslCname=ml.contoso.com --config-protected sslCertPemFile=cert.pem sslKeyPemFile=key.pem',
    entry: {
      name: 'azureml',
      extensionType: 'Microsoft.AzureML.Kubernetes',
      mode: 'auto',
      autoUpgradeMinorVersion: true,
      configurationSettings: { enableInference: true, inferenceRouterServiceType: 'LoadBalancer', sslCname: 'ml.contoso.com' },
      protectedSettings: { 'scoringFe.sslCert': { appSetting: 'ML_TLS_CERT' }, 'scoringFe.sslKey': { appSetting: 'ML_TLS_KEY' } },
    },
    cli: {
      properties: {
        extensionType: 'microsoft.azureml.kubernetes',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'azureml' } },
        configurationSettings: { enableInference: 'true', inferenceRouterServiceType: 'LoadBalancer', sslCname: 'ml.contoso.com', enableTraining: 'False', ...AZUREML_GENERATED },
      },
    },
    // The CLI keeps the file paths beside the contents; they are client-side (the product warns about them).
    cliProtected: ['sslCertPemFile', 'sslKeyPemFile', 'scoringFe.sslCert', 'scoringFe.sslKey'],
  },
  {
    name: 'Flux on the generic path, cluster scope in flux-system',
    command: 'az k8s-extension create ... -n flux --extension-type microsoft.flux --scope cluster --release-namespace flux-system --auto-upgrade-minor-version true --config multiTenancy.enforce=false',
    entry: { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', autoUpgradeMinorVersion: true, scope: { cluster: { releaseNamespace: 'flux-system' } }, configurationSettings: { 'multiTenancy.enforce': false } },
    cli: { properties: { extensionType: 'microsoft.flux', autoUpgradeMinorVersion: true, scope: { cluster: { releaseNamespace: 'flux-system' } }, configurationSettings: { 'multiTenancy.enforce': 'false' } } },
  },
  {
    name: 'Flux on a release train, version pinned',
    command: 'az k8s-extension create ... -n flux --extension-type Microsoft.Flux --scope cluster --release-namespace flux-system --release-train Preview --auto-upgrade-minor-version false --version 1.14.1',
    entry: { name: 'flux', extensionType: 'Microsoft.Flux', mode: 'auto', releaseTrain: 'Preview', autoUpgradeMinorVersion: false, version: '1.14.1', scope: { cluster: { releaseNamespace: 'flux-system' } } },
    cli: { properties: { extensionType: 'microsoft.flux', autoUpgradeMinorVersion: false, releaseTrain: 'Preview', version: '1.14.1', scope: { cluster: { releaseNamespace: 'flux-system' } }, configurationSettings: {} } },
  },
  {
    name: 'Azure Container Storage v2, the installer alone',
    command: 'az aks update -g rg1 -n c1 --enable-azure-container-storage',
    entry: { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto', autoUpgradeMinorVersion: true },
    cli: { properties: { extensionType: 'microsoft.azurecontainerstoragev2', autoUpgradeMinorVersion: true, releaseTrain: 'stable', scope: { cluster: { releaseNamespace: 'kube-system' } }, configurationSettings: {} } },
  },
  {
    name: 'Azure Container Storage v2 with local NVMe, on a pool that has NVMe disks',
    command: 'az aks update -g rg1 -n c1 --enable-azure-container-storage ephemeralDisk',
    cluster: { ...READY, agentPools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System' }, { name: 'nvme', count: 3, vmSize: 'Standard_L8s_v3', mode: 'User' }] },
    entry: { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { 'csiDriverConfigs.local-csi-driver.enabled': 'True' } },
    cli: {
      properties: {
        extensionType: 'microsoft.azurecontainerstoragev2',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'kube-system' } },
        configurationSettings: { 'csiDriverConfigs.local-csi-driver.enabled': 'True' },
      },
    },
  },
  {
    name: 'Azure Container Storage v2 with Elastic SAN',
    command: 'az aks update -g rg1 -n c1 --enable-azure-container-storage elasticSan',
    entry: { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { 'csiDriverConfigs.azuresan-csi-driver.enabled': 'True' } },
    cli: {
      properties: {
        extensionType: 'microsoft.azurecontainerstoragev2',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'kube-system' } },
        configurationSettings: { 'csiDriverConfigs.azuresan-csi-driver.enabled': 'True' },
      },
    },
  },
  {
    name: 'Azure Backup for AKS with the four storage names',
    command: `az k8s-extension create ... -n azure-aks-backup --extension-type microsoft.dataprotection.kubernetes --scope cluster --config blobContainer=c1-rg1 storageAccount=aksbkeastus storageAccountResourceGroup=rg-backup storageAccountSubscriptionId=${SUBSCRIPTION}`,
    entry: {
      name: 'azure-aks-backup',
      extensionType: 'microsoft.dataprotection.kubernetes',
      mode: 'auto',
      scope: { cluster: {} },
      configurationSettings: { blobContainer: 'c1-rg1', storageAccount: 'aksbkeastus', storageAccountResourceGroup: 'rg-backup', storageAccountSubscriptionId: SUBSCRIPTION },
    },
    cli: {
      properties: {
        extensionType: 'microsoft.dataprotection.kubernetes',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: {} },
        configurationSettings: {
          'configuration.backupStorageLocation.bucket': 'c1-rg1',
          'configuration.backupStorageLocation.config.storageAccount': 'aksbkeastus',
          'configuration.backupStorageLocation.config.resourceGroup': 'rg-backup',
          'configuration.backupStorageLocation.config.subscriptionId': SUBSCRIPTION,
          'credentials.tenantId': TENANT,
          'configuration.backupStorageLocation.config.useAAD': 'true',
          'configuration.backupStorageLocation.config.storageAccountURI': 'https://aksbkeastus.blob.core.windows.net/',
        },
      },
    },
  },
  {
    name: 'Azure Backup for AKS with limits, shared-key access and names in other casing',
    command: `az k8s-extension create ... --extension-type microsoft.dataprotection.kubernetes --scope cluster --release-namespace dataprotection-microsoft --release-train Stable --config BlobContainer=c1-rg1 STORAGEACCOUNT=aksbkeastus storageAccountResourceGroup=rg-backup storageAccountSubscriptionId=${SUBSCRIPTION} cpuLimit=1 memoryLimit=1Gi useAAD=false`,
    entry: {
      name: 'azure-aks-backup',
      extensionType: 'microsoft.dataprotection.kubernetes',
      mode: 'auto',
      releaseTrain: 'Stable',
      scope: { cluster: { releaseNamespace: 'dataprotection-microsoft' } },
      configurationSettings: { BlobContainer: 'c1-rg1', STORAGEACCOUNT: 'aksbkeastus', storageAccountResourceGroup: 'rg-backup', storageAccountSubscriptionId: SUBSCRIPTION, cpuLimit: 1, memoryLimit: '1Gi', useAAD: false },
    },
    cli: {
      properties: {
        extensionType: 'microsoft.dataprotection.kubernetes',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'Stable',
        scope: { cluster: { releaseNamespace: 'dataprotection-microsoft' } },
        configurationSettings: {
          'configuration.backupStorageLocation.bucket': 'c1-rg1',
          'configuration.backupStorageLocation.config.storageAccount': 'aksbkeastus',
          'configuration.backupStorageLocation.config.resourceGroup': 'rg-backup',
          'configuration.backupStorageLocation.config.subscriptionId': SUBSCRIPTION,
          'resources.limits.cpu': '1',
          'resources.limits.memory': '1Gi',
          'configuration.backupStorageLocation.config.useAAD': 'false',
          'credentials.tenantId': TENANT,
          'configuration.backupStorageLocation.config.storageAccountURI': 'https://aksbkeastus.blob.core.windows.net/',
        },
      },
    },
  },
];

describe('an install sends what the Azure CLI sends for the same inputs', () => {
  test.each(creates)('$name', (row) => {
    // Prepare: a cluster where the type's prerequisites hold, and what the edge read around it.
    const baseline = { rules: { managedIdentity: { mode: 'approval' } }, requiredExtensions: [row.entry] };

    // Act
    const evaluation = evaluateInput({ cluster: row.cluster ?? READY, baseline }, undefined, FACTS);

    // Assess: the PUT of the install, not blocked, with no identity and no location (the CLI sends none for AKS).
    const step = planStepOf(evaluation, `required-extension/${String(row.entry.name)}:install-extension`);
    expect(step.blockedBy).toBeNull();
    expect(step.change.method).toBe('PUT');
    expect(step.change.path).toBe(`${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/${String(row.entry.name)}`);
    expect(step.change.body).toStrictEqual(row.cli);
    const cliProtected = row.cliProtected ?? [];
    // Every protected setting the product sends, the CLI sends too; the CLI's others are its client-side file paths.
    expect(Object.keys(step.protectedSettingRefs ?? {}).filter((name) => !cliProtected.includes(name))).toStrictEqual([]);
    expect(cliProtected.filter((name) => !(name in (step.protectedSettingRefs ?? {})))).toStrictEqual(cliProtected.filter((name) => name.endsWith('PemFile')));
  });
});

describe('where the product deliberately says more than the CLI', () => {
  test('a baseline without auto-upgrade or scope: the product sends ARM\'s defaults (auto-upgrade true) and the type\'s namespace explicitly', () => {
    // az k8s-extension create ... -n flux --extension-type microsoft.flux sends { extensionType, configurationSettings: {} }:
    // ARM then applies autoUpgradeMinorVersion true and the type's default scope (cluster, flux-system).
    const cli = { extensionType: 'microsoft.flux', configurationSettings: {} };

    const evaluation = evaluateInput({ cluster: READY, baseline: { requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', mode: 'auto' }] } }, undefined, FACTS);

    const body = planStepOf(evaluation, 'required-extension/flux:install-extension').change.body as { properties: Record<string, unknown> };
    expect(body.properties).toStrictEqual({ ...cli, autoUpgradeMinorVersion: true, scope: { cluster: { releaseNamespace: 'flux-system' } } });
  });
});

interface UpdateRow {
  name: string;
  command: string;
  installed: ExtensionOptions;
  entry: Record<string, unknown>;
  /** The PATCH body the CLI sends. */
  cli: Record<string, unknown>;
}

const backupInstalled: ExtensionOptions = {
  name: 'azure-aks-backup',
  extensionType: 'microsoft.dataprotection.kubernetes',
  configurationSettings: {
    'configuration.backupStorageLocation.bucket': 'c1-rg1',
    'configuration.backupStorageLocation.config.storageAccount': 'aksbkeastus',
    'configuration.backupStorageLocation.config.resourceGroup': 'rg-backup',
    'configuration.backupStorageLocation.config.subscriptionId': SUBSCRIPTION,
    'configuration.backupStorageLocation.config.storageAccountURI': 'https://aksbkeastus.blob.core.windows.net/',
  },
};
const backupNames = { blobContainer: 'c1-rg1', storageAccount: 'aksbkeastus', storageAccountResourceGroup: 'rg-backup', storageAccountSubscriptionId: SUBSCRIPTION };

const updates: UpdateRow[] = [
  {
    name: 'Dapr upgrade of a pinned version: hooks.applyCrds "true"',
    command: 'az k8s-extension update ... -n dapr --version 1.14.4',
    installed: { name: 'dapr', extensionType: 'Microsoft.Dapr', autoUpgradeMinorVersion: false, version: '1.13.0' },
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: false, version: '1.14.4' },
    cli: { properties: { version: '1.14.4', configurationSettings: { 'hooks.applyCrds': 'true' } } },
  },
  {
    name: 'Dapr downgrade of a pinned version: hooks.applyCrds "false"',
    command: 'az k8s-extension update ... -n dapr --version 1.13.0',
    installed: { name: 'dapr', extensionType: 'Microsoft.Dapr', autoUpgradeMinorVersion: false, version: '1.14.4' },
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: false, version: '1.13.0' },
    cli: { properties: { version: '1.13.0', configurationSettings: { 'hooks.applyCrds': 'false' } } },
  },
  {
    name: 'Dapr pinned to a version it cannot compare: taken as a downgrade, "false"',
    command: 'az k8s-extension update ... -n dapr --version 1.14.4 (installed: a version SemVer cannot read)',
    installed: { name: 'dapr', extensionType: 'Microsoft.Dapr', autoUpgradeMinorVersion: false, version: 'latest' },
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: false, version: '1.14.4' },
    cli: { properties: { version: '1.14.4', configurationSettings: { 'hooks.applyCrds': 'false' } } },
  },
  {
    name: 'Dapr auto-upgrade turned off: hooks.applyCrds "false"',
    command: 'az k8s-extension update ... -n dapr --auto-upgrade-minor-version false',
    installed: { name: 'dapr', extensionType: 'Microsoft.Dapr', autoUpgradeMinorVersion: true, currentVersion: '1.14.4' },
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: false },
    cli: { properties: { autoUpgradeMinorVersion: false, configurationSettings: { 'hooks.applyCrds': 'false' } } },
  },
  {
    name: 'Dapr setting on an auto-upgrading extension: the update does not set auto-upgrade, so "false"',
    command: 'az k8s-extension update ... -n dapr --config dapr_operator.replicaCount=3',
    installed: { name: 'dapr', extensionType: 'Microsoft.Dapr', autoUpgradeMinorVersion: true, configurationSettings: { 'dapr_operator.replicaCount': '2' } },
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', configurationSettings: { 'dapr_operator.replicaCount': 3 } },
    cli: { properties: { configurationSettings: { 'dapr_operator.replicaCount': '3', 'hooks.applyCrds': 'false' } } },
  },
  {
    name: 'Dapr auto-upgrade turned back on: "true"',
    command: 'az k8s-extension update ... -n dapr --auto-upgrade-minor-version true',
    installed: { name: 'dapr', extensionType: 'Microsoft.Dapr', autoUpgradeMinorVersion: false, version: '1.14.4' },
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: true },
    // The product also unpins (ARM refuses a pin with auto-upgrade on); the CLI would send the same null only with --version ''.
    cli: { properties: { autoUpgradeMinorVersion: true, version: null, configurationSettings: { 'hooks.applyCrds': 'true' } } },
  },
  {
    name: 'Dapr with hooks.applyCrds in the baseline: passed as it is',
    command: 'az k8s-extension update ... -n dapr --config hooks.applyCrds=false',
    installed: { name: 'dapr', extensionType: 'Microsoft.Dapr', configurationSettings: { 'hooks.applyCrds': 'true' } },
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', configurationSettings: { 'hooks.applyCrds': false } },
    cli: { properties: { configurationSettings: { 'hooks.applyCrds': 'false' } } },
  },
  {
    name: 'Azure ML router type changed to NodePort',
    command: 'az k8s-extension update ... -n azureml --config inferenceRouterServiceType=NodePort --yes',
    installed: { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', configurationSettings: { inferenceRouterServiceType: 'LoadBalancer' } },
    entry: { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', configurationSettings: { inferenceRouterServiceType: 'NodePort' } },
    cli: { properties: { configurationSettings: { inferenceRouterServiceType: 'NodePort', 'scoringFe.serviceType.nodePort': 'True' } } },
  },
  {
    name: 'Azure ML internal load balancer turned on',
    command: 'az k8s-extension update ... -n azureml --config internalLoadBalancerProvider=azure --yes',
    installed: { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', configurationSettings: {} },
    entry: { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', configurationSettings: { internalLoadBalancerProvider: 'azure' } },
    cli: { properties: { configurationSettings: { internalLoadBalancerProvider: 'azure', 'scoringFe.serviceType.internalLoadBalancer': 'True' } } },
  },
  {
    name: 'Flux setting (the generic path)',
    command: 'az k8s-extension update ... -n flux --config multiTenancy.enforce=true',
    installed: { name: 'flux', extensionType: 'microsoft.flux', configurationSettings: { 'multiTenancy.enforce': 'false' } },
    entry: { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', configurationSettings: { 'multiTenancy.enforce': true } },
    cli: { properties: { configurationSettings: { 'multiTenancy.enforce': 'true' } } },
  },
  {
    name: 'Azure Container Storage v2: Elastic SAN turned off',
    command: 'az aks update -g rg1 -n c1 --disable-azure-container-storage elasticSan',
    installed: { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', configurationSettings: { 'csiDriverConfigs.azuresan-csi-driver.enabled': 'True' } },
    entry: { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto', configurationSettings: { 'csiDriverConfigs.azuresan-csi-driver.enabled': 'False' } },
    cli: { properties: { configurationSettings: { 'csiDriverConfigs.azuresan-csi-driver.enabled': 'False' } } },
  },
  {
    name: 'Azure Backup on another release train: auto-upgrade true, always',
    command: 'az k8s-extension update ... -n azure-aks-backup --release-train Preview',
    installed: backupInstalled,
    entry: { name: 'azure-aks-backup', extensionType: 'microsoft.dataprotection.kubernetes', mode: 'auto', releaseTrain: 'Preview', configurationSettings: backupNames },
    cli: { properties: { autoUpgradeMinorVersion: true, releaseTrain: 'Preview' } },
  },
  {
    name: 'Azure Backup moved to another container and account: all four names, the new blob endpoint',
    command: `az k8s-extension update ... -n azure-aks-backup --config blobContainer=c1-new storageAccount=aksbk2eastus storageAccountResourceGroup=rg-backup storageAccountSubscriptionId=${SUBSCRIPTION}`,
    installed: backupInstalled,
    entry: { name: 'azure-aks-backup', extensionType: 'microsoft.dataprotection.kubernetes', mode: 'auto', configurationSettings: { ...backupNames, blobContainer: 'c1-new', storageAccount: 'aksbk2eastus' } },
    cli: {
      properties: {
        autoUpgradeMinorVersion: true,
        configurationSettings: {
          'configuration.backupStorageLocation.bucket': 'c1-new',
          'configuration.backupStorageLocation.config.storageAccount': 'aksbk2eastus',
          'configuration.backupStorageLocation.config.resourceGroup': 'rg-backup',
          'configuration.backupStorageLocation.config.subscriptionId': SUBSCRIPTION,
          'configuration.backupStorageLocation.config.storageAccountURI': 'https://aksbk2eastus.blob.core.windows.net/',
        },
      },
    },
  },
  {
    name: 'Azure Backup installed before storageAccountURI existed: the update adds it (a move to Entra ID auth)',
    command: 'az k8s-extension update ... -n azure-aks-backup --release-train Preview',
    installed: { ...backupInstalled, configurationSettings: Object.fromEntries(Object.entries(backupInstalled.configurationSettings ?? {}).filter(([key]) => !key.endsWith('storageAccountURI'))) },
    entry: { name: 'azure-aks-backup', extensionType: 'microsoft.dataprotection.kubernetes', mode: 'auto', releaseTrain: 'Preview', configurationSettings: backupNames },
    cli: { properties: { autoUpgradeMinorVersion: true, releaseTrain: 'Preview', configurationSettings: { 'configuration.backupStorageLocation.config.storageAccountURI': 'https://aksbkeastus.blob.core.windows.net/' } } },
  },
];

describe('an update sends what the Azure CLI sends for the same inputs', () => {
  test.each(updates)('$name', (row) => {
    const evaluation = evaluateInput({ cluster: READY, extensions: [row.installed], baseline: { requiredExtensions: [row.entry] } }, undefined, FACTS);

    const step = planStepOf(evaluation, `required-extension/${String(row.entry.name)}:update-extension`);
    expect(step.blockedBy).toBeNull();
    expect(step.change).toStrictEqual({ method: 'PATCH', path: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/${row.installed.name}`, body: row.cli });
  });
});
