// The engine's vocabulary. Pure data: no Azure SDK types, no I/O. Every way in (CLI, events, sweeps, HTTP)
// turns its input into a ClusterSnapshot, and every way out reads an Evaluation.
import type { RemediationAction } from './registry.js';

export const RULE_STATUSES = ['Compliant', 'NonCompliant', 'NotApplicable', 'Exempt', 'Unknown'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

export const MODES = ['audit', 'auto', 'approval'] as const;
/** audit: record only; auto: fix without asking; approval: fix when a person approves. */
export type Mode = (typeof MODES)[number];

export interface ExtensionScope {
  cluster?: { releaseNamespace?: string };
  namespace?: { targetNamespace?: string };
}

/** One cluster extension as read from ARM. Protected settings are never read back, so they are not here. */
export interface ExtensionSnapshot {
  id: string;
  name: string;
  extensionType: string;
  releaseTrain?: string;
  version?: string;
  currentVersion?: string;
  autoUpgradeMinorVersion?: boolean;
  provisioningState?: string;
  configurationSettings: Record<string, string>;
  scope?: ExtensionScope;
}

/** A managed cluster reduced to what the rules read, plus the REST body as read (for building PUTs). */
export interface ClusterSnapshot {
  /** The resource id as ARM spelled it. Compare ids with `sameResourceId`, never with ===. */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** Normalised like ARM does: lower case, no spaces ("East US" -> "eastus"). */
  location: string;
  kubernetesVersion?: string;
  provisioningState?: string;
  eTag?: string;
  tags: Record<string, string>;
  identityType?: string;
  servicePrincipalClientId?: string;
  podIdentityEnabled: boolean;
  oidcIssuerEnabled: boolean;
  workloadIdentityEnabled: boolean;
  extensions: ExtensionSnapshot[];
  /** The cluster in ARM REST shape (settings under `properties`), exactly as read. */
  body: Record<string, unknown>;
}

export interface RuleResult {
  ruleId: string;
  status: RuleStatus;
  /** A stable, machine-readable reason code, e.g. `ServicePrincipalCluster`. */
  reason: string;
  /** One sentence for humans. */
  message: string;
  expected?: unknown;
  observed?: unknown;
}

/** The actions of the rule registry (src/core/registry.ts derives them from the rule definitions). */
export type { RemediationAction };

/** The exact ARM request a step implies, in REST shape. Paths have no host and no api-version. */
export interface ArmChange {
  method: 'PUT' | 'PATCH';
  path: string;
  body: Record<string, unknown>;
  /** For the first cluster PUT of a plan: the eTag read with the snapshot, to send as If-Match (never in the body). */
  ifMatch?: string;
}

/** One step of a plan. `A` is the action names of the registry that planned it (the default registry's unless built from another). */
export interface PlanStep<A extends string = RemediationAction> {
  /** Stable across runs for the same finding: `<ruleId>:<action>`. */
  id: string;
  ruleId: string;
  action: A;
  mode: Mode;
  /** Ids of steps in the same plan that must complete first. */
  dependsOn: string[];
  description: string;
  change: ArmChange;
  /**
   * For cluster steps: the fragment merged into the cluster body. `change.body` is the snapshot's body with this (and
   * the patches of earlier cluster steps) merged in; an applier that re-reads the cluster rebuilds the PUT with
   * `clusterPutBody(freshBody, clusterPatch)`.
   */
  clusterPatch?: Record<string, unknown>;
  /** For extension steps: protected setting names mapped to where their values come from (never the values). */
  protectedSettingRefs?: Record<string, ProtectedSettingRef>;
}

export type ProtectedSettingRef = { appSetting: string } | { keyVaultSecretUri: string };

export interface Evaluation<A extends string = RemediationAction> {
  clusterId: string;
  /** NonCompliant if any rule is; else Unknown if any rule is; else Compliant (Exempt when the whole cluster is excluded). */
  status: RuleStatus;
  results: RuleResult[];
  plan: PlanStep<A>[];
}
