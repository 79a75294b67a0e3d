// Issue 15, done when: for each of the five seed extension types, on the emulator, through the real pipeline, SDK
// clients and the FactReader: a cluster without a prerequisite gets a PrerequisiteMissing finding naming it and no
// write; with it, the install body on the wire equals what `az k8s-extension create` (or `az aks update
// --enable-azure-container-storage`) sends for the same inputs, and the extension ends Succeeded. The CLI bodies are
// written out by hand from reading the CLI's code (research notes, sections B to F), as in
// test/unit/core/extension-types/cli-bodies.test.ts; the per-cluster and per-subscription values are this emulator's.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EMULATOR_TENANT_ID, startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { ArmClusterReader, ArmFactReader, ArmStepWriter, type ArmClients } from '../../../src/azure/arm/index.js';
import { noTelemetry } from '../../../src/azure/telemetry.js';
import { validateBaseline } from '../../../src/core/index.js';
import { runEvaluation, type EvaluationRun } from '../../../src/pipeline/evaluation.js';
import { scanPolicy } from '../../../src/pipeline/policies.js';
import { captureRequests, clientsFor, clusterBody, SUBSCRIPTION, type CapturedRequest, type Json } from '../../support/arm.js';
import { EMULATOR_START_TIMEOUT_MS } from '../../support/emulator.js';

const NOW = new Date('2026-01-15T12:00:00Z');
const GROUP = 'rg-test';
const LOCATION = 'eastus';
const BACKUP_GROUP = 'rg-aks-backup';

/** A managed-identity cluster in eastus with a kubelet identity, CSI on and 3 Linux nodes of 4 vCPUs; `change` adds the case's gaps. */
function seed(emulator: RunningEmulator, name: string, change: (body: Json) => void = () => {}): string {
  const { id, body } = clusterBody(name, (cluster) => {
    cluster['location'] = LOCATION;
    const properties = cluster['properties'] as Json;
    properties['identityProfile'] = {
      kubeletidentity: { resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/MC_${name}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-agentpool`, clientId: '5e6f7a8b-0000-4000-8000-000000000001', objectId: '5e6f7a8b-0000-4000-8000-000000000002' },
    };
    properties['storageProfile'] = { diskCSIDriver: { enabled: true }, snapshotController: { enabled: true } };
    properties['agentPoolProfiles'] = [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', osType: 'Linux', mode: 'System', type: 'VirtualMachineScaleSets' }];
    change(cluster);
  }, GROUP);
  emulator.putCluster(body);
  return id;
}

interface Case {
  type: string;
  entry: Record<string, unknown>;
  /** What the cluster (or its subscription) lacks, and the id of the prerequisite that names it. */
  without: { missing: string; prepare(emulator: RunningEmulator, name: string): string; message: RegExp; fix: RegExp };
  /** A cluster that has it. */
  with(emulator: RunningEmulator, name: string): string;
  /** The create body the CLI sends for the same inputs on the cluster `name`. */
  cli(name: string): Json;
}

const KUBERNETES_CONFIGURATION = 'Microsoft.KubernetesConfiguration';

/** A cluster in its own subscription, where Microsoft.KubernetesConfiguration is not registered. */
function unregisteredSubscription(subscriptionId: string) {
  return (emulator: RunningEmulator, name: string): string => {
    const id = seed(emulator, name);
    const moved = id.replace(SUBSCRIPTION, subscriptionId);
    const body = structuredClone(emulator.state.cluster(id)) as Json;
    body['id'] = moved;
    emulator.putCluster(body);
    emulator.setProviderRegistration(subscriptionId, KUBERNETES_CONFIGURATION, 'NotRegistered');
    return moved;
  };
}

const cases: Case[] = [
  {
    type: 'Dapr',
    entry: { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { 'global.ha.enabled': true } },
    without: {
      missing: `provider-registered:${KUBERNETES_CONFIGURATION}`,
      prepare: unregisteredSubscription('0c1d2e3f-0000-4000-8000-00000000da01'),
      message: /The Microsoft\.KubernetesConfiguration resource provider is NotRegistered on subscription 0c1d2e3f-0000-4000-8000-00000000da01/,
      fix: /^az provider register --namespace Microsoft\.KubernetesConfiguration --subscription 0c1d2e3f-0000-4000-8000-00000000da01 --wait$/,
    },
    with: (emulator, name) => seed(emulator, name),
    // az k8s-extension create -t managedClusters ... --extension-type Microsoft.Dapr --auto-upgrade-minor-version true --config global.ha.enabled=true (Dapr.py)
    cli: () => ({
      properties: {
        extensionType: 'microsoft.dapr',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'dapr-system' } },
        configurationSettings: { 'global.ha.enabled': 'true', 'global.clusterType': 'managedclusters' },
      },
    }),
  },
  {
    type: 'Azure Machine Learning',
    entry: { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { enableTraining: 'True' } },
    without: {
      missing: 'kubelet-identity',
      prepare: (emulator, name) => seed(emulator, name, (body) => delete (body['properties'] as Json)['identityProfile']),
      message: /kubelet/i,
      fix: /^az aks /,
    },
    with: (emulator, name) => seed(emulator, name),
    // az k8s-extension create ... --extension-type Microsoft.AzureML.Kubernetes --auto-upgrade-minor-version true --config enableTraining=True (AzureMLKubernetes.py)
    cli: (name) => {
      const id = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.ContainerService/managedClusters/${name}`;
      return {
        properties: {
          extensionType: 'microsoft.azureml.kubernetes',
          autoUpgradeMinorVersion: true,
          releaseTrain: 'stable',
          scope: { cluster: { releaseNamespace: 'azureml' } },
          configurationSettings: {
            enableTraining: 'True',
            enableInference: 'False',
            cluster_name: id,
            clusterId: id,
            'prometheus.prometheusSpec.externalLabels.cluster_name': id,
            domain: `${LOCATION}.cloudapp.azure.com`,
            location: LOCATION,
            jobSchedulerLocation: LOCATION,
            cluster_name_friendly: name,
            'servicebus.enabled': 'false',
            'relayserver.enabled': 'false',
            'nginxIngress.enabled': 'true',
          },
        },
      };
    },
  },
  {
    type: 'Flux',
    entry: { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', autoUpgradeMinorVersion: true, scope: { cluster: { releaseNamespace: 'flux-system' } }, configurationSettings: { 'multiTenancy.enforce': false } },
    without: {
      missing: `provider-registered:${KUBERNETES_CONFIGURATION}`,
      prepare: unregisteredSubscription('0c1d2e3f-0000-4000-8000-00000000f101'),
      message: /The Microsoft\.KubernetesConfiguration resource provider is NotRegistered on subscription 0c1d2e3f-0000-4000-8000-00000000f101/,
      fix: /^az provider register --namespace Microsoft\.KubernetesConfiguration --subscription 0c1d2e3f-0000-4000-8000-00000000f101 --wait$/,
    },
    with: (emulator, name) => seed(emulator, name),
    // az k8s-extension create ... --extension-type microsoft.flux --scope cluster --release-namespace flux-system --auto-upgrade-minor-version true --config multiTenancy.enforce=false (DefaultExtension.py)
    cli: () => ({ properties: { extensionType: 'microsoft.flux', autoUpgradeMinorVersion: true, scope: { cluster: { releaseNamespace: 'flux-system' } }, configurationSettings: { 'multiTenancy.enforce': 'false' } } }),
  },
  {
    type: 'Azure Container Storage',
    entry: { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { 'csiDriverConfigs.local-csi-driver.enabled': 'True' } },
    without: {
      missing: 'local-nvme-node-pool',
      prepare: (emulator, name) => seed(emulator, name),
      message: /no node pool of cluster .* has local NVMe disks/,
      fix: /^az aks nodepool add --resource-group rg-test --cluster-name .* --node-vm-size Standard_L8s_v3/,
    },
    with: (emulator, name) =>
      seed(emulator, name, (body) => {
        const pools = (body['properties'] as Json)['agentPoolProfiles'] as Json[];
        pools.push({ name: 'nvme', count: 3, vmSize: 'Standard_L8s_v3', osType: 'Linux', mode: 'User', type: 'VirtualMachineScaleSets' });
      }),
    // az aks update -g rg-test -n <cluster> --enable-azure-container-storage ephemeralDisk (acs acstor_ops.py, v2)
    cli: () => ({
      properties: {
        extensionType: 'microsoft.azurecontainerstoragev2',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: { releaseNamespace: 'kube-system' } },
        configurationSettings: { 'csiDriverConfigs.local-csi-driver.enabled': 'True' },
      },
    }),
  },
  {
    type: 'Azure Backup for AKS',
    entry: {
      name: 'azure-aks-backup',
      extensionType: 'microsoft.dataprotection.kubernetes',
      mode: 'auto',
      scope: { cluster: {} },
      configurationSettings: { blobContainer: '{cluster.name}-{cluster.resourceGroup}', storageAccount: 'aksbk{cluster.location}', storageAccountResourceGroup: BACKUP_GROUP, storageAccountSubscriptionId: SUBSCRIPTION },
    },
    without: {
      missing: 'csi-snapshot-controller',
      prepare: (emulator, name) => seed(emulator, name, (body) => ((body['properties'] as Json)['storageProfile'] = { diskCSIDriver: { enabled: true }, snapshotController: { enabled: false } })),
      message: /has the CSI snapshot controller off/,
      fix: /^az aks update --resource-group rg-test --name .* --enable-snapshot-controller$/,
    },
    with: (emulator, name) => seed(emulator, name),
    // az k8s-extension create ... --extension-type microsoft.dataprotection.kubernetes --scope cluster --config blobContainer=<cluster>-rg-test
    //   storageAccount=aksbkeastus storageAccountResourceGroup=rg-aks-backup storageAccountSubscriptionId=<sub> (DataProtectionKubernetes.py)
    cli: (name) => ({
      properties: {
        extensionType: 'microsoft.dataprotection.kubernetes',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'stable',
        scope: { cluster: {} },
        configurationSettings: {
          'configuration.backupStorageLocation.bucket': `${name}-${GROUP}`,
          'configuration.backupStorageLocation.config.storageAccount': 'aksbkeastus',
          'configuration.backupStorageLocation.config.resourceGroup': BACKUP_GROUP,
          'configuration.backupStorageLocation.config.subscriptionId': SUBSCRIPTION,
          'credentials.tenantId': EMULATOR_TENANT_ID,
          'configuration.backupStorageLocation.config.useAAD': 'true',
          'configuration.backupStorageLocation.config.storageAccountURI': 'https://aksbkeastus.blob.core.windows.net/',
        },
      },
    }),
  },
];

describe('the five seed extension types on the emulator (issue 15)', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ lroDurationMs: 50 });
    emulator.putStorageAccount({ subscriptionId: SUBSCRIPTION, resourceGroup: BACKUP_GROUP, name: 'aksbkeastus', location: LOCATION });
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => {
    await emulator?.stop();
  });

  async function run(clusterId: string, entry: Record<string, unknown>, arm: ArmClients): Promise<EvaluationRun> {
    const result = await runEvaluation(
      {
        reader: new ArmClusterReader(() => arm),
        facts: new ArmFactReader(() => arm),
        writer: new ArmStepWriter(() => arm, {}),
        telemetry: noTelemetry,
        baseline: validateBaseline({ version: 1, requiredExtensions: [entry] }),
      },
      scanPolicy({ apply: true, wait: true, record: false, approvals: [] }),
      { clusterId, cause: { kind: 'cli', id: 'profiles-test', caller: 'tester' }, now: NOW, log: { info: () => undefined, warn: () => undefined, error: () => undefined } },
    );
    if (!result.found) throw new Error(`${clusterId} was not found`);
    return result;
  }

  const extensionWrites = (requests: CapturedRequest[]) => requests.filter((request) => request.method !== 'GET' && request.url.includes('/extensions/'));

  test.each(cases)('$type: without the prerequisite, PrerequisiteMissing names it and nothing is written', async (row) => {
    const name = `${String(row.entry['name'])}-without`.slice(0, 40);
    const id = row.without.prepare(emulator, name);
    const capture = captureRequests();
    const arm = clientsFor(emulator, { additionalPolicies: [capture.policy] });

    const result = await run(id, row.entry, arm);

    const install = result.steps.find((report) => report.step.action === 'install-extension');
    expect(install?.step.blockedBy?.reason).toBe('PrerequisiteMissing');
    const missing = install?.step.missingPrerequisites?.find((prerequisite) => prerequisite.id === row.without.missing);
    expect(missing?.message).toMatch(row.without.message);
    expect(missing?.fix).toMatch(row.without.fix);
    expect(install?.outcome).toBe('blocked');
    expect(extensionWrites(capture.requests)).toStrictEqual([]);
    expect(arm.stats.requests.write).toBe(0);
    expect(emulator.state.extension(id, String(row.entry['name']))).toBeUndefined();
  });

  test.each(cases)('$type: with it, the install body is the CLI\'s and the extension ends Succeeded', async (row) => {
    const name = `${String(row.entry['name'])}-with`.slice(0, 40);
    const id = row.with(emulator, name);
    const capture = captureRequests();
    const arm = clientsFor(emulator, { additionalPolicies: [capture.policy] });

    const result = await run(id, row.entry, arm);

    const install = result.steps.find((report) => report.step.action === 'install-extension');
    expect({ outcome: install?.outcome, blockedBy: install?.step.blockedBy }).toStrictEqual({ outcome: 'applied', blockedBy: null });
    const puts = extensionWrites(capture.requests);
    expect(puts.map((request) => request.method)).toStrictEqual(['PUT']);
    expect(puts[0]?.body).toStrictEqual(row.cli(name));
    const stored = emulator.state.extension(id, String(row.entry['name'])) as { properties?: { provisioningState?: string } } | undefined;
    expect(stored?.properties?.provisioningState).toBe('Succeeded');
    expect(result.after?.evaluation.results.map((r) => r.status)).toStrictEqual(['Compliant']);
  });

  test('the facts are read once per subscription and account while the reader keeps them', async () => {
    const entry = cases[4]?.entry as Record<string, unknown>;
    const first = seed(emulator, 'bk-once-1');
    const second = seed(emulator, 'bk-once-2');
    const capture = captureRequests();
    const arm = clientsFor(emulator, { additionalPolicies: [capture.policy] });
    const facts = new ArmFactReader(() => arm);
    const baseline = validateBaseline({ version: 1, requiredExtensions: [entry] });
    const deps = { reader: new ArmClusterReader(() => arm), facts, writer: new ArmStepWriter(() => arm, {}), telemetry: noTelemetry, baseline };
    const request = (clusterId: string) => ({ clusterId, cause: { kind: 'cli' as const, id: 'once', caller: 'tester' }, now: NOW, log: { info: () => undefined, warn: () => undefined, error: () => undefined } });

    await runEvaluation(deps, scanPolicy({ apply: false, wait: false, record: false, approvals: [] }), request(first));
    await runEvaluation(deps, scanPolicy({ apply: false, wait: false, record: false, approvals: [] }), request(second));

    const factReads = capture.requests.filter((r) => /\/providers\/Microsoft\.KubernetesConfiguration\?|\/storageAccounts\/|\/subscriptions\/[^/]+\?/i.test(r.url)).map((r) => new URL(r.url).pathname);
    expect(factReads.sort()).toStrictEqual([
      `/subscriptions/${SUBSCRIPTION}`,
      `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KubernetesConfiguration`,
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${BACKUP_GROUP}/providers/Microsoft.Storage/storageAccounts/aksbkeastus`,
    ]);
  });
});
