// Small rows that let many function instances agree without a lock service. Everything about one cluster's
// coordination lives in its partition of ClusterLeases, so the intake can claim an event and mark the cluster in one
// entity group transaction, and each decision is one conditional write (insert-if-absent, or replace-if-ETag-unchanged):
// of any number of racing callers exactly one wins.
//
//   ClusterLeases  partition = cluster
//     event-<event key>   an event id already handled (Event Grid redelivers; the id decides)
//     lease               absent: nothing queued or running. state "pending": an evaluation is queued and not started
//                         (its message carries this row's ETag). state "running": a worker holds the lease until
//                         expiresAt. The intake merges into it (changing its ETag) when an event joins.
//     lease-t-<time>      an event that joined while pending or running, keyed by its time inverted (newest first)
//
// The lease row and its event notes share the key range ["lease", "lease."), so one query reads both.

import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { ChangeClaim, ClaimedEvent, Coordination, FollowUpMark, Lease, PendingMark, PendingTakeover, ReleaseOptions } from '../../ports.js';
import { StorageError, isConflict, isNotFound } from '../errors.js';
import { MAX_KEY_LENGTH, clusterKey, invertedTime, lookupKey } from './keys.js';
import { assertDate } from './mapping.js';
import { MAX_BATCH, RowReader, createRow, deleteRow, failedActionOf, queryRows, readRow, submitBatch, updateRow, type Row } from './table-ops.js';

const LEASE_ROW = 'lease';
const EVENT_PREFIX = 'event-';
const NOTE_PREFIX = 'lease-t-';
/** The smallest key after "lease" and every "lease-t-...": the end of the range holding the lease row and its notes. */
const NOTES_END = 'lease.';
/**
 * A pending mark is taken by a worker within seconds. One older than this lost its message (the intake stopped
 * between marking and enqueueing): a redelivery of any event for the cluster starts its evaluation again.
 */
export const PENDING_STALE_AFTER_MS = 120_000;
/** Conflicting writers are rare (one lease holder per cluster); this many rounds is plenty and still bounded. */
const MAX_ROUNDS = 8;

// Event ids come from outside; the row keeps a bounded copy for people reading the table.
const MAX_STORED_EVENT_ID = 1000;

type LeaseState = 'pending' | 'running';

function eventRowKey(eventId: string): string {
  return EVENT_PREFIX + lookupKey(eventId, 'eventId', MAX_KEY_LENGTH - EVENT_PREFIX.length);
}

/**
 * What a lease taken over an existing row says about it: whether events joined that row (their notes are still to be
 * looked at), and whether it was the very mark the caller was asked to take (still pending, made for its event).
 */
function takeoverFlags(row: Row, pending: PendingTakeover | undefined): Pick<Lease, 'tookOverMark' | 'eventsJoinedBefore'> {
  const sameMark = pending?.eventId !== undefined && stateOf(row) === 'pending' && row['eventId'] === pending.eventId.slice(0, MAX_STORED_EVENT_ID);
  return { ...(sameMark ? { tookOverMark: true as const } : {}), ...(row['joinedAt'] !== undefined ? { eventsJoinedBefore: true as const } : {}) };
}

function stateOf(row: Row): LeaseState {
  // Rows written before pending marks existed are leases.
  return row['state'] === 'pending' ? 'pending' : 'running';
}

export class TableCoordination implements Coordination {
  constructor(private readonly table: TableClient) {}

  async claimChange(clusterId: string, event: ClaimedEvent, now: Date): Promise<ChangeClaim> {
    assertDate(now, 'claimChange: now');
    const eventTime = new Date(event.time);
    assertDate(eventTime, 'claimChange: event.time');
    const partitionKey = clusterKey(clusterId);
    const eventRow = this.eventRow(partitionKey, event.id, now);
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      // Nothing pending or running: claim the id and mark the cluster pending, together.
      try {
        const [, etag] = await submitBatch(this.table, partitionKey, [['create', eventRow], ['create', this.pendingRow(partitionKey, clusterId, now, event.id)]], 'claim event and mark pending');
        return { outcome: 'first', pending: { clusterId, etag: etag ?? '' } };
      } catch (error) {
        if (!isConflict(error)) throw error;
        if (failedActionOf(error) === 0) return this.duplicate(partitionKey, clusterId, event.id, now);
        if (failedActionOf(error) !== 1) throw error;
      }
      // Something is: claim the id and note the event against it; the merge changes the lease row's ETag, which is how
      // the evaluation under way learns that it has something to look at when it ends.
      try {
        await submitBatch(
          this.table,
          partitionKey,
          [
            ['create', eventRow],
            ['update', { partitionKey, rowKey: LEASE_ROW, joinedAt: now.toISOString() }, 'Merge', { etag: '*' }],
            ['upsert', { partitionKey, rowKey: NOTE_PREFIX + invertedTime(eventTime), eventId: event.id.slice(0, MAX_STORED_EVENT_ID), eventTime: eventTime.toISOString(), arrivedAt: now.toISOString() }, 'Replace'],
          ],
          'claim event and join the pending evaluation',
        );
        return { outcome: 'joined' };
      } catch (error) {
        if (isConflict(error) && failedActionOf(error) === 0) return this.duplicate(partitionKey, clusterId, event.id, now);
        // The evaluation ended between our two writes: start over, now as the first.
        if (!(isNotFound(error) && failedActionOf(error) === 1)) throw error;
      }
    }
    throw this.gaveUp(partitionKey, 'claim event');
  }

  async claimEvent(clusterId: string, eventId: string, now: Date): Promise<boolean> {
    assertDate(now, 'claimEvent: now');
    try {
      await createRow(this.table, this.eventRow(clusterKey(clusterId), eventId, now));
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  async releaseEventClaim(clusterId: string, eventId: string, pending?: PendingMark): Promise<void> {
    await Promise.all([deleteRow(this.table, clusterKey(clusterId), eventRowKey(eventId)), pending ? this.abandonPending(pending) : undefined]);
  }

  async abandonPending(mark: PendingMark): Promise<void> {
    const partitionKey = clusterKey(mark.clusterId);
    let etag = mark.etag;
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      try {
        await deleteRow(this.table, partitionKey, LEASE_ROW, etag);
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
      // An event joined it (still pending: drop it all the same, nothing will take it), or a worker took it (theirs).
      const row = await readRow(this.table, partitionKey, LEASE_ROW);
      if (!row || stateOf(row) !== 'pending') return;
      etag = row.etag;
    }
    throw this.gaveUp(partitionKey, 'abandon pending mark');
  }

  async acquireLease(clusterId: string, owner: string, ttlMs: number, now: Date, pending?: PendingTakeover): Promise<Lease | undefined> {
    assertDate(now, 'acquireLease: now');
    if (!owner) throw new RangeError('acquireLease: owner must be a non-empty string');
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new RangeError(`acquireLease: ttlMs must be a whole number above 0, got ${ttlMs}`);
    const partitionKey = clusterKey(clusterId);
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const running = { partitionKey, rowKey: LEASE_ROW, clusterId, state: 'running', owner, expiresAt, since: now.toISOString() };
    const leaseOf = (etag: string, flags: Pick<Lease, 'tookOverMark' | 'eventsJoinedBefore'> = {}): Lease => ({ clusterId, owner, expiresAt, etag, ...flags });
    // What we know of the row: absent, read (a Row), or unknown (read it). Without a mark to take over, try the
    // insert first: a sweep's cluster usually has no row.
    let known: Row | 'absent' | 'unknown' = pending ? 'unknown' : 'absent';
    if (pending) {
      try {
        return leaseOf(await updateRow(this.table, running, pending.etag), { tookOverMark: true });
      } catch (error) {
        if (isNotFound(error)) known = 'absent';
        else if (!isConflict(error)) throw error;
      }
    }
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      if (known === 'unknown') {
        known = (await readRow(this.table, partitionKey, LEASE_ROW)) ?? 'absent';
        continue;
      }
      try {
        if (known === 'absent') return leaseOf(await createRow(this.table, running));
        const read = new RowReader(known, this.table.tableName);
        const heldByOther = stateOf(known) === 'running' && read.text('owner') !== owner && Date.parse(read.text('expiresAt')) > now.getTime();
        if (heldByOther) return undefined;
        return leaseOf(await updateRow(this.table, running, known.etag), takeoverFlags(known, pending));
      } catch (error) {
        // Someone else wrote or removed it between our read and our write: look again.
        if (!isConflict(error) && !isNotFound(error)) throw error;
        known = 'unknown';
      }
    }
    return undefined;
  }

  async releaseLease(lease: Lease, options?: ReleaseOptions): Promise<FollowUpMark | undefined> {
    const partitionKey = clusterKey(lease.clusterId);
    // Unchanged since we took it, and nothing joined before: nothing to look at again.
    if (!lease.eventsJoinedBefore) {
      try {
        await deleteRow(this.table, partitionKey, LEASE_ROW, lease.etag);
        return undefined;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const rows = await queryRows(this.table, odata`PartitionKey eq ${partitionKey} and RowKey ge ${LEASE_ROW} and RowKey lt ${NOTES_END}`, { limit: MAX_BATCH });
      const row = rows.find((candidate) => candidate.rowKey === LEASE_ROW);
      // Gone, or taken over after it expired: no longer ours to release.
      if (!row || stateOf(row) !== 'running' || row['owner'] !== lease.owner) return undefined;
      const notes = rows.filter((candidate) => candidate.rowKey.startsWith(NOTE_PREFIX));
      const drop: TransactionAction[] = notes.map((note) => ['delete', { partitionKey, rowKey: note.rowKey }]);
      // Notes sort newest event first.
      const newest = notes[0] ? new RowReader(notes[0], this.table.tableName) : undefined;
      const newestTime = newest ? Date.parse(newest.text('eventTime')) : Number.NaN;
      const lookAgain = options !== undefined && newestTime > options.readAt.getTime() - options.marginMs;
      try {
        if (options && newest && lookAgain) {
          const eventId = newest.optionalText('eventId');
          const [etag] = await submitBatch(
            this.table,
            partitionKey,
            [['update', this.pendingRow(partitionKey, lease.clusterId, options.now, eventId), 'Replace', { etag: row.etag }], ...drop],
            'turn the lease into a pending mark',
          );
          return { clusterId: lease.clusterId, etag: etag ?? '', eventTime: new Date(newestTime).toISOString(), ...(eventId ? { eventId } : {}) };
        }
        // A transaction cannot delete conditionally, so the row goes first, on its own, and the notes after it.
        await deleteRow(this.table, partitionKey, LEASE_ROW, row.etag);
      } catch (error) {
        // Another event joined between our read and our write: read again.
        if (!isConflict(error) && !isNotFound(error)) throw error;
        continue;
      }
      // Notes left behind (a failure here) are older than any later evaluation's read: harmless, and removed by the
      // next release that reads them.
      if (drop.length > 0) await submitBatch(this.table, partitionKey, drop, 'drop event notes').catch(() => undefined);
      return undefined;
    }
    throw this.gaveUp(partitionKey, 'release lease');
  }

  /** A duplicate delivery; it restarts a pending mark that lost its message (see PENDING_STALE_AFTER_MS). */
  private async duplicate(partitionKey: string, clusterId: string, eventId: string, now: Date): Promise<ChangeClaim> {
    const row = await readRow(this.table, partitionKey, LEASE_ROW);
    if (!row || stateOf(row) !== 'pending') return { outcome: 'duplicate' };
    const since = Date.parse(new RowReader(row, this.table.tableName).text('since'));
    if (!(now.getTime() - since > PENDING_STALE_AFTER_MS)) return { outcome: 'duplicate' };
    try {
      const etag = await updateRow(this.table, this.pendingRow(partitionKey, clusterId, now, eventId), row.etag);
      return { outcome: 'first', pending: { clusterId, etag } };
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) return { outcome: 'duplicate' };
      throw error;
    }
  }

  private eventRow(partitionKey: string, eventId: string, now: Date) {
    return { partitionKey, rowKey: eventRowKey(eventId), eventId: eventId.slice(0, MAX_STORED_EVENT_ID), claimedAt: now.toISOString() };
  }

  private pendingRow(partitionKey: string, clusterId: string, now: Date, eventId: string | undefined) {
    return { partitionKey, rowKey: LEASE_ROW, clusterId, state: 'pending', since: now.toISOString(), eventId: eventId?.slice(0, MAX_STORED_EVENT_ID) };
  }

  private gaveUp(partitionKey: string, operation: string): StorageError {
    return new StorageError(`${this.table.tableName} "${partitionKey}": ${operation} gave up after ${MAX_ROUNDS} conflicting concurrent writes; it can be retried.`, {
      kind: 'conflict',
      context: { resource: this.table.tableName, key: partitionKey, operation },
    });
  }
}
