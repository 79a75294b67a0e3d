// ARM access on the official SDKs: clients, pacing, reading (the ClusterReader port) and applying plan steps (the
// StepWriter port). Failures are classified in ../errors.ts.
export { createArmCredential, FixedTokenCredential } from './credentials.js';
export { armCredentialScope, createArmClients, EXTENSIONS_API_VERSION, loadArmTlsSettings, type ArmClients, type ArmClientsOptions } from './clients.js';
export {
  ARM_REQUEST_KINDS,
  ArmRequestPacer,
  addArmRequestStats,
  createArmRequestStats,
  type ArmPacerOptions,
  type ArmRequestKind,
  type ArmRequestStats,
} from './pacing.js';
export { ArmError, busyFailure, classifyArmError, type ArmFailure, type ArmFailureKind } from '../errors.js';
export {
  ArmClusterReader,
  type ArmClientsSource,
  listClusters,
  listSubscriptions,
  readClusterForWrite,
  readClusterSnapshot,
  readExtensions,
  type ClusterForWrite,
  type ListedCluster,
  type ListedSubscription,
  type ReadOptions,
} from './reader.js';
export {
  ArmStepWriter,
  applyPlanStep,
  type ApplyOutcome,
  type ApplyStepOptions,
  type OperationHandle,
  type OperationTarget,
} from './applier.js';
export { readMaintenanceConfigs, type ClusterMaintenanceConfigs } from './maintenance.js';
