// The engine's public API. Pure: no Azure SDK, no I/O (file loading lives at the edge, in src/baseline-file.ts).
export * from './types.js';
export { InvalidInputError, toError } from './errors.js';
export {
  clusterIdOf,
  extensionId,
  formatClusterId,
  isSubscriptionId,
  nameProblem,
  normalizeLocation,
  quoteName,
  parseClusterId,
  parseExtensionId,
  parseResourceId,
  resourceIdKey,
  sameResourceId,
  CLUSTER_RESOURCE_TYPE,
  EXTENSION_RESOURCE_TYPE,
  NAME_RULES,
  type ClusterRef,
  type NameKind,
  type ExtensionRef,
  type ResourceIdParts,
} from './resource-ids.js';
export { approves } from './approvals.js';
export {
  CLUSTER_STATUSES,
  isPassingStatus,
  recordedStatus,
  type ClusterStatus,
  type ErrorInfo,
  type RecordedRuleStatus,
  type RuleOverride,
} from './statuses.js';
export { isBusy, isSettled, isStopped, provisioningPhase, type ProvisioningPhase } from './states.js';
export { parseCluster, parseExtensions, toClusterSnapshot, withExtensions } from './snapshot.js';
export { READ_ONLY_CLUSTER_FIELDS, clusterPutBody, stripReadOnlyClusterFields, toRestClusterBody, deepMerge, mergePatch, type JsonObject } from './cluster-body.js';
export { compareVersions, parseVersion, sameVersion } from './versions.js';
export {
  DEFAULT_PROFILE,
  EXTENSION_SCOPE_KINDS,
  EXTENSION_TYPES,
  MANUAL_ACTIONS,
  defaultScopeFor,
  extensionTypeFor,
  profileFor,
  sameExtensionType,
  type DefaultProfile,
  type ExtensionScopeKind,
  type ExtensionTypeProfile,
  type InstallProfile,
  type ManualAction,
  type Prerequisite,
} from './extension-types/index.js';
export { baselineWarnings } from './profile-checks.js';
export { CLUSTER_PLACEHOLDERS, resolveSettings } from './placeholders.js';
export { factsWanted, parseEvaluationFacts, storageAccountAddress, wantsAnyFact, type FactsWanted } from './facts.js';
export { BASELINE_SCHEMA, BASELINE_SCHEMA_ID, baselineSchemaFor } from './baseline-schema.js';
export {
  REQUIRED_EXTENSION_RULE_PREFIX,
  activeExemption,
  exclusionTagOf,
  exemptionExpiry,
  formatJsonPath,
  isInScope,
  parseBaseline,
  ruleIdsOf,
  validateBaseline,
  type Baseline,
  type BaselineScope,
  type Exemption,
  type RequiredExtension,
  type RuleSetting,
} from './baseline.js';
export { ACTION_ORDER, DEFAULT_REGISTRY, RULES, createRegistry, type Registry } from './registry.js';
export {
  defineClusterRule,
  defineRuleFamily,
  type ActionDefinition,
  type ActionNameOf,
  type ActionTarget,
  type CheckContext,
  type ClusterRuleDefinition,
  type JsonSchema,
  type Remediation,
  type Rule,
  type RuleDefinition,
  type RuleFamilyDefinition,
  type RuleOutcome,
  type RuleSettingsSchema,
} from './rules/rule.js';
export { MANAGED_IDENTITY_RULE_ID, managedIdentityRule } from './rules/managed-identity.js';
export { NO_POD_IDENTITY_RULE_ID, noPodIdentityRule } from './rules/no-pod-identity.js';
export { WORKLOAD_IDENTITY_RULE_ID, workloadIdentityRule } from './rules/workload-identity.js';
export { requiredExtensionRule, requiredExtensionRuleId } from './rules/required-extension.js';
export { clusterStoppedBlock, orderSteps, planRemediation, planStepView, prerequisiteBlock, stepId, type Finding } from './planner.js';
export { evaluateSnapshot, overallStatus, type EvaluateOptions } from './evaluate.js';
export { createEngine, type Engine } from './engine.js';
export {
  canStartDisruptiveStep,
  hasSchedule,
  nextWindow,
  parseMaintenanceConfig,
  parseMaintenanceConfigs,
  windowAt,
  MAINTENANCE_CONFIG_NAMES,
  type MaintenanceConfig,
  type MaintenanceConfigs,
  type StartDecision,
  type TimeWindow,
} from './maintenance-windows.js';
export {
  describeBudget,
  failureBudget,
  maxConcurrentOf,
  MEMBER_STATUSES,
  newRolloutRecord,
  REMAINING_WAVE,
  ROLLOUT_DEFAULTS,
  ROLLOUT_STATUSES,
  rolloutPolicyFor,
  emptyMemberTally,
  rolloutProgress,
  rolloutProgressOf,
  tallyMember,
  waveNames,
  waveState,
  WAVE_STATES,
  waveOf,
  wavesNeedApproval,
  windowBlock,
  type FailureBudget,
  type MemberStatus,
  type MemberTally,
  type RolloutHalt,
  type RolloutMember,
  type RolloutPolicy,
  type RolloutProgress,
  type RolloutRecord,
  type RolloutStatus,
  type RolloutWave,
  type WaveCounts,
  type WaveProgress,
  type WaveRecord,
  type WaveState,
  type WaveSelector,
} from './rollouts.js';
