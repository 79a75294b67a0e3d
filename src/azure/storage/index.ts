// The storage adapter's public surface: clients, the ComplianceStore on Table Storage, the evaluation queue.

export { createStorageClients, ensureTables, ensureQueues, type StorageClients, type TableRole } from './clients.js';
export { createTableComplianceStore, createTableReportSource } from './compliance-store.js';
export { EvaluationQueue, InvalidWorkItemError, encodeWorkItem, parseWorkItem, MAX_VISIBILITY_DELAY_SECONDS } from './queue.js';
export { StorageError, classifyStorageError, isConflict, isNotFound, isMissingEntity, serviceCode, toStorageError, type StorageErrorKind } from '../errors.js';
export { encodeKey, decodeKey, tableKey, clusterKey, lookupKey, MAX_KEY_LENGTH } from './keys.js';
export { backoffSeconds } from './attempt-tracker.js';
