// The ComplianceStore port on Table Storage: one object the services receive, built from the per-concern stores.

import type { ComplianceStore } from '../../ports.js';
import { TableAttemptTracker } from './attempt-tracker.js';
import type { StorageClients } from './clients.js';
import { TableClusterStateStore } from './cluster-state-store.js';
import { TableEvaluationCoalescer, TableEventDeduplicator, TableLeaseManager } from './coordination.js';
import { TableRemediationLog } from './remediation-log.js';
import { TableRolloutStore } from './rollout-store.js';
import { TableSweepLog } from './sweep-log.js';

export function createTableComplianceStore(clients: Pick<StorageClients, 'tables'>): ComplianceStore {
  const { tables } = clients;
  const state = new TableClusterStateStore(tables.state, tables.history);
  const remediations = new TableRemediationLog(tables.remediations);
  const attempts = new TableAttemptTracker(tables.state);
  const events = new TableEventDeduplicator(tables.events);
  const coalescer = new TableEvaluationCoalescer(tables.leases);
  const leases = new TableLeaseManager(tables.leases);
  const sweeps = new TableSweepLog(tables.sweeps);
  const rollouts = new TableRolloutStore(tables.rollouts);
  return {
    getState: (clusterId) => state.getState(clusterId),
    listStates: (options) => state.listStates(options),
    countByStatus: (options) => state.countByStatus(options),
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

    claimEvent: (eventId, now) => events.claimEvent(eventId, now),
    releaseEventClaim: (eventId) => events.releaseEventClaim(eventId),
    claimPendingEvaluation: (clusterId, windowSeconds, now) => coalescer.claimPendingEvaluation(clusterId, windowSeconds, now),
    clearPendingEvaluation: (clusterId) => coalescer.clearPendingEvaluation(clusterId),
    acquireLease: (clusterId, owner, ttlMs, now) => leases.acquireLease(clusterId, owner, ttlMs, now),
    releaseLease: (lease) => leases.releaseLease(lease),

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
