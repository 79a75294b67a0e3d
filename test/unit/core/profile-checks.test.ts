// What a cataloged type's profile says about a baseline before anything is evaluated (issue 15, Build point 5):
// errors for what cannot mean anything (a CLI alias beside its key, a setting the CLI always computes), warnings that
// `baseline validate` prints without failing (one-shot, client-side or unknown settings; an install that will be
// blocked; a scope or name the CLI would not use). CLI aliases are mapped to the real keys.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parseBaseline } from '../../../src/core/baseline.js';
import { baselineWarnings } from '../../../src/core/profile-checks.js';
import { baselineOf, evaluateInput, planStepOf, problemsOf, resultOf } from '../../support/builders.js';
import { repoPath } from '../../support/paths.js';

const BACKUP = { name: 'azure-aks-backup', extensionType: 'microsoft.dataprotection.kubernetes', mode: 'auto' };
const STORAGE = { blobContainer: 'c1', storageAccount: 'sa', storageAccountResourceGroup: 'rg', storageAccountSubscriptionId: '00000000-0000-0000-0000-000000000000' };

describe('CLI aliases', () => {
  test('are mapped to the keys the CLI sends, in any casing', () => {
    const [entry] = baselineOf({ requiredExtensions: [{ ...BACKUP, configurationSettings: { BLOBCONTAINER: 'c1', storageAccount: 'sa', cpuLimit: 2, 'configuration.backupStorageLocation.config.resourceGroup': 'rg' } }] }).requiredExtensions;

    expect(entry?.configurationSettings).toStrictEqual({
      'configuration.backupStorageLocation.bucket': 'c1',
      'configuration.backupStorageLocation.config.storageAccount': 'sa',
      'resources.limits.cpu': '2',
      'configuration.backupStorageLocation.config.resourceGroup': 'rg',
    });
  });

  test('an alias beside its key, or twice in two casings, is an error naming both', () => {
    const problems = problemsOf(() => baselineOf({ requiredExtensions: [{ ...BACKUP, configurationSettings: { blobContainer: 'a', 'configuration.backupStorageLocation.bucket': 'b', useAAD: true, USEAAD: false } }] }));

    expect(problems).toStrictEqual([
      'requiredExtensions[0].configurationSettings["configuration.backupStorageLocation.bucket"]: names configuration.backupStorageLocation.bucket, as "blobContainer" does already (Azure Backup for AKS takes the CLI\'s name or the key, once)',
      'requiredExtensions[0].configurationSettings["USEAAD"]: names configuration.backupStorageLocation.config.useAAD, as "useAAD" does already (Azure Backup for AKS takes the CLI\'s name or the key, once)',
    ]);
  });

  test('names that only look like aliases are left alone for other types', () => {
    const [entry] = baselineOf({ requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', configurationSettings: { blobContainer: 'x' } }] }).requiredExtensions;

    expect(entry?.configurationSettings).toStrictEqual({ blobContainer: 'x' });
  });
});

describe('settings the CLI always computes cannot be set', () => {
  const cases: [type: string, key: string, problem: string][] = [
    ['Microsoft.Dapr', 'global.clusterType', 'requiredExtensions[0].configurationSettings["global.clusterType"]: is set by the Azure CLI on every Dapr create (`managedclusters`); leave it out of the baseline'],
    ['Microsoft.AzureML.Kubernetes', 'domain', 'requiredExtensions[0].configurationSettings["domain"]: is set by the Azure CLI on every Azure Machine Learning create (`<cluster location>.cloudapp.azure.com`); leave it out of the baseline'],
    [
      'microsoft.dataprotection.kubernetes',
      'credentials.tenantId',
      'requiredExtensions[0].configurationSettings["credentials.tenantId"]: is set by the Azure CLI on every Azure Backup for AKS create (the tenant of the cluster\'s subscription (the tenantId fact, else the cluster identity\'s tenant)); leave it out of the baseline',
    ],
  ];
  test.each(cases)('%s %s', (extensionType, key, problem) => {
    expect(problemsOf(() => baselineOf({ requiredExtensions: [{ name: 'x', extensionType, mode: 'auto', configurationSettings: { [key]: 'v' } }] }))).toStrictEqual([problem]);
  });

  test('a setting the CLI computes only by default may be set (Azure ML location)', () => {
    const evaluation = evaluateInput({ baseline: { requiredExtensions: [{ name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', configurationSettings: { enableTraining: true, location: 'westeurope' } }] } });

    const settings = (planStepOf(evaluation, 'required-extension/azureml:install-extension').change.body.properties as { configurationSettings: Record<string, string> }).configurationSettings;
    expect(settings).toMatchObject({ location: 'westeurope', jobSchedulerLocation: 'eastus' });
  });
});

describe('baselineWarnings', () => {
  const warnings = (entry: Record<string, unknown>) => baselineWarnings(baselineOf({ requiredExtensions: [entry] }));

  const cases: [name: string, entry: Record<string, unknown>, expected: string[]][] = [
    [
      'a one-shot Container Storage v1 setting',
      { name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage', mode: 'auto', configurationSettings: { 'global.cli.storagePool.install.create': 'True', 'cli.storagePool.type': '' } },
      [
        'requiredExtensions[0].configurationSettings["global.cli.storagePool.install.create"]: is one-shot for Azure Container Storage (v1): sent on install only, never compared or PATCHed (the Azure CLI resets it after each install)',
        'requiredExtensions[0].configurationSettings["cli.storagePool.type"]: is one-shot for Azure Container Storage (v1): sent on install only, never compared or PATCHed (the Azure CLI resets it after each install)',
      ],
    ],
    [
      'a key Azure Backup does not read, and a storage name left out',
      { ...BACKUP, configurationSettings: { blobContainer: 'c1', storageAccount: 'sa', storageAccountResourceGroup: 'rg', retention: '7d' } },
      [
        'requiredExtensions[0].configurationSettings["retention"]: is not a setting Azure Backup for AKS reads (the Azure CLI drops it); its settings are blobContainer, storageAccount, storageAccountResourceGroup, storageAccountSubscriptionId, cpuLimit, memoryLimit, useAAD, storageAccountURI, configuration.backupStorageLocation.bucket, configuration.backupStorageLocation.config.storageAccount, configuration.backupStorageLocation.config.resourceGroup, configuration.backupStorageLocation.config.subscriptionId, resources.limits.cpu, resources.limits.memory, configuration.backupStorageLocation.config.useAAD, configuration.backupStorageLocation.config.storageAccountURI, credentials.tenantId',
        'requiredExtensions[0].configurationSettings: Azure Backup for AKS ("azure-aks-backup") needs configuration.backupStorageLocation.config.subscriptionId on create; its install is blocked until the baseline gives them',
      ],
    ],
    [
      'Azure Backup with a pinned version, auto-upgrade off and protected settings',
      { ...BACKUP, autoUpgradeMinorVersion: false, version: '1.0.0', configurationSettings: STORAGE, protectedSettings: { token: { appSetting: 'T' } } },
      [
        'requiredExtensions[0].version: the Azure CLI ignores it for Azure Backup for AKS (it always sends autoUpgradeMinorVersion true, never a version, never protected settings); the product sends it as the baseline gives it',
        'requiredExtensions[0].autoUpgradeMinorVersion: the Azure CLI ignores it for Azure Backup for AKS (it always sends autoUpgradeMinorVersion true, never a version, never protected settings); the product sends it as the baseline gives it',
        'requiredExtensions[0].protectedSettings: the Azure CLI ignores it for Azure Backup for AKS (it always sends autoUpgradeMinorVersion true, never a version, never protected settings); the product sends it as the baseline gives it',
      ],
    ],
    [
      "Azure ML's client-side PEM files, without TLS the product can send",
      {
        name: 'azureml',
        extensionType: 'Microsoft.AzureML.Kubernetes',
        mode: 'auto',
        configurationSettings: { enableInference: true, inferenceRouterServiceType: 'Ingress', logAnalyticsWS: true },
        protectedSettings: { sslCertPemFile: { appSetting: 'CERT' }, sslKeyPemFile: { appSetting: 'KEY' } },
      },
      [
        'requiredExtensions[0].protectedSettings["sslCertPemFile"]: is read by the Azure CLI on the user\'s machine and never reaches Azure Machine Learning; give protected "scoringFe.sslCert": the base64 of the certificate PEM file (what the CLI sends after reading the file)',
        'requiredExtensions[0].protectedSettings["sslKeyPemFile"]: is read by the Azure CLI on the user\'s machine and never reaches Azure Machine Learning; give protected "scoringFe.sslKey": the base64 of the key PEM file',
        'requiredExtensions[0].configurationSettings["logAnalyticsWS"]: is read by the Azure CLI on the user\'s machine and never reaches Azure Machine Learning; give "azure_log_analytics.enabled", "azure_log_analytics.customer_id" and protected "azure_log_analytics.connection_string" of a workspace you create (the CLI creates one; the app cannot)',
        'requiredExtensions[0].configurationSettings: enableInference is true and inferenceRouterServiceType is "Ingress": the CLI requires NodePort, LoadBalancer or ClusterIP. Its install is blocked until then: set "inferenceRouterServiceType" to NodePort, LoadBalancer or ClusterIP in the baseline',
        'requiredExtensions[0].configurationSettings: enableInference is true without TLS: the CLI needs a certificate or allowInsecureConnections true. Its install is blocked until then: give "sslSecret" (a Kubernetes secret in namespace azureml holding cert.pem and key.pem), or protected "scoringFe.sslCert" and "scoringFe.sslKey" (the base64 of the PEM files), or set "allowInsecureConnections": true',
        'requiredExtensions[0].configurationSettings: enableInference is true with TLS and no sslCname: the CLI requires the CNAME the certificate is for. Its install is blocked until then: set "sslCname" in the baseline',
      ],
    ],
    [
      "Azure ML's NodePort behind an internal load balancer, and a relay and Service Bus the CLI would create",
      {
        name: 'azureml',
        extensionType: 'Microsoft.AzureML.Kubernetes',
        mode: 'auto',
        configurationSettings: { enableInference: true, inferenceRouterServiceType: 'nodePort', internalLoadBalancerProvider: 'Azure', allowInsecureConnections: true, 'relayserver.enabled': true, 'servicebus.enabled': true },
      },
      [
        'requiredExtensions[0].configurationSettings: inferenceRouterServiceType NodePort and internalLoadBalancerProvider azure exclude each other (the CLI refuses both). Its install is blocked until then: drop one of them from the baseline',
        'requiredExtensions[0].configurationSettings: relayserver.enabled is true without relayServerConnectionString: the CLI would create an Azure Relay namespace, which the app cannot. Its install is blocked until then: give protected "relayServerConnectionString", or leave relayserver.enabled false (the AKS default)',
        'requiredExtensions[0].configurationSettings: servicebus.enabled is true without serviceBusConnectionString: the CLI would create a Service Bus namespace, which the app cannot. Its install is blocked until then: give protected "serviceBusConnectionString", or leave servicebus.enabled false (the default)',
      ],
    ],
    [
      'Flux at namespace scope',
      { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', scope: { namespace: { targetNamespace: 'team-a' } } },
      ['requiredExtensions[0].scope: Flux (GitOps) ("flux") installs at cluster scope only (the Azure CLI refuses namespace scope; ARM answers 400); its install is blocked until the scope is cluster or left out'],
    ],
    [
      'Azure ML in another namespace',
      { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', scope: { cluster: { releaseNamespace: 'ml' } }, configurationSettings: { enableTraining: true } },
      ['requiredExtensions[0].scope.cluster.releaseNamespace: Azure Machine Learning ("azureml") is always installed in azureml (the Azure CLI uses no other); "ml" is not sent'],
    ],
    [
      'Container Storage v2 under another name',
      { name: 'storage', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto' },
      ['requiredExtensions[0].name: the Azure CLI finds Azure Container Storage by the name "acstor"; installed as "storage", later az aks updates of it fail'],
    ],
    ['an uncataloged type', { name: 'widget', extensionType: 'contoso.widget', mode: 'auto', configurationSettings: { 'global.cli.x': 'y' } }, []],
    ['Azure ML with protected training and inference flags (their values cannot be read here)', { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', protectedSettings: { enableTraining: { appSetting: 'T' } } }, []],
  ];
  test.each(cases)('%s', (_name, entry, expected) => {
    expect(warnings(entry)).toStrictEqual(expected);
  });

  test('the shipped baselines have none', () => {
    const dir = repoPath('baselines', 'examples');
    const files = [...readdirSync(dir).map((file) => path.join(dir, file)), repoPath('baselines', 'default.json')];

    expect(files.flatMap((file) => baselineWarnings(parseBaseline(readFileSync(file, 'utf8'), file)).map((warning) => `${path.basename(file)}: ${warning}`))).toStrictEqual([]);
  });
});

describe('one-shot settings are sent on install and never compared or PATCHed', () => {
  const V1 = { name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage', mode: 'auto', configurationSettings: { 'global.cli.storagePool.install.create': 'True', 'global.cli.activeControl': 'True', other: 'x' } };
  const labeled = { agentPools: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', nodeLabels: { 'acstor.azure.com/io-engine': 'acstor' } }] };

  test('the install carries them', () => {
    const step = planStepOf(evaluateInput({ cluster: labeled, baseline: { requiredExtensions: [V1] } }), 'required-extension/azurecontainerstorage:install-extension');

    expect((step.change.body.properties as { configurationSettings: Record<string, string> }).configurationSettings).toStrictEqual(V1.configurationSettings);
  });

  test('reset by the CLI after the install: still Compliant', () => {
    const installed = { name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage', configurationSettings: { 'global.cli.storagePool.install.create': 'False', 'global.cli.activeControl': 'True', other: 'x' } };

    expect(resultOf(evaluateInput({ cluster: labeled, extensions: [installed], baseline: { requiredExtensions: [V1] } }), 'required-extension/azurecontainerstorage').reason).toBe('ExtensionCompliant');
  });

  test('a repair and an update leave them out (a "fix" would arm pool creation again)', () => {
    const failed = { name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage', provisioningState: 'Failed', configurationSettings: { 'global.cli.storagePool.install.create': 'True' } };
    const drifted = { name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage', configurationSettings: { other: 'y' } };

    const repair = planStepOf(evaluateInput({ cluster: labeled, extensions: [failed], baseline: { requiredExtensions: [V1] } }), 'required-extension/azurecontainerstorage:repair-extension');
    const update = planStepOf(evaluateInput({ cluster: labeled, extensions: [drifted], baseline: { requiredExtensions: [V1] } }), 'required-extension/azurecontainerstorage:update-extension');

    expect((repair.change.body.properties as { configurationSettings: Record<string, string> }).configurationSettings).toStrictEqual({ other: 'x' });
    expect(update.change.body).toStrictEqual({ properties: { configurationSettings: { other: 'x' } } });
  });
});
