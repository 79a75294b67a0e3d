// Sweeps: one row per fleet sweep, all in partition "sweeps" (a few rows a day) with row key = inverted start
// time + sweep id, so the latest sweeps come first. A lookup by id scans from the newest row, and the sweep
// being finished is almost always among the first.

import { odata, type TableClient } from '@azure/data-tables';
import { SWEEP_TRIGGERS, type FinishSweepInput, type SweepError, type SweepLog, type SweepRecord } from '../../ports.js';
import { encodeKey, invertedTime, tableKey } from './keys.js';
import { assertDate, limitOption, truncate } from './mapping.js';
import { joinJson, splitJson } from './state-model.js';
import { RowReader, createRow, queryRows, updateRow, type Row } from './table-ops.js';

const SWEEP_PARTITION = 'sweeps';
const MAX_STORED_ERRORS = 100;
const MAX_ERROR_MESSAGE = 1000;

export class TableSweepLog implements SweepLog {
  constructor(private readonly table: TableClient) {}

  async startSweep(input: { sweepId: string; trigger: SweepRecord['trigger']; now: Date }): Promise<SweepRecord> {
    assertDate(input.now, 'startSweep: now');
    if (!(SWEEP_TRIGGERS as readonly string[]).includes(input.trigger)) throw new RangeError(`startSweep: trigger must be one of ${SWEEP_TRIGGERS.join(', ')}, got "${String(input.trigger)}"`);
    const sweepKey = tableKey(input.sweepId, 'sweepId');
    const existing = await this.findRow(input.sweepId);
    if (existing) return this.toRecord(existing);
    const startedAt = input.now.toISOString();
    await createRow(this.table, {
      partitionKey: SWEEP_PARTITION,
      rowKey: `${invertedTime(input.now)}-${sweepKey}`,
      sweepId: input.sweepId,
      sweepKey,
      trigger: input.trigger,
      status: 'Running',
      startedAt,
    });
    return { sweepId: input.sweepId, trigger: input.trigger, status: 'Running', startedAt };
  }

  async finishSweep(sweepId: string, input: FinishSweepInput): Promise<SweepRecord> {
    assertDate(input.now, 'finishSweep: now');
    if (!Number.isInteger(input.clustersEnqueued) || input.clustersEnqueued < 0) throw new RangeError(`finishSweep: clustersEnqueued must be a whole number, got ${input.clustersEnqueued}`);
    const row = await this.findRow(sweepId);
    if (!row) throw new RangeError(`finishSweep: no sweep "${sweepId}" was started`);
    const errors: SweepError[] = input.errors.slice(0, MAX_STORED_ERRORS).map((error) => ({ scope: error.scope, message: truncate(error.message, MAX_ERROR_MESSAGE) }));
    const subscriptions = splitJson('subscriptions', input.subscriptions, 2);
    const storedErrors = splitJson('errors', errors, 4);
    if (!subscriptions || !storedErrors) throw new RangeError(`finishSweep: the subscription or error list of sweep "${sweepId}" is too large to store`);
    const status = input.errors.length > 0 ? 'CompletedWithErrors' : 'Completed';
    const finishedAt = input.now.toISOString();
    await updateRow(
      this.table,
      { partitionKey: SWEEP_PARTITION, rowKey: row.rowKey, status, finishedAt, clustersEnqueued: input.clustersEnqueued, errorCount: input.errors.length, ...subscriptions, ...storedErrors },
      row.etag,
      'Merge',
    );
    const started = this.toRecord(row);
    return { ...started, status, finishedAt, clustersEnqueued: input.clustersEnqueued, subscriptions: [...input.subscriptions], errors };
  }

  async getSweep(sweepId: string): Promise<SweepRecord | undefined> {
    const row = await this.findRow(sweepId);
    return row ? this.toRecord(row) : undefined;
  }

  async listSweeps(options: { limit?: number } = {}): Promise<SweepRecord[]> {
    const limit = limitOption(options.limit, 20, 'listSweeps');
    const rows = await queryRows(this.table, odata`PartitionKey eq ${SWEEP_PARTITION}`, { limit });
    return rows.map((row) => this.toRecord(row));
  }

  private async findRow(sweepId: string): Promise<Row | undefined> {
    const [row] = await queryRows(this.table, odata`PartitionKey eq ${SWEEP_PARTITION} and sweepKey eq ${encodeKey(sweepId)}`, { limit: 1 });
    return row;
  }

  private toRecord(row: Row): SweepRecord {
    const read = new RowReader(row, this.table.tableName);
    const finishedAt = read.optionalText('finishedAt');
    const clustersEnqueued = read.optionalInt('clustersEnqueued');
    const subscriptions = joinJson(row, 'subscriptions', read.where);
    const errors = joinJson(row, 'errors', read.where);
    return {
      sweepId: read.text('sweepId'),
      trigger: read.oneOf('trigger', SWEEP_TRIGGERS),
      status: read.oneOf('status', ['Running', 'Completed', 'CompletedWithErrors'] as const),
      startedAt: read.text('startedAt'),
      ...(finishedAt !== undefined ? { finishedAt } : {}),
      ...(clustersEnqueued !== undefined ? { clustersEnqueued } : {}),
      ...(Array.isArray(subscriptions) ? { subscriptions: subscriptions as string[] } : {}),
      ...(Array.isArray(errors) ? { errors: errors as SweepError[] } : {}),
    };
  }
}
