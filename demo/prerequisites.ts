// The demo's look at extension prerequisites (issue 15): a few clusters beside the fleet, each missing part of what
// Dapr, Azure Machine Learning or Azure Backup for AKS need before an install (the resource provider registered, a
// kubelet identity, the CSI snapshot controller, a storage account in the cluster's region). The service evaluates
// them with a baseline that requires the three, through the same pipeline, facts reader and store as the fleet, as a
// dry run that records: the findings land in the store (each blocked step with PrerequisiteMissing, the message and
// the `az` command), nothing is written to ARM. The demo prints them from the store.
import { DRIFT_LABELS, generateFleet, type DriftMix } from '../emulator/index.js';
import { validateBaseline } from '../src/core/index.js';
import { runEvaluation } from '../src/pipeline/evaluation.js';
import { scanPolicy } from '../src/pipeline/policies.js';
import { noTelemetry } from '../src/azure/telemetry.js';
import type { RecordedBlock } from '../src/ports.js';
import type { DemoApp } from './app.js';

/** A subscription of their own, and one where Microsoft.KubernetesConfiguration is not registered. */
const SUBSCRIPTION = '5d0c6a1e-7b2f-4c3d-9e8f-0a1b2c3d4e5f';
const UNREGISTERED_SUBSCRIPTION = '5d0c6a1e-7b2f-4c3d-9e8f-0a1b2c3d4e60';
const GROUP = 'rg-prerequisites-demo';
const BACKUP_GROUP = 'rg-aks-backup';

/** The three types, as a platform team would require them (auto: the service would install them where it can). */
export const PREREQUISITES_BASELINE = validateBaseline({
  version: 1,
  description: 'Dapr, Azure Machine Learning and Azure Backup for AKS on every cluster (the demo\'s prerequisites phase).',
  requiredExtensions: [
    { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', autoUpgradeMinorVersion: true },
    { name: 'azureml', extensionType: 'Microsoft.AzureML.Kubernetes', mode: 'auto', autoUpgradeMinorVersion: true, configurationSettings: { enableTraining: 'True' } },
    {
      name: 'azure-aks-backup',
      extensionType: 'microsoft.dataprotection.kubernetes',
      mode: 'auto',
      configurationSettings: { blobContainer: '{cluster.name}-{cluster.resourceGroup}', storageAccount: 'aksbk{cluster.location}', storageAccountResourceGroup: BACKUP_GROUP, storageAccountSubscriptionId: SUBSCRIPTION },
    },
  ],
});

interface PrerequisiteCluster {
  name: string;
  subscriptionId: string;
  location: string;
  /** What it lacks, for the log. */
  lacks: string;
  change(properties: Record<string, unknown>): void;
}

const CLUSTERS: PrerequisiteCluster[] = [
  { name: 'aks-prereq-unregistered', subscriptionId: UNREGISTERED_SUBSCRIPTION, location: 'eastus', lacks: 'Microsoft.KubernetesConfiguration not registered on its subscription', change: () => {} },
  { name: 'aks-prereq-no-kubelet', subscriptionId: SUBSCRIPTION, location: 'eastus', lacks: 'no kubelet identity (it was a service principal cluster)', change: (properties) => delete properties['identityProfile'] },
  {
    name: 'aks-prereq-no-snapshots',
    subscriptionId: SUBSCRIPTION,
    location: 'eastus',
    lacks: 'the CSI snapshot controller off',
    change: (properties) => (properties['storageProfile'] = { diskCSIDriver: { enabled: true }, snapshotController: { enabled: false } }),
  },
  { name: 'aks-prereq-westeurope', subscriptionId: SUBSCRIPTION, location: 'westeurope', lacks: 'no backup storage account in its region', change: () => {} },
];

/** A healthy generated cluster (managed identity, kubelet identity, CSI on), renamed and given what it lacks. */
function clusterBody(cluster: PrerequisiteCluster): Record<string, unknown> {
  const noDrift = Object.fromEntries(Object.keys(DRIFT_LABELS).map((kind) => [kind, 0])) as unknown as DriftMix;
  const [generated] = generateFleet({ clusters: 1, subscriptions: 1, seed: 15, drift: noDrift }).clusters;
  if (!generated) throw new Error('the fleet generator returned no cluster');
  const body = structuredClone(generated.body);
  body['id'] = `/subscriptions/${cluster.subscriptionId}/resourceGroups/${GROUP}/providers/Microsoft.ContainerService/managedClusters/${cluster.name}`;
  body['name'] = cluster.name;
  body['location'] = cluster.location;
  const properties = body['properties'] as Record<string, unknown>;
  properties['identityProfile'] = {
    kubeletidentity: {
      resourceId: `/subscriptions/${cluster.subscriptionId}/resourceGroups/MC_${GROUP}_${cluster.name}_${cluster.location}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${cluster.name}-agentpool`,
      clientId: '3f2e1d0c-0000-4000-8000-00000000c11e',
      objectId: '3f2e1d0c-0000-4000-8000-000000000b1d',
    },
  };
  properties['storageProfile'] = { diskCSIDriver: { enabled: true }, snapshotController: { enabled: true } };
  cluster.change(properties);
  return body;
}

export interface PrerequisiteFinding {
  clusterName: string;
  ruleId: string;
  block: RecordedBlock;
}

export interface PrerequisitesResult {
  clusters: number;
  /** Every blocked step the store recorded for these clusters, with its reason and fixes. */
  findings: PrerequisiteFinding[];
  /** Their statuses as recorded in the store. */
  statuses: Record<string, number>;
  problems: string[];
}

/** Seeds the clusters, evaluates each (dry run, recorded), and reads back what the store holds. */
export async function runPrerequisites(app: DemoApp, log: (line: string) => void): Promise<PrerequisitesResult> {
  const problems: string[] = [];
  app.emulator.setProviderRegistration(UNREGISTERED_SUBSCRIPTION, 'Microsoft.KubernetesConfiguration', 'NotRegistered');
  app.emulator.putStorageAccount({ subscriptionId: SUBSCRIPTION, resourceGroup: BACKUP_GROUP, name: 'aksbkeastus', location: 'eastus' });
  const { services } = app;
  const store = services.store;
  const findings: PrerequisiteFinding[] = [];
  const statuses: Record<string, number> = {};
  for (const cluster of CLUSTERS) {
    const body = clusterBody(cluster);
    app.emulator.putCluster(body);
    const clusterId = String(body['id']);
    log(`${cluster.name}: ${cluster.lacks}`);
    const result = await runEvaluation(
      { reader: services.reader, ...(services.facts ? { facts: services.facts } : {}), writer: services.writer, telemetry: noTelemetry, baseline: PREREQUISITES_BASELINE, records: { state: store, remediations: store, attempts: store } },
      scanPolicy({ apply: false, wait: false, record: true, approvals: [] }),
      { clusterId, cause: { kind: 'cli', id: 'demo-prerequisites', caller: 'demo' }, now: new Date(), log: { info: () => undefined, warn: (...args) => log(`warning: ${args.map(String).join(' ')}`), error: (...args) => problems.push(`${cluster.name}: ${args.map(String).join(' ')}`) } },
    );
    if (!result.found) {
      problems.push(`${cluster.name}: not found after seeding it`);
      continue;
    }
    const state = await store.getState(result.clusterId);
    if (!state) {
      problems.push(`${cluster.name}: the evaluation was not recorded`);
      continue;
    }
    statuses[state.status] = (statuses[state.status] ?? 0) + 1;
    const recorded = state.results.flatMap((rule) => (rule.blocked ?? []).map((block) => ({ clusterName: cluster.name, ruleId: rule.ruleId, block })));
    const planned = result.evaluation.plan.filter((step) => step.blockedBy?.reason === 'PrerequisiteMissing').length;
    if (recorded.filter((finding) => finding.block.reason === 'PrerequisiteMissing').length !== planned) {
      problems.push(`${cluster.name}: ${planned} steps are blocked by a missing prerequisite, but the store recorded ${recorded.length}`);
    }
    if (planned === 0) problems.push(`${cluster.name}: ${cluster.lacks}, yet no step is blocked by a missing prerequisite`);
    findings.push(...recorded);
  }
  return { clusters: CLUSTERS.length, findings, statuses, problems };
}

/** One line per missing prerequisite: cluster, extension, what is missing, and the command that fixes it. */
export function findingLines(findings: readonly PrerequisiteFinding[]): string[] {
  return findings.flatMap(({ clusterName, ruleId, block }) =>
    block.reason !== 'PrerequisiteMissing'
      ? []
      : (block.missing ?? []).map((missing) => `${clusterName}: ${ruleId.replace(/^required-extension\//, '')} (${block.stepId.split(':')[1] ?? block.stepId}) blocked, PrerequisiteMissing ${missing.id}: ${missing.message} Fix: ${missing.fix}`),
  );
}
