// Rollouts in Table Storage, one partition per rollout (a fleet of thousands is a few thousand small rows):
//   row "rollout"                    the record: status, the waves (approvals, completions), the halt and the resume
//   row "member|<cluster key>"       one per cluster the rollout governs: wave, status, slot, times, error
//   row "slot|<wave>|<n>"            a concurrency slot held by a running cluster: inserting it is the claim, so of
//                                    racing workers exactly one gets each slot (insert-if-absent)
// The record is changed under its ETag (read, change, write if unchanged, else again), so racing workers never lose
// each other's changes; a member is written by whoever holds its cluster's lease.
import { odata, type TableClient } from '@azure/data-tables';
import { MEMBER_STATUSES, ROLLOUT_STATUSES, type RolloutMember, type RolloutRecord } from '../../core/index.js';
import type { RolloutRow, RolloutStore, ScanOptions } from '../../ports.js';
import { isConflict } from '../errors.js';
import { clusterKey, decodeKey, encodeKey, prefixEnd } from './keys.js';
import { truncate } from './mapping.js';
import { RowReader, createRow, deleteRow, queryRows, readRow, scanRows, updateRow, upsertRow, type Row } from './table-ops.js';

const RECORD_ROW = 'rollout';
const MEMBER_PREFIX = 'member|';
const SLOT_PREFIX = 'slot|';
const MAX_UPDATE_TRIES = 20;
const MAX_ERROR_MESSAGE = 1000;

const slotPrefix = (wave: number): string => `${SLOT_PREFIX}${String(wave).padStart(3, '0')}|`;

export class TableRolloutStore implements RolloutStore {
  constructor(private readonly table: TableClient) {}

  async getRollout(rolloutId: string): Promise<RolloutRecord | undefined> {
    const row = await readRow(this.table, encodeKey(rolloutId), RECORD_ROW);
    return row ? this.toRecord(row) : undefined;
  }

  async createRollout(record: RolloutRecord): Promise<RolloutRecord> {
    try {
      await createRow(this.table, { partitionKey: encodeKey(record.rolloutId), rowKey: RECORD_ROW, ...recordProperties(record) });
      return record;
    } catch (error) {
      if (!isConflict(error)) throw error;
      const existing = await this.getRollout(record.rolloutId);
      if (!existing) throw error;
      return existing;
    }
  }

  async updateRollout(rolloutId: string, change: (record: RolloutRecord) => RolloutRecord | undefined): Promise<{ record: RolloutRecord; changed: boolean }> {
    for (let attempt = 0; attempt < MAX_UPDATE_TRIES; attempt++) {
      const row = await readRow(this.table, encodeKey(rolloutId), RECORD_ROW);
      if (!row) throw new RangeError(`rollout "${rolloutId}" has no record yet`);
      const current = this.toRecord(row);
      const next = change(structuredClone(current));
      if (!next) return { record: current, changed: false };
      try {
        await updateRow(this.table, { partitionKey: row.partitionKey, rowKey: RECORD_ROW, ...recordProperties(next) }, row.etag);
        return { record: next, changed: true };
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    throw new Error(`rollout "${rolloutId}": ${MAX_UPDATE_TRIES} writers in a row changed the record first; giving up this change`);
  }

  async listRollouts(): Promise<RolloutRecord[]> {
    const rows = await queryRows(this.table, odata`RowKey eq ${RECORD_ROW}`, { limit: 1000 });
    return rows.map((row) => this.toRecord(row));
  }

  /** Every record and member row (not the slots), page by page, partition by partition: for the report. */
  async *scanRollouts(options: ScanOptions = {}): AsyncGenerator<RolloutRow> {
    const filter = odata`RowKey eq ${RECORD_ROW} or (RowKey ge ${MEMBER_PREFIX} and RowKey lt ${prefixEnd(MEMBER_PREFIX)})`;
    for await (const row of scanRows(this.table, filter, undefined, options)) {
      if (row.rowKey === RECORD_ROW) yield { kind: 'record', record: this.toRecord(row) };
      else yield { kind: 'member', rolloutId: decodeKey(row.partitionKey), member: this.toMember(row) };
    }
  }

  async getMember(rolloutId: string, clusterId: string): Promise<RolloutMember | undefined> {
    const row = await readRow(this.table, encodeKey(rolloutId), `${MEMBER_PREFIX}${clusterKey(clusterId)}`);
    return row ? this.toMember(row) : undefined;
  }

  async putMember(rolloutId: string, member: RolloutMember): Promise<void> {
    const entity = {
      partitionKey: encodeKey(rolloutId),
      rowKey: `${MEMBER_PREFIX}${clusterKey(member.clusterId)}`,
      clusterId: member.clusterId,
      wave: member.wave,
      status: member.status,
      slot: member.slot,
      registeredAt: member.registeredAt,
      notBefore: member.notBefore,
      startedAt: member.startedAt,
      finishedAt: member.finishedAt,
      errorCode: member.error?.code,
      errorMessage: member.error ? truncate(member.error.message, MAX_ERROR_MESSAGE) : undefined,
    };
    // Replace, not merge: a slot or error the member no longer has must go.
    await upsertRow(this.table, entity);
  }

  async listMembers(rolloutId: string): Promise<RolloutMember[]> {
    const partition = encodeKey(rolloutId);
    const members: RolloutMember[] = [];
    for await (const row of scanRows(this.table, odata`PartitionKey eq ${partition} and RowKey ge ${MEMBER_PREFIX} and RowKey lt ${prefixEnd(MEMBER_PREFIX)}`)) members.push(this.toMember(row));
    return members;
  }

  async claimSlot(rolloutId: string, wave: number, slots: number, clusterId: string): Promise<number | undefined> {
    const partition = encodeKey(rolloutId);
    const prefix = slotPrefix(wave);
    const held = new Map<number, string>();
    for await (const row of scanRows(this.table, odata`PartitionKey eq ${partition} and RowKey ge ${prefix} and RowKey lt ${prefixEnd(prefix)}`)) {
      const read = new RowReader(row, this.table.tableName);
      held.set(read.int('slot'), read.text('clusterKey'));
    }
    const key = clusterKey(clusterId);
    for (const [slot, holder] of held) if (holder === key) return slot;
    for (let slot = 0; slot < slots; slot++) {
      if (held.has(slot)) continue;
      try {
        await createRow(this.table, { partitionKey: partition, rowKey: `${prefix}${String(slot).padStart(4, '0')}`, slot, clusterKey: key, clusterId });
        return slot;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    return undefined;
  }

  async releaseSlot(rolloutId: string, wave: number, slot: number): Promise<void> {
    await deleteRow(this.table, encodeKey(rolloutId), `${slotPrefix(wave)}${String(slot).padStart(4, '0')}`);
  }

  private toRecord(row: Row): RolloutRecord {
    const read = new RowReader(row, this.table.tableName);
    const json = (name: string): unknown => {
      const value = read.optionalText(name);
      if (value === undefined) return undefined;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        throw new Error(`${read.where}: property "${name}" is not JSON`);
      }
    };
    const waves = json('wavesJson');
    if (!Array.isArray(waves)) throw new Error(`${read.where}: property "wavesJson" is not a list of waves`);
    const halt = json('haltJson');
    const resume = json('resumeJson');
    return {
      rolloutId: read.text('rolloutId'),
      status: read.oneOf('status', ROLLOUT_STATUSES),
      createdAt: read.text('createdAt'),
      waves: waves as RolloutRecord['waves'],
      ...(halt ? { halt: halt as NonNullable<RolloutRecord['halt']> } : {}),
      ...(resume ? { resume: resume as NonNullable<RolloutRecord['resume']> } : {}),
    };
  }

  private toMember(row: Row): RolloutMember {
    const read = new RowReader(row, this.table.tableName);
    const slot = read.optionalInt('slot');
    const startedAt = read.optionalText('startedAt');
    const notBefore = read.optionalText('notBefore');
    const finishedAt = read.optionalText('finishedAt');
    const errorCode = read.optionalText('errorCode');
    return {
      clusterId: read.text('clusterId'),
      wave: read.int('wave'),
      status: read.oneOf('status', MEMBER_STATUSES),
      registeredAt: read.text('registeredAt'),
      ...(slot !== undefined ? { slot } : {}),
      ...(notBefore ? { notBefore } : {}),
      ...(startedAt ? { startedAt } : {}),
      ...(finishedAt ? { finishedAt } : {}),
      ...(errorCode ? { error: { code: errorCode, message: read.optionalText('errorMessage') ?? '' } } : {}),
    };
  }
}

function recordProperties(record: RolloutRecord) {
  return {
    rolloutId: record.rolloutId,
    status: record.status,
    createdAt: record.createdAt,
    wavesJson: JSON.stringify(record.waves),
    haltJson: record.halt ? JSON.stringify({ ...record.halt, reason: truncate(record.halt.reason, MAX_ERROR_MESSAGE) }) : undefined,
    resumeJson: record.resume ? JSON.stringify(record.resume) : undefined,
  };
}
