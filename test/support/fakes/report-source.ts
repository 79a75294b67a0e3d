// The report's whole-store reads (ReportSource) over the in-memory store: the same rows the Table adapter would
// stream, with the same filters (history by `at`, remediations by `startedAt`), yielded one at a time.
import type { Attempts, ClusterState, RemediationRecord, ReportSource, RolloutRow, SweepRecord, Transition } from '../../../src/ports.js';
import type { InMemoryStore } from './store.js';

export class InMemoryReportSource implements ReportSource {
  /** Rows handed out, per scan: a test can check that every row was read once. */
  readonly scanned = { states: 0, history: 0, remediations: 0, rollouts: 0 };

  constructor(private readonly store: InMemoryStore) {}

  async *scanStates(): AsyncGenerator<ClusterState> {
    for (const key of [...this.store.states.keys()].sort()) {
      const state = this.store.states.get(key);
      if (!state) continue;
      this.scanned.states += 1;
      yield structuredClone(state);
    }
  }

  async *scanHistory(options: { since: Date }): AsyncGenerator<Transition> {
    for (const key of [...this.store.history.keys()].sort()) {
      for (const transition of [...(this.store.history.get(key) ?? [])].reverse()) {
        if (Date.parse(transition.at) < options.since.getTime()) continue;
        this.scanned.history += 1;
        yield structuredClone(transition);
      }
    }
  }

  async *scanRemediations(options: { since: Date }): AsyncGenerator<RemediationRecord> {
    for (const key of [...this.store.remediations.keys()].sort()) {
      for (const row of [...(this.store.remediations.get(key) ?? [])].reverse()) {
        if (Date.parse(row.startedAt) < options.since.getTime()) continue;
        this.scanned.remediations += 1;
        yield structuredClone(row);
      }
    }
  }

  getAttempts(clusterId: string, ruleId: string): Promise<Attempts> {
    return this.store.getAttempts(clusterId, ruleId);
  }

  async listSweeps(options: { limit?: number } = {}): Promise<SweepRecord[]> {
    return (await this.store.listSweeps()).slice(0, options.limit ?? 20);
  }

  /** Rollout by rollout (sorted by id): its members, then its record, as the table's row keys sort them. */
  async *scanRollouts(): AsyncGenerator<RolloutRow> {
    const ids = [...new Set([...this.store.rollouts.keys(), ...this.store.rolloutMembers.keys()])].sort();
    for (const rolloutId of ids) {
      const members = this.store.rolloutMembers.get(rolloutId);
      for (const key of [...(members?.keys() ?? [])].sort()) {
        const member = members?.get(key);
        if (!member) continue;
        this.scanned.rollouts += 1;
        yield { kind: 'member', rolloutId, member: structuredClone(member) };
      }
      const record = this.store.rollouts.get(rolloutId);
      if (record) {
        this.scanned.rollouts += 1;
        yield { kind: 'record', record: structuredClone(record) };
      }
    }
  }
}
