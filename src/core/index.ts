// The engine's public API. Pure: no Azure SDK, no I/O (file loading lives at the edge, in src/baseline-file.ts).
export * from './types.js';
export { InvalidInputError, toError } from './errors.js';
export {
  clusterIdOf,
  extensionId,
  formatClusterId,
  isSubscriptionId,
  normalizeLocation,
  parseClusterId,
  parseExtensionId,
  parseResourceId,
  resourceIdKey,
  sameResourceId,
  CLUSTER_RESOURCE_TYPE,
  EXTENSION_RESOURCE_TYPE,
  type ClusterRef,
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
export { isBusy, isSettled, provisioningPhase, type ProvisioningPhase } from './states.js';
export { parseCluster, parseExtensions, toClusterSnapshot, withExtensions } from './snapshot.js';
export { READ_ONLY_CLUSTER_FIELDS, clusterPutBody, stripReadOnlyClusterFields, toRestClusterBody, deepMerge, type JsonObject } from './cluster-body.js';
export { compareVersions, parseVersion, sameVersion } from './versions.js';
export {
  EXTENSION_SCOPE_KINDS,
  EXTENSION_TYPES,
  defaultScopeFor,
  extensionTypeFor,
  sameExtensionType,
  type ExtensionScopeKind,
  type ExtensionTypeProfile,
} from './extension-types/index.js';
export { BASELINE_SCHEMA, BASELINE_SCHEMA_ID } from './baseline-schema.js';
export {
  CLUSTER_RULE_KEYS,
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
  type ClusterRuleKey,
  type Exemption,
  type RequiredExtension,
  type RuleSetting,
} from './baseline.js';
export {
  rulesFor,
  requiredExtensionRuleId,
  MANAGED_IDENTITY_RULE_ID,
  NO_POD_IDENTITY_RULE_ID,
  WORKLOAD_IDENTITY_RULE_ID,
  type Remediation,
  type Rule,
  type RuleOutcome,
} from './rules/index.js';
export { CLUSTER_ACTION_ORDER, orderSteps, planRemediation, stepId, type Finding } from './planner.js';
export { evaluateSnapshot, overallStatus, type EvaluateOptions } from './evaluate.js';
export { applyPlanToSnapshot } from './apply-plan.js';
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
