// Small rows that let many function instances agree without a lock service. Each decision is one conditional
// write (insert-if-absent, or replace-if-ETag-unchanged): of any number of racing callers exactly one wins.
//   ProcessedEvents  partition = event id (encoded, or hashed when very long), row "event"
//   ClusterLeases    partition = cluster, rows "lease" and "pending-evaluation"

import type { TableClient } from '@azure/data-tables';
import type { EvaluationCoalescer, EventDeduplicator, Lease, LeaseManager } from '../../ports.js';
import { isConflict, isMissingEntity } from '../errors.js';
import { clusterKey, lookupKey } from './keys.js';
import { assertDate } from './mapping.js';
import { RowReader, createRow, deleteRow, readRow, updateRow } from './table-ops.js';

const EVENT_ROW = 'event';
const LEASE_ROW = 'lease';
const PENDING_ROW = 'pending-evaluation';

// Event ids come from outside; the row keeps a bounded copy for people reading the table.
const MAX_STORED_EVENT_ID = 1000;

export class TableEventDeduplicator implements EventDeduplicator {
  constructor(private readonly table: TableClient) {}

  async claimEvent(eventId: string, now: Date): Promise<boolean> {
    assertDate(now, 'claimEvent: now');
    try {
      await createRow(this.table, { partitionKey: lookupKey(eventId, 'eventId'), rowKey: EVENT_ROW, eventId: eventId.slice(0, MAX_STORED_EVENT_ID), claimedAt: now.toISOString() });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  async releaseEventClaim(eventId: string): Promise<void> {
    await deleteRow(this.table, lookupKey(eventId, 'eventId'), EVENT_ROW);
  }
}

/** Inserts the row, or replaces an expired one; false when another caller got there first. */
async function claimRow(table: TableClient, entity: { partitionKey: string; rowKey: string } & Record<string, string>, canTakeOver: (row: RowReader) => boolean) {
  const existing = await readRow(table, entity.partitionKey, entity.rowKey);
  if (existing && !canTakeOver(new RowReader(existing, table.tableName))) return undefined;
  try {
    if (!existing) return await createRow(table, entity);
    try {
      return await updateRow(table, entity, existing.etag);
    } catch (error) {
      // Deleted between our read and our update (a worker cleared it): the row is free, so create it; a racer that
      // creates it first makes ours a conflict.
      if (!isMissingEntity(error)) throw error;
      return await createRow(table, entity);
    }
  } catch (error) {
    if (isConflict(error)) return undefined;
    throw error;
  }
}

export class TableEvaluationCoalescer implements EvaluationCoalescer {
  constructor(private readonly table: TableClient) {}

  async claimPendingEvaluation(clusterId: string, windowSeconds: number, now: Date): Promise<boolean> {
    assertDate(now, 'claimPendingEvaluation: now');
    if (!(windowSeconds > 0)) throw new RangeError(`claimPendingEvaluation: windowSeconds must be above 0, got ${windowSeconds}`);
    // The window bounds how long a lost message can suppress evaluations: after it, the next event enqueues again.
    const etag = await claimRow(
      this.table,
      {
        partitionKey: clusterKey(clusterId),
        rowKey: PENDING_ROW,
        clusterId,
        claimedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + windowSeconds * 1000).toISOString(),
      },
      (row) => Date.parse(row.text('expiresAt')) <= now.getTime(),
    );
    return etag !== undefined;
  }

  async clearPendingEvaluation(clusterId: string): Promise<void> {
    await deleteRow(this.table, clusterKey(clusterId), PENDING_ROW);
  }
}

export class TableLeaseManager implements LeaseManager {
  constructor(private readonly table: TableClient) {}

  async acquireLease(clusterId: string, owner: string, ttlMs: number, now: Date): Promise<Lease | undefined> {
    assertDate(now, 'acquireLease: now');
    if (!owner) throw new RangeError('acquireLease: owner must be a non-empty string');
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new RangeError(`acquireLease: ttlMs must be a whole number above 0, got ${ttlMs}`);
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const etag = await claimRow(
      this.table,
      { partitionKey: clusterKey(clusterId), rowKey: LEASE_ROW, clusterId, owner, expiresAt },
      (row) => row.text('owner') === owner || Date.parse(row.text('expiresAt')) <= now.getTime(),
    );
    return etag === undefined ? undefined : { clusterId, owner, expiresAt, etag };
  }

  async releaseLease(lease: Lease): Promise<void> {
    try {
      await deleteRow(this.table, clusterKey(lease.clusterId), LEASE_ROW, lease.etag);
    } catch (error) {
      // Changed since we took it: it expired and someone else holds it now. Theirs to release.
      if (!isConflict(error)) throw error;
    }
  }
}
