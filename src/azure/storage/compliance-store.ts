// The ComplianceStore port on Table Storage: one object the services receive, built from the per-concern stores.

import type { ComplianceStore, ReportSource } from '../../ports.js';
import { TableAttemptTracker } from './attempt-tracker.js';
import type { StorageClients } from './clients.js';
import { TableClusterStateStore } from './cluster-state-store.js';
import { TableCoordination } from './coordination.js';
import { TableRemediationLog } from './remediation-log.js';
import { TableRolloutStore } from './rollout-store.js';
import { TableSweepLog } from './sweep-log.js';

export function createTableComplianceStore(clients: Pick<StorageClients, 'tables'>): ComplianceStore {
  const { tables } = clients;
  const state = new TableClusterStateStore(tables.state, tables.history);
  const remediations = new TableRemediationLog(tables.remediations);
  const attempts = new TableAttemptTracker(tables.state);
  const coordination = new TableCoordination(tables.leases);
  const sweeps = new TableSweepLog(tables.sweeps);
  const rollouts = new TableRolloutStore(tables.rollouts);
  return {
    getState: (clusterId) => state.getState(clusterId),
    listStates: (options) => state.listStates(options),
    countByStatus: (options) => state.countByStatus(options),
    readBasis: (clusterId) => state.readBasis(clusterId),
    recordEvaluation: (clusterId, evaluation, cause, options) => state.recordEvaluation(clusterId, evaluation, cause, options),
    markDeleted: (clusterId, cause, now) => state.markDeleted(clusterId, cause, now),
    listHistory: (clusterId, options) => state.listHistory(clusterId, options),

    startRemediation: (input) => remediations.startRemediation(input),
    completeRemediation: (ref, input) => remediations.completeRemediation(ref, input),
    findOpenRemediation: (clusterId, stepId) => remediations.findOpenRemediation(clusterId, stepId),
    listRemediations: (clusterId, options) => remediations.listRemediations(clusterId, options),

    getAttempts: (clusterId, ruleId) => attempts.getAttempts(clusterId, ruleId),
    recordAttempt: (clusterId, ruleId, options) => attempts.recordAttempt(clusterId, ruleId, options),
    resetAttempts: (clusterId, ruleId) => attempts.resetAttempts(clusterId, ruleId),

    claimChange: (clusterId, event, now) => coordination.claimChange(clusterId, event, now),
    claimEvent: (clusterId, eventId, now) => coordination.claimEvent(clusterId, eventId, now),
    releaseEventClaim: (clusterId, eventId, pending) => coordination.releaseEventClaim(clusterId, eventId, pending),
    acquireLease: (clusterId, owner, ttlMs, now, pending) => coordination.acquireLease(clusterId, owner, ttlMs, now, pending),
    releaseLease: (lease, options) => coordination.releaseLease(lease, options),
    abandonPending: (mark) => coordination.abandonPending(mark),

    startSweep: (input) => sweeps.startSweep(input),
    finishSweep: (sweepId, input) => sweeps.finishSweep(sweepId, input),
    getSweep: (sweepId) => sweeps.getSweep(sweepId),
    listSweeps: (options) => sweeps.listSweeps(options),

    getRollout: (rolloutId) => rollouts.getRollout(rolloutId),
    createRollout: (record) => rollouts.createRollout(record),
    updateRollout: (rolloutId, change) => rollouts.updateRollout(rolloutId, change),
    listRollouts: () => rollouts.listRollouts(),
    getMember: (rolloutId, clusterId) => rollouts.getMember(rolloutId, clusterId),
    putMember: (rolloutId, member) => rollouts.putMember(rolloutId, member),
    listMembers: (rolloutId) => rollouts.listMembers(rolloutId),
    claimSlot: (rolloutId, wave, slots, clusterId) => rollouts.claimSlot(rolloutId, wave, slots, clusterId),
    releaseSlot: (rolloutId, wave, slot) => rollouts.releaseSlot(rolloutId, wave, slot),
  };
}

/** The report's whole-store reads on Table Storage (streamed, page by page), over the same tables. */
export function createTableReportSource(clients: Pick<StorageClients, 'tables'>): ReportSource {
  const { tables } = clients;
  const state = new TableClusterStateStore(tables.state, tables.history);
  const remediations = new TableRemediationLog(tables.remediations);
  const attempts = new TableAttemptTracker(tables.state);
  const sweeps = new TableSweepLog(tables.sweeps);
  const rollouts = new TableRolloutStore(tables.rollouts);
  return {
    scanStates: (options) => state.scanStates(options),
    scanHistory: (options) => state.scanHistory(options),
    scanRemediations: (options) => remediations.scanRemediations(options),
    getAttempts: (clusterId, ruleId) => attempts.getAttempts(clusterId, ruleId),
    listSweeps: (options) => sweeps.listSweeps(options),
    scanRollouts: (options) => rollouts.scanRollouts(options),
  };
}
