// Crafted inputs for engine tests: REST-shaped clusters and extensions with exactly the drift a test needs.
import { validateBaseline, type Baseline } from '../../src/core/baseline.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { evaluateSnapshot } from '../../src/core/evaluate.js';
import { toClusterSnapshot } from '../../src/core/snapshot.js';
import type { ClusterSnapshot, Evaluation, EvaluationFacts, RuleResult } from '../../src/core/types.js';

export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
export const CLUSTER_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1`;
export const NOW = new Date('2026-01-15T12:00:00Z');

export interface ClusterOptions {
  id?: string;
  identityType?: string | null;
  spClientId?: string | null;
  podIdentity?: boolean;
  oidc?: boolean;
  workloadIdentity?: boolean;
  location?: string;
  version?: string;
  tags?: Record<string, string>;
  provisioningState?: string;
  eTag?: string;
  /** `properties.powerState.code`; Running by default. */
  powerState?: string;
  /** The whole `podIdentityProfile` (identities, exceptions); overrides `podIdentity`. */
  podIdentityProfile?: Record<string, unknown>;
  /** `properties.agentPoolProfiles`, replacing the one system pool (3 x Standard_DS2_v2). */
  agentPools?: Record<string, unknown>[];
  /** `properties.identityProfile.kubeletidentity`; absent unless given. */
  kubeletIdentity?: { objectId: string; clientId?: string };
  /** `properties.storageProfile`; absent unless given. */
  storageProfile?: Record<string, unknown>;
  /** `properties.disableLocalAccounts`; absent unless given. */
  disableLocalAccounts?: boolean;
  /** `properties.nodeResourceGroup`; absent unless given. */
  nodeResourceGroup?: string;
}

/** A managed cluster in ARM REST shape; by default compliant with every identity rule. */
export function clusterBody(options: ClusterOptions = {}): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    provisioningState: options.provisioningState ?? 'Succeeded',
    powerState: { code: options.powerState ?? 'Running' },
    kubernetesVersion: options.version ?? '1.30.4',
    currentKubernetesVersion: options.version ?? '1.30.4',
    dnsPrefix: 'c1-dns',
    fqdn: 'c1-dns-abcd.hcp.eastus.azmk8s.io',
    azurePortalFQDN: 'c1-dns-abcd.portal.hcp.eastus.azmk8s.io',
    maxAgentPools: 100,
    agentPoolProfiles: [
      { name: 'nodepool1', count: 3, vmSize: 'Standard_DS2_v2', mode: 'System', orchestratorVersion: '1.30.4', currentOrchestratorVersion: '1.30.4', provisioningState: 'Succeeded', nodeImageVersion: 'AKSUbuntu-2204gen2containerd-2025.01.01', powerState: { code: 'Running' } },
    ],
    servicePrincipalProfile: { clientId: options.spClientId === undefined ? 'msi' : options.spClientId },
    podIdentityProfile: options.podIdentityProfile ?? { enabled: options.podIdentity ?? false },
    oidcIssuerProfile: { enabled: options.oidc ?? true, issuerURL: 'https://eastus.oic.prod-aks.azure.com/tenant/guid/' },
    securityProfile: { workloadIdentity: { enabled: options.workloadIdentity ?? true } },
    networkProfile: { networkPlugin: 'azure', serviceCidr: '10.0.0.0/16', dnsServiceIP: '10.0.0.10' },
  };
  if (options.spClientId === null) delete properties.servicePrincipalProfile;
  if (options.agentPools !== undefined) properties.agentPoolProfiles = options.agentPools;
  if (options.kubeletIdentity !== undefined) properties.identityProfile = { kubeletidentity: { resourceId: '/subscriptions/x/resourcegroups/mc/providers/Microsoft.ManagedIdentity/userAssignedIdentities/c1-agentpool', ...options.kubeletIdentity } };
  if (options.storageProfile !== undefined) properties.storageProfile = options.storageProfile;
  if (options.disableLocalAccounts !== undefined) properties.disableLocalAccounts = options.disableLocalAccounts;
  if (options.nodeResourceGroup !== undefined) properties.nodeResourceGroup = options.nodeResourceGroup;
  const body: Record<string, unknown> = {
    id: options.id ?? CLUSTER_ID,
    name: 'c1',
    type: 'Microsoft.ContainerService/managedClusters',
    location: options.location ?? 'eastus',
    tags: options.tags ?? { env: 'prod' },
    sku: { name: 'Base', tier: 'Standard' },
    properties,
  };
  if (options.eTag !== undefined) body.eTag = options.eTag;
  const identityType = options.identityType === undefined ? 'SystemAssigned' : options.identityType;
  if (identityType !== null) body.identity = { type: identityType, principalId: 'principal-guid', tenantId: 'tenant-guid' };
  return body;
}

export interface ExtensionOptions {
  name: string;
  extensionType: string;
  provisioningState?: string;
  releaseTrain?: string;
  version?: string;
  currentVersion?: string;
  autoUpgradeMinorVersion?: boolean;
  configurationSettings?: Record<string, string>;
  clusterId?: string;
  /** Top-level `managedBy` (api-version 2025-03-01): the resource that manages the extension. */
  managedBy?: string;
  /** `properties.managementDetails.category` (`managed` for an AKS-managed extension). */
  managementCategory?: string;
  /** Top-level `plan` of a Marketplace extension. */
  plan?: { name: string; product: string; publisher: string };
  scope?: Record<string, unknown>;
}

/** A cluster extension in ARM REST shape. */
export function extensionResource(options: ExtensionOptions): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    extensionType: options.extensionType,
    autoUpgradeMinorVersion: options.autoUpgradeMinorVersion ?? true,
    releaseTrain: options.releaseTrain ?? 'Stable',
    scope: options.scope ?? { cluster: { releaseNamespace: `${options.name}-ns` } },
    configurationSettings: options.configurationSettings ?? {},
    provisioningState: options.provisioningState ?? 'Succeeded',
    currentVersion: options.currentVersion ?? options.version ?? '1.0.0',
  };
  if (options.version !== undefined) properties.version = options.version;
  if (options.managementCategory !== undefined) properties.managementDetails = { category: options.managementCategory, accessDetails: [] };
  return {
    id: `${options.clusterId ?? CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/${options.name}`,
    name: options.name,
    type: 'Microsoft.KubernetesConfiguration/extensions',
    ...(options.managedBy !== undefined ? { managedBy: options.managedBy } : {}),
    ...(options.plan !== undefined ? { plan: { ...options.plan } } : {}),
    properties,
  };
}

export function snapshotOf(cluster: ClusterOptions = {}, extensions: ExtensionOptions[] = []): ClusterSnapshot {
  return toClusterSnapshot(clusterBody(cluster), { value: extensions.map(extensionResource) });
}

/** A validated baseline from a document without the `version` boilerplate. */
export function baselineOf(document: Record<string, unknown>): Baseline {
  return validateBaseline({ version: 1, ...document });
}

export const ALL_IDENTITY_RULES = {
  managedIdentity: { mode: 'approval' },
  podIdentityDisabled: { mode: 'approval' },
  workloadIdentity: { mode: 'auto' },
};

export const FLUX = { name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' };

/** The problems an InvalidInputError lists; fails the test when nothing is thrown. */
export function problemsOf(work: () => unknown): readonly string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems;
    throw error;
  }
  throw new Error('expected InvalidInputError, but nothing was thrown');
}

/** A healthy Flux extension as the cluster reports it (Stable, auto-upgrade on, Succeeded). */
export const FLUX_OK: ExtensionOptions = { name: 'flux', extensionType: 'microsoft.flux' };

/** What a rule test feeds the engine: a crafted cluster, its extensions and a baseline (default: every rule and Flux). */
export interface EvaluationInput {
  cluster?: ClusterOptions;
  extensions?: ExtensionOptions[];
  baseline?: Record<string, unknown>;
}

/** One row of a rule table: the drift, and the status, reason and message the rule must give for it. */
export interface RuleCase extends EvaluationInput {
  name: string;
  ruleId: string;
  status: RuleResult['status'];
  reason: string;
  /** A pattern the message must match; any non-empty message when absent. */
  message?: RegExp;
}

/** Evaluates a crafted cluster against a baseline (default: every identity rule and Flux) at NOW, with the facts given. */
export function evaluateInput(input: EvaluationInput, now: Date = NOW, facts?: EvaluationFacts): Evaluation {
  return evaluateSnapshot(snapshotOf(input.cluster, input.extensions), baselineOf(input.baseline ?? { rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] }), { now, ...(facts ? { facts } : {}) });
}

/** The step with this id; throws (listing the plan) when there is none. */
export function planStepOf(evaluation: Evaluation, id: string): Evaluation['plan'][number] {
  const step = evaluation.plan.find((candidate) => candidate.id === id);
  if (!step) throw new Error(`no step ${id} among ${evaluation.plan.map((candidate) => candidate.id).join(', ') || '(none)'}`);
  return step;
}

/** The result of one rule; throws (naming the rule) when the evaluation has none, so callers get a RuleResult. */
export function resultOf(evaluation: Evaluation, ruleId: string): RuleResult {
  const result = evaluation.results.find((r) => r.ruleId === ruleId);
  if (!result) throw new Error(`no result for ${ruleId} among ${evaluation.results.map((r) => r.ruleId).join(', ')}`);
  return result;
}
