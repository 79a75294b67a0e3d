// Remediation attempts per (cluster, rule), with exponential backoff. Rows live in ClusterState next to the
// cluster's state row (same partition, row key "attempts-<rule>"), so everything about a cluster is one partition.

import type { TableClient } from '@azure/data-tables';
import type { AttemptTracker, Attempts, RecordAttemptOptions } from '../../ports.js';
import { StorageError, isConflict } from '../errors.js';
import { ATTEMPT_ROW_PREFIX } from './cluster-state-store.js';
import { clusterKey, tableKey } from './keys.js';
import { assertDate, errorProperties, readError, storedError } from './mapping.js';
import { RowReader, createRow, deleteRow, readRow, updateRow, type Row } from './table-ops.js';

const DEFAULT_MAX_BACKOFF_SECONDS = 24 * 60 * 60;
const MAX_WRITE_ROUNDS = 8;

/** Seconds to wait after the `count`-th attempt: base, 2×base, 4×base, ... capped. */
export function backoffSeconds(count: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.min(count - 1, 40));
}

export class TableAttemptTracker implements AttemptTracker {
  constructor(private readonly table: TableClient) {}

  async getAttempts(clusterId: string, ruleId: string): Promise<Attempts> {
    const row = await readRow(this.table, clusterKey(clusterId), attemptRowKey(ruleId));
    return row ? this.toAttempts(row) : { count: 0 };
  }

  async recordAttempt(clusterId: string, ruleId: string, options: RecordAttemptOptions): Promise<Attempts> {
    assertDate(options.now, 'recordAttempt: now');
    if (!(options.backoffBaseSeconds > 0)) throw new RangeError(`recordAttempt: backoffBaseSeconds must be above 0, got ${options.backoffBaseSeconds}`);
    const maxBackoff = options.maxBackoffSeconds ?? DEFAULT_MAX_BACKOFF_SECONDS;
    if (!(maxBackoff >= options.backoffBaseSeconds)) throw new RangeError(`recordAttempt: maxBackoffSeconds must be at least backoffBaseSeconds, got ${maxBackoff}`);
    const partitionKey = clusterKey(clusterId);
    const rowKey = attemptRowKey(ruleId);
    for (let round = 1; round <= MAX_WRITE_ROUNDS; round++) {
      const row = await readRow(this.table, partitionKey, rowKey);
      const before = row ? this.toAttempts(row).count : 0;
      // An attempt's operation that ended later is the same attempt: its error, and a back-off from now.
      const count = options.sameAttempt ? Math.max(before, 1) : before + 1;
      const next = new Date(options.now.getTime() + backoffSeconds(count, options.backoffBaseSeconds, maxBackoff) * 1000);
      // Replace, not merge: an attempt without an error clears the previous one.
      const entity = {
        partitionKey,
        rowKey,
        clusterId,
        ruleId,
        count,
        lastAttemptAt: options.now.toISOString(),
        nextAttemptAfter: next.toISOString(),
        ...errorProperties(options.error, 'lastError'),
      };
      try {
        if (row) await updateRow(this.table, entity, row.etag);
        else await createRow(this.table, entity);
      } catch (error) {
        if (isConflict(error)) continue;
        throw error;
      }
      return {
        count,
        lastAttemptAt: entity.lastAttemptAt,
        nextAttemptAfter: entity.nextAttemptAfter,
        ...(options.error ? { lastError: storedError(options.error) } : {}),
      };
    }
    throw new StorageError(`${this.table.tableName} "${partitionKey}, ${rowKey}": gave up after ${MAX_WRITE_ROUNDS} conflicting concurrent writes.`, {
      kind: 'conflict',
      context: { resource: this.table.tableName, key: `${partitionKey}, ${rowKey}`, operation: 'record attempt' },
    });
  }

  async resetAttempts(clusterId: string, ruleId: string): Promise<void> {
    await deleteRow(this.table, clusterKey(clusterId), attemptRowKey(ruleId));
  }

  private toAttempts(row: Row): Attempts {
    const read = new RowReader(row, this.table.tableName);
    const lastError = readError(read, 'lastError');
    return {
      count: read.int('count'),
      lastAttemptAt: read.text('lastAttemptAt'),
      nextAttemptAfter: read.text('nextAttemptAfter'),
      ...(lastError ? { lastError } : {}),
    };
  }
}

function attemptRowKey(ruleId: string): string {
  return ATTEMPT_ROW_PREFIX + tableKey(ruleId, 'ruleId');
}
