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

/** A Marketplace plan (ARM common-types `Plan`; the Azure CLI sends these three, never `promotionCode` or `version`). */
export interface MarketplacePlan {
  /** The plan id ("Plan ID" on the offer's Usage Information + Support page). */
  name: string;
  /** The offer id ("Product ID"). */
  product: string;
  /** The publisher id ("Publisher ID"). */
  publisher: string;
}

/** Who may do what with an extension (`properties.managementDetails`, read-only, api-version 2025-03-01 and later). */
export interface ExtensionManagementDetails {
  /** `managed` for an extension AKS manages; the spec has no enum and shows no other value. */
  category?: string;
  accessDetails: { entity?: string; allowedActions: string[]; description?: string }[];
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
  /** The resource that manages this extension (top-level `managedBy`, api-version 2025-03-01 and later). */
  managedBy?: string;
  managementDetails?: ExtensionManagementDetails;
  /** Its Marketplace plan (top-level `plan`), for a Marketplace extension. */
  plan?: MarketplacePlan;
}

/** `properties.powerState.code` of a managed cluster (an enum in the AKS REST spec). */
export const POWER_STATES = ['Running', 'Stopped'] as const;
export type PowerState = (typeof POWER_STATES)[number];

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
  /** Running or Stopped, a separate axis from provisioningState (a stopped cluster stays Succeeded); absent if not reported. */
  powerState?: PowerState;
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

/**
 * What the edge knows about the world beyond the cluster, passed to `evaluateSnapshot(snapshot, baseline, { now, facts })`.
 * Every member is optional: a fact that is absent is *not known*, never assumed. What each profile does without one is
 * fixed and documented (docs/extensions.md): a prerequisite it cannot check is listed in the step's `unchecked` and does
 * not block (provider registration, a storage account's location when the baseline gives its URI); a value the install
 * body needs and cannot be computed without the fact blocks the step with `PrerequisiteMissing` naming the fact (Azure
 * Backup's storage account blob endpoint). Facts describe one cluster's surroundings: the edge builds them per cluster
 * (once per subscription per sweep for the subscription-wide ones).
 *
 * Where the edge reads them (src/azure, through the official SDKs):
 * - `tenantId`: the tenant of the cluster's subscription (`@azure/arm-resources-subscriptions`, subscriptions.get).
 *   Without it the cluster's own `identity.tenantId` is used (a system-assigned identity lives in that tenant).
 * - `providerRegistrations`: `@azure/arm-resources` providers.get(namespace) in the cluster's subscription, the
 *   `registrationState` as read, for at least `Microsoft.KubernetesConfiguration` (every extension type), and where
 *   used `Microsoft.Kubernetes` (Flux) and `Microsoft.ElasticSan` (Azure Container Storage with Elastic SAN).
 * - `storageAccounts`: for each storage account a baseline names (Azure Backup for AKS), by resource id:
 *   `@azure/arm-storage` storageAccounts.getProperties: `location` and `primaryEndpoints.blob`; optionally the
 *   account's blob container names (blobContainers.list), which lets the evaluation say the container is missing.
 *   An account ARM answers 404 for goes to `missingStorageAccounts`, so the finding says it does not exist.
 */
export interface EvaluationFacts {
  /** The tenant id of the cluster's subscription. */
  tenantId?: string;
  /**
   * Resource provider namespace (any casing) -> `registrationState` as ARM reports it (`Registered`, `NotRegistered`,
   * `Registering`, `Unregistered`, ...), in the cluster's subscription. A namespace not listed is not known.
   */
  providerRegistrations?: Record<string, string>;
  /** Storage account resource id (compared case-insensitively) -> what was read about it. */
  storageAccounts?: Record<string, StorageAccountFacts>;
  /** Storage account resource ids ARM answered 404 for: the account does not exist (not merely unread). */
  missingStorageAccounts?: string[];
}

export interface StorageAccountFacts {
  /** The account's ARM location, as read ("East US" and "eastus" are the same). */
  location: string;
  /** `primaryEndpoints.blob`, e.g. `https://contosoaksbackup.blob.core.windows.net/`. */
  blobEndpoint: string;
  /** The account's blob container names, when the edge listed them; absent when not listed. */
  blobContainers?: string[];
}

/**
 * Something an install needs that is not there, found before planning it. `message` names the missing thing (and
 * the resource it is missing on); `fix` is what a person does: the exact `az` command, or the baseline change.
 */
export interface MissingPrerequisite {
  /** Stable id of the prerequisite, e.g. `provider-registered:Microsoft.KubernetesConfiguration`, `csi-snapshot-controller`. */
  id: string;
  message: string;
  fix: string;
}

/**
 * The exact ARM request a step implies, in REST shape. Paths have no host and no api-version.
 *
 * What an applier sends for each shape (the core plans it; src/azure sends it):
 * - cluster: `PUT <clusterId>` with `body` (the cluster as read, read-only fields removed, the plan's patches merged),
 *   `If-Match: ifMatch` on the first one. An applier that re-reads the cluster rebuilds it from `PlanStep.clusterPatch`,
 *   which is a JSON merge patch: a `null` member means "drop this member" (RFC 7386), so the body it builds must leave
 *   the member out (disable-pod-identity sends `podIdentityProfile` as exactly `{ "enabled": false }`).
 * - extension install (`install-extension`): `PUT <extensionId>` with `body` (`properties`, and `plan` for a
 *   Marketplace extension).
 * - extension update or repair (`update-extension`, `repair-extension`): `PATCH <extensionId>` with `body.properties`
 *   (the `patchExtension` fields: `autoUpgradeMinorVersion`, `releaseTrain`, `version`, `configurationSettings`; a
 *   `null` value clears one). A PATCH never carries a plan, scope or type: ARM cannot change them.
 * - extension recreate (`recreate-extension`, `recreate` set): `DELETE <extensionId>` and wait until the delete has
 *   finished (the extension is gone: a GET answers 404), then `PUT <extensionId>` with `body`, as an install. If the
 *   DELETE fails nothing is created; if the PUT fails the extension is missing and the next evaluation plans an install.
 *
 * - a person's step (`manual-role-assignment`, `manual-trusted-access`: actions whose target is `manual`): a grant the
 *   app's role cannot make. Always `blockedBy` `PrerequisiteMissing` with the `az` command in its message and in
 *   `missingPrerequisites`; an applier never sends it. `change` is the request that command makes; values in angle
 *   brackets (`<...>`) are ones the app cannot know (an identity that exists only once the install has finished, a
 *   Backup vault the baseline does not name).
 *
 * Protected settings: see `PlanStep.protectedSettingRefs`.
 */
export interface ArmChange {
  method: 'PUT' | 'PATCH';
  path: string;
  body: Record<string, unknown>;
  /** For the first cluster PUT of a plan: the eTag read with the snapshot, to send as If-Match (never in the body). */
  ifMatch?: string;
  /** Set only on recreate-extension: DELETE `path` first, wait for it to finish, then send this PUT. */
  recreate?: { deleteFirst: true };
}

/** Why a step cannot run now. Every reason needs a person (or time the person chose); none clears by retrying. */
export const BLOCKED_REASONS = [
  /** The cluster's power state is Stopped: AKS accepts only start and delete. Clears when the cluster runs again. */
  'ClusterStopped',
  /** The extension is managed by AKS (`managedBy` is the cluster, or `managementDetails.category` is `managed`): users may only read it. */
  'ManagedByAks',
  /** The fix deletes and creates the extension again (a setting or plan that cannot change after creation), and the rule is not in approval mode. */
  'ImmutableSetting',
  /**
   * Something the step needs is not there: a required setting, a registered provider, a cluster feature, or a grant
   * the app's role cannot make (the step then is a person's, `manual-*`). `PlanStep.missingPrerequisites` lists each with
   * its fix.
   */
  'PrerequisiteMissing',
  /** A rollout policy governs the disruptive step and no maintenance window of the cluster is open long enough for it; `nextWindowStart` says when one is. */
  'OutsideMaintenanceWindow',
  /** A rollout policy governs the disruptive step, the cluster has no maintenance window, and the policy does not allow disrupting it without one. */
  'NoMaintenanceWindow',
  /** The step's rollout is halted (failure budget spent, or a person halted it): no new starts until someone resumes it. */
  'RolloutHalted',
  /** The step's rollout has not reached the cluster's wave yet (earlier waves running, or the soak after them). */
  'RolloutWaveNotOpen',
  /** A rollout policy governs the step, and only the app's queue worker runs rollouts (the CLI scan does not). */
  'RolloutManaged',
] as const;
export type BlockedReason = (typeof BLOCKED_REASONS)[number];

export interface BlockedBy {
  reason: BlockedReason;
  /** What blocks the step, and what a person can do about it (a command, a baseline change, an approval). */
  message: string;
  /** OutsideMaintenanceWindow: when the next window long enough for the step opens (ISO 8601), if one does within 400 days. */
  nextWindowStart?: string;
}

/** A pod identity that disable-pod-identity removes from the cluster (`podIdentityProfile.userAssignedIdentities[]`). */
export interface RemovedPodIdentity {
  name: string;
  namespace: string;
  /** `identity.resourceId`, `identity.clientId` as read; null when the cluster did not report them. */
  identityResourceId: string | null;
  clientId: string | null;
}

/** A pod identity exception that disable-pod-identity removes (`podIdentityProfile.userAssignedIdentityExceptions[]`). */
export interface RemovedPodIdentityException {
  name: string;
  namespace: string;
  podLabels: Record<string, string>;
}

/**
 * What a step deletes from the cluster's configuration, to be recorded (in the remediation record) before the write
 * is sent: after it, ARM no longer has it. Today only disable-pod-identity removes anything.
 */
export interface StepRemovals {
  podIdentities: RemovedPodIdentity[];
  podIdentityExceptions: RemovedPodIdentityException[];
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
   * null when the step can run (subject to its mode, its dependencies and the resource being settled); otherwise why
   * not. A blocked step is never attempted: its finding is recorded with the reason. The step's own reason (ManagedByAks,
   * ImmutableSetting, PrerequisiteMissing: true whatever the power state) comes before ClusterStopped.
   */
  blockedBy: BlockedBy | null;
  /** What running it disrupts, for the people approving it (from the product docs); null when nothing is documented. */
  disrupts: string | null;
  /**
   * For cluster steps: the fragment merged into the cluster body, a JSON merge patch (`null` removes a member).
   * `change.body` is the snapshot's body with this (and the patches of earlier cluster steps) merged in; an applier
   * that re-reads the cluster rebuilds the PUT with `clusterPutBody(freshBody, clusterPatch)`.
   */
  clusterPatch?: Record<string, unknown>;
  /** What the step removes (disable-pod-identity: the pod identities and exceptions); record it before sending. */
  removes?: StepRemovals;
  /**
   * For extension steps: protected setting names mapped to where their values come from (never the values). Present
   * exactly when the write sends `configurationProtectedSettings`, and then it holds every protected setting the
   * baseline declares (a PATCH that carries some deletes the others; a PUT keeps only those it carries). Absent on a
   * PATCH: send no `configurationProtectedSettings`, and ARM keeps the ones it has. Absent on a PUT (install,
   * recreate): the baseline declares none, so none are sent.
   */
  protectedSettingRefs?: Record<string, ProtectedSettingRef>;
  /** Present when `blockedBy.reason` is `PrerequisiteMissing`: each missing prerequisite with its fix. */
  missingPrerequisites?: MissingPrerequisite[];
  /**
   * Prerequisites the evaluation could not check because a fact was not supplied (see EvaluationFacts), one sentence
   * each. They do not block the step; present only when there is one.
   */
  unchecked?: string[];
}

export type ProtectedSettingRef = { appSetting: string } | { keyVaultSecretUri: string };

export interface Evaluation<A extends string = RemediationAction> {
  clusterId: string;
  /** NonCompliant if any rule is; else Unknown if any rule is; else Compliant (Exempt when the whole cluster is excluded). */
  status: RuleStatus;
  results: RuleResult[];
  plan: PlanStep<A>[];
}
