// Current state per cluster (ClusterState, row "state") and its history of status changes (ClusterHistory).
//
// Every write is read → compute → write-if-ETag-unchanged, recomputed on a conflict, so concurrent evaluations
// of one cluster never lose an update. An evaluation reads the row as it starts, beside its read of the cluster
// (readBasis), and its write uses that read: a steady-state evaluation is one read and one write of this table.
// The row also says whether remediation rows of the cluster may be open, so that a clean cluster's evaluation does
// not read the remediation log. The two tables cannot share a transaction, so the state row carries its
// own pending history rows (an outbox, with fixed row keys): history is written after the state, and if that
// is interrupted the next write of the cluster writes them again first. Replays are upserts of the same keys.

import { odata, type TableClient } from '@azure/data-tables';
import { parseClusterId } from '../../core/resource-ids.js';
import { CLUSTER_STATUSES, recordedStatus, type ClusterStatus } from '../../core/statuses.js';
import type { Evaluation } from '../../core/types.js';
import {
  type Cause,
  type ClusterState,
  type ClusterStateStore,
  type ListStatesOptions,
  type Page,
  type RecordedBasis,
  type RecordEvaluationOptions,
  type RecordedRuleResult,
  type ScanOptions,
  type StatusCounts,
  type Transition,
} from '../../ports.js';
import { StorageError, isConflict } from '../errors.js';
import { clusterKey, encodeKey, invertedCounter, invertedTime, prefixEnd } from './keys.js';
import { assertCause, assertDate, causeProperties, limitOption, readCause } from './mapping.js';
import { diffTransitions, joinJson, recordedResults, splitJson } from './state-model.js';
import { MAX_PAGE, RowReader, createRow, queryPage, queryRows, readRow, scanRows, updateRow, upsertInBatches, type Properties, type Row } from './table-ops.js';

export const STATE_ROW = 'state';
/** Attempt counters share the cluster's partition in ClusterState, under row keys with this prefix. */
export const ATTEMPT_ROW_PREFIX = 'attempts-';

/** Conflicting writers are rare (one lease holder per cluster); this many rounds is plenty and still bounded. */
const MAX_WRITE_ROUNDS = 8;
// Results and outbox share one entity (1 MiB at most): each gets a fixed share of 30 000-character chunks.
const RESULT_CHUNKS = 8;
const OUTBOX_CHUNKS = 4;

interface OutboxEntry {
  rowKey: string;
  transition: Transition;
}

interface StoredState {
  row: Row;
  state: ClusterState;
  historyClock: string;
  outbox: OutboxEntry[];
  /** Undefined for rows written before the flag existed: unknown, so treated as open. */
  remediationsOpen: boolean | undefined;
}

interface NextState {
  state: Omit<ClusterState, 'version'>;
  transitions: Transition[];
  remediationsOpen: boolean | undefined;
}

export class TableClusterStateStore implements ClusterStateStore {
  /** What each basis was read from: used once, by the first write that names it. */
  private readonly bases = new WeakMap<RecordedBasis, { stored: StoredState | undefined }>();

  constructor(
    private readonly stateTable: TableClient,
    private readonly historyTable: TableClient,
  ) {}

  async getState(clusterId: string): Promise<ClusterState | undefined> {
    return (await this.readStored(clusterKey(clusterId)))?.state;
  }

  async readBasis(clusterId: string): Promise<RecordedBasis> {
    const stored = await this.readStored(clusterKey(clusterId));
    // No row: the cluster was never recorded, so it has no remediation rows either (a run writes the state row, saying
    // they may be open, before its first intent row: recordBeforeWrites in pipeline/evaluation.ts).
    const basis: RecordedBasis = { clusterId, state: stored?.state, remediationsOpen: stored ? stored.remediationsOpen !== false : false };
    this.bases.set(basis, { stored });
    return basis;
  }

  async listStates(options: ListStatesOptions = {}): Promise<Page<ClusterState>> {
    const pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) throw new RangeError(`listStates: pageSize must be a whole number from 1 to ${MAX_PAGE}, got ${pageSize}`);
    const filters = [odata`RowKey eq ${STATE_ROW}`];
    if (options.subscriptionId !== undefined) filters.push(subscriptionFilter(options.subscriptionId));
    if (options.status !== undefined) filters.push(odata`status eq ${checkStatus(options.status)}`);
    const page = await queryPage(this.stateTable, filters.join(' and '), {
      pageSize,
      ...(options.continuationToken ? { continuationToken: options.continuationToken } : {}),
    });
    return {
      items: page.rows.map((row) => this.toStored(row).state),
      ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
    };
  }

  async countByStatus(options: { subscriptionId?: string } = {}): Promise<StatusCounts> {
    const counts = Object.fromEntries([...CLUSTER_STATUSES.map((status) => [status, 0]), ['total', 0]]) as StatusCounts;
    const filters = [odata`RowKey eq ${STATE_ROW}`];
    if (options.subscriptionId !== undefined) filters.push(subscriptionFilter(options.subscriptionId));
    for await (const row of scanRows(this.stateTable, filters.join(' and '), ['status'])) {
      const status = new RowReader(row, this.stateTable.tableName).oneOf('status', CLUSTER_STATUSES);
      counts[status] += 1;
      counts.total += 1;
    }
    return counts;
  }

  async recordEvaluation(clusterId: string, evaluation: Evaluation, cause: Cause, options: RecordEvaluationOptions): Promise<Transition[]> {
    const cluster = parseClusterId(clusterId);
    if (encodeKey(evaluation.clusterId) !== encodeKey(clusterId)) {
      throw new RangeError(`recordEvaluation: the evaluation is for "${evaluation.clusterId}", not "${clusterId}"`);
    }
    assertCause(cause, 'recordEvaluation');
    assertDate(options.now, 'recordEvaluation: now');
    const overrides = options.ruleOverrides ?? [];
    const results = recordedResults(evaluation, overrides);
    const status = recordedStatus(evaluation, overrides);
    const basis = options.basis ? this.bases.get(options.basis) : undefined;
    if (options.basis) this.bases.delete(options.basis);
    return this.mutate(
      clusterId,
      options.now,
      (current, fromBasis) => {
        const location = options.location ?? current?.state.location;
        const state: Omit<ClusterState, 'version'> = {
          clusterId,
          subscriptionId: cluster.subscriptionId,
          resourceGroup: cluster.resourceGroup,
          clusterName: cluster.name,
          ...(location !== undefined ? { location } : {}),
          status,
          results,
          evaluatedAt: options.now.toISOString(),
          lastCause: cause,
        };
        // What the run says about open remediation rows holds for the row it read. A row written since may know of
        // rows the run did not see (a scan is not under the lease), so then an "open" there stays.
        const said = options.remediationsOpen;
        const remediationsOpen = said === undefined ? current?.remediationsOpen : fromBasis ? said : said || current?.remediationsOpen !== false;
        return { state, transitions: diffTransitions(clusterId, current?.state, state, options.now, cause), remediationsOpen };
      },
      basis,
    );
  }

  async markDeleted(clusterId: string, cause: Cause, now: Date): Promise<Transition[]> {
    assertCause(cause, 'markDeleted');
    assertDate(now, 'markDeleted: now');
    return this.mutate(clusterId, now, (current) => {
      if (!current || current.state.status === 'Deleted') return undefined;
      // Rule results stay as last seen: they are the record of what the cluster looked like.
      const { version: _version, detailsOmitted: _omitted, ...previous } = current.state;
      const state = { ...previous, status: 'Deleted' as const, evaluatedAt: now.toISOString(), lastCause: cause };
      return {
        state,
        transitions: diffTransitions(clusterId, { status: current.state.status, results: [] }, { status: 'Deleted', results: [] }, now, cause),
        remediationsOpen: current.remediationsOpen,
      };
    });
  }

  async listHistory(clusterId: string, options: { limit?: number } = {}): Promise<Transition[]> {
    const limit = limitOption(options.limit, 50, 'listHistory');
    const rows = await queryRows(this.historyTable, odata`PartitionKey eq ${clusterKey(clusterId)}`, { limit });
    return rows.map((row) => this.toTransition(row));
  }

  /** Every state row, page by page: for the report, which aggregates while it reads. */
  async *scanStates(options: ScanOptions = {}): AsyncGenerator<ClusterState> {
    for await (const row of scanRows(this.stateTable, odata`RowKey eq ${STATE_ROW}`, undefined, options)) yield this.toStored(row).state;
  }

  /** Every transition recorded at or after `since`, all clusters, page by page (a filter on `at`: ISO times sort as text). */
  async *scanHistory(options: ScanOptions & { since: Date }): AsyncGenerator<Transition> {
    assertDate(options.since, 'scanHistory: since');
    for await (const row of scanRows(this.historyTable, odata`at ge ${options.since.toISOString()}`, undefined, options)) yield this.toTransition(row);
  }

  /**
   * Read → compute → conditional write, recomputed on conflict; then the history rows. The first round uses `basis`
   * (what the caller read) when given, instead of reading.
   */
  private async mutate(
    clusterId: string,
    now: Date,
    compute: (current: StoredState | undefined, fromBasis: boolean) => NextState | undefined,
    basis?: { stored: StoredState | undefined },
  ): Promise<Transition[]> {
    const partitionKey = clusterKey(clusterId);
    for (let round = 1; round <= MAX_WRITE_ROUNDS; round++) {
      const fromBasis = round === 1 && basis !== undefined;
      const current = fromBasis ? basis.stored : await this.readStored(partitionKey);
      if (current && current.outbox.length > 0) await this.writeHistory(partitionKey, current.outbox);
      const next = compute(current, fromBasis);
      if (!next) {
        if (current && current.outbox.length > 0) await this.clearOutbox(partitionKey, current.row.etag);
        return [];
      }
      const version = (current?.state.version ?? 0) + 1;
      // History keys sort by time, newest first; the clock never runs backwards per cluster, so a writer with a
      // slower clock that wins later still sorts after the one it followed.
      const previousClock = current?.historyClock ?? '';
      const clock = previousClock > now.toISOString() ? previousClock : now.toISOString();
      const outbox = next.transitions.map((transition, index) => ({
        rowKey: `${invertedTime(new Date(clock))}-${invertedCounter(version, 10)}-${String(index).padStart(4, '0')}`,
        transition,
      }));
      const entity = this.toEntity(partitionKey, next.state, version, clock, outbox, next.remediationsOpen);
      let etag: string;
      try {
        etag = current ? await updateRow(this.stateTable, entity, current.row.etag) : await createRow(this.stateTable, entity);
      } catch (error) {
        if (!isConflict(error)) throw error;
        await pause(round);
        continue;
      }
      if (outbox.length > 0) {
        await this.writeHistory(partitionKey, outbox);
        await this.clearOutbox(partitionKey, etag);
      }
      return next.transitions;
    }
    throw new StorageError(`${this.stateTable.tableName} "${partitionKey}": gave up after ${MAX_WRITE_ROUNDS} conflicting concurrent writes; the evaluation can be retried.`, {
      kind: 'conflict',
      context: { resource: this.stateTable.tableName, key: partitionKey, operation: 'record state' },
    });
  }

  private async writeHistory(partitionKey: string, outbox: readonly OutboxEntry[]): Promise<void> {
    await upsertInBatches(
      this.historyTable,
      partitionKey,
      outbox.map(({ rowKey, transition }) => ({
        partitionKey,
        rowKey,
        clusterId: transition.clusterId,
        ruleId: transition.ruleId,
        from: transition.from ?? undefined,
        to: transition.to ?? undefined,
        reason: transition.reason,
        at: transition.at,
        ...causeProperties(transition.cause),
      })),
    );
  }

  /** Marks the outbox written. A conflict means a later writer already replayed it (it does so before writing). */
  private async clearOutbox(partitionKey: string, etag: string): Promise<void> {
    try {
      await updateRow(this.stateTable, { partitionKey, rowKey: STATE_ROW, outboxParts: 0 }, etag, 'Merge');
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }

  private async readStored(partitionKey: string): Promise<StoredState | undefined> {
    const row = await readRow(this.stateTable, partitionKey, STATE_ROW);
    return row ? this.toStored(row) : undefined;
  }

  private toEntity(partitionKey: string, state: Omit<ClusterState, 'version'>, version: number, historyClock: string, outbox: OutboxEntry[], remediationsOpen: boolean | undefined) {
    let results = splitJson('results', state.results, RESULT_CHUNKS);
    let detailsOmitted = false;
    if (!results) {
      // Keep the verdicts even when the evidence is too large to store.
      results = splitJson('results', state.results.map(({ expected: _e, observed: _o, ...rest }) => rest), RESULT_CHUNKS);
      detailsOmitted = true;
    }
    if (!results) throw new RangeError(`${this.stateTable.tableName} "${partitionKey}": ${state.results.length} rule results are too large to store even without expected/observed values`);
    const pending = outbox.length > 0 ? splitJson('outbox', outbox, OUTBOX_CHUNKS) : { outboxParts: 0 };
    if (!pending) throw new RangeError(`${this.stateTable.tableName} "${partitionKey}": ${outbox.length} transitions are too many to record in one write`);
    const entity: Properties & { partitionKey: string; rowKey: string } = {
      partitionKey,
      rowKey: STATE_ROW,
      clusterId: state.clusterId,
      subscriptionId: state.subscriptionId,
      resourceGroup: state.resourceGroup,
      clusterName: state.clusterName,
      location: state.location,
      status: state.status,
      evaluatedAt: state.evaluatedAt,
      version,
      historyClock,
      detailsOmitted: detailsOmitted || undefined,
      remediationsOpen,
      ...causeProperties(state.lastCause),
      ...results,
      ...pending,
    };
    return entity;
  }

  private toStored(row: Row): StoredState {
    const read = new RowReader(row, this.stateTable.tableName);
    const results = joinJson(row, 'results', read.where);
    if (!Array.isArray(results)) throw new Error(`${read.where}: results are missing`);
    const outbox = joinJson(row, 'outbox', read.where);
    if (outbox !== undefined && !Array.isArray(outbox)) throw new Error(`${read.where}: outbox is not a list`);
    const location = read.optionalText('location');
    const state: ClusterState = {
      clusterId: read.text('clusterId'),
      subscriptionId: read.text('subscriptionId'),
      resourceGroup: read.text('resourceGroup'),
      clusterName: read.text('clusterName'),
      ...(location !== undefined ? { location } : {}),
      status: read.oneOf('status', CLUSTER_STATUSES),
      results: results as RecordedRuleResult[],
      evaluatedAt: read.text('evaluatedAt'),
      lastCause: readCause(read),
      version: read.int('version'),
      ...(row['detailsOmitted'] === true ? { detailsOmitted: true } : {}),
    };
    const remediationsOpen = row['remediationsOpen'];
    return {
      row,
      state,
      historyClock: read.text('historyClock'),
      outbox: (outbox ?? []) as OutboxEntry[],
      remediationsOpen: typeof remediationsOpen === 'boolean' ? remediationsOpen : undefined,
    };
  }

  private toTransition(row: Row): Transition {
    const read = new RowReader(row, this.historyTable.tableName);
    const ruleId = read.optionalText('ruleId');
    const reason = read.optionalText('reason');
    const from = read.optionalText('from');
    const to = read.optionalText('to');
    return {
      clusterId: read.text('clusterId'),
      ...(ruleId !== undefined ? { ruleId } : {}),
      from: from === undefined ? null : checkStatus(from as ClusterStatus),
      to: to === undefined ? null : checkStatus(to as ClusterStatus),
      ...(reason !== undefined ? { reason } : {}),
      at: read.text('at'),
      cause: readCause(read),
    };
  }
}

function checkStatus(status: ClusterStatus): ClusterStatus {
  if (!(CLUSTER_STATUSES as readonly string[]).includes(status)) throw new RangeError(`status must be one of ${CLUSTER_STATUSES.join(', ')}, got "${String(status)}"`);
  return status;
}

/** Cluster keys start with the encoded "/subscriptions/<id>/", so one subscription is one key range. */
function subscriptionFilter(subscriptionId: string): string {
  const id = subscriptionId.trim();
  if (!/^[0-9a-z-]+$/i.test(id)) throw new RangeError(`subscriptionId: "${subscriptionId}" is not a subscription id`);
  const prefix = encodeKey(`/subscriptions/${id}/`);
  return odata`PartitionKey ge ${prefix} and PartitionKey lt ${prefixEnd(prefix)}`;
}

/** A short randomized wait between conflicting rounds, so two writers do not collide in lockstep. */
function pause(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * round));
}
