// Remediations: one row per ARM write we attempt, written as an intent (Started) before the call and completed
// after it. After a crash, a Started/Accepted row tells the next run that a write may already be in flight.
// Partition = cluster, row key = inverted time + random suffix, so a cluster's log reads newest first.

import { randomBytes } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import {
  REMEDIATION_STATUSES,
  type CompleteRemediationInput,
  type RemediationLog,
  type RemediationRecord,
  type RemediationRef,
  type StartRemediationInput,
} from '../../ports.js';
import type { StepRemovals } from '../../core/index.js';
import { isConflict } from '../errors.js';
import { clusterKey, invertedTime } from './keys.js';
import { assertCause, assertDate, causeProperties, errorProperties, limitOption, readCause, readError } from './mapping.js';
import { RowReader, createRow, queryRows, updateRow, type Row } from './table-ops.js';

const OPEN: readonly string[] = ['Started', 'Accepted'];
const OUTCOMES: readonly string[] = ['Accepted', 'Succeeded', 'Failed', 'Skipped'];

export class TableRemediationLog implements RemediationLog {
  constructor(private readonly table: TableClient) {}

  async startRemediation(input: StartRemediationInput): Promise<RemediationRef> {
    for (const field of ['clusterId', 'stepId', 'ruleId', 'action'] as const) {
      if (typeof input[field] !== 'string' || input[field].length === 0) throw new RangeError(`startRemediation: ${field} must be a non-empty string`);
    }
    if (!Number.isInteger(input.attempt) || input.attempt < 1) throw new RangeError(`startRemediation: attempt must be a whole number from 1, got ${input.attempt}`);
    if (!input.request?.method || !input.request.path) throw new RangeError('startRemediation: request.method and request.path are required');
    assertCause(input.cause, 'startRemediation');
    const now = input.now ?? new Date();
    assertDate(now, 'startRemediation: now');
    const partitionKey = clusterKey(input.clusterId);
    // Two intents in the same millisecond get different suffixes; on the rare clash, draw again.
    for (;;) {
      const rowKey = `${invertedTime(now)}-${randomBytes(4).toString('hex')}`;
      try {
        const etag = await createRow(this.table, {
          partitionKey,
          rowKey,
          clusterId: input.clusterId,
          stepId: input.stepId,
          ruleId: input.ruleId,
          action: input.action,
          attempt: input.attempt,
          status: 'Started',
          requestMethod: input.request.method,
          requestPath: input.request.path,
          disrupts: input.disrupts,
          // JSON in one column: names, namespaces, identity ids and pod labels, never a secret (docs/store.md).
          removesJson: input.removes ? JSON.stringify(input.removes) : undefined,
          startedAt: now.toISOString(),
          ...causeProperties(input.cause),
        });
        return { clusterId: input.clusterId, rowKey, etag };
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  async completeRemediation(ref: RemediationRef, input: CompleteRemediationInput): Promise<RemediationRef> {
    if (!OUTCOMES.includes(input.outcome)) throw new RangeError(`completeRemediation: outcome must be one of ${OUTCOMES.join(', ')}, got "${String(input.outcome)}"`);
    const now = input.now ?? new Date();
    assertDate(now, 'completeRemediation: now');
    const etag = await updateRow(
      this.table,
      {
        partitionKey: clusterKey(ref.clusterId),
        rowKey: ref.rowKey,
        status: input.outcome,
        // Accepted is not an end: the row stays open until the operation settles.
        completedAt: input.outcome === 'Accepted' ? undefined : now.toISOString(),
        armCorrelationId: input.armOperation?.correlationId,
        armOperationUrl: input.armOperation?.operationUrl,
        armStatus: input.armOperation?.status,
        ...errorProperties(input.error, 'error'),
      },
      ref.etag,
      'Merge',
    );
    return { ...ref, etag };
  }

  async findOpenRemediation(clusterId: string, stepId: string): Promise<RemediationRecord | undefined> {
    // Only the latest row for the step counts: an older Started row was superseded by a later attempt.
    const [latest] = await queryRows(this.table, odata`PartitionKey eq ${clusterKey(clusterId)} and stepId eq ${stepId}`, { limit: 1 });
    if (!latest) return undefined;
    const record = this.toRecord(latest);
    return OPEN.includes(record.status) ? record : undefined;
  }

  async listRemediations(clusterId: string, options: { limit?: number } = {}): Promise<RemediationRecord[]> {
    const limit = limitOption(options.limit, 50, 'listRemediations');
    const rows = await queryRows(this.table, odata`PartitionKey eq ${clusterKey(clusterId)}`, { limit });
    return rows.map((row) => this.toRecord(row));
  }

  private toRecord(row: Row): RemediationRecord {
    const read = new RowReader(row, this.table.tableName);
    const completedAt = read.optionalText('completedAt');
    const correlationId = read.optionalText('armCorrelationId');
    const operationUrl = read.optionalText('armOperationUrl');
    const armStatus = read.optionalText('armStatus');
    const error = readError(read, 'error');
    const disrupts = read.optionalText('disrupts');
    const removesJson = read.optionalText('removesJson');
    const hasArm = correlationId !== undefined || operationUrl !== undefined || armStatus !== undefined;
    return {
      ref: { clusterId: read.text('clusterId'), rowKey: row.rowKey, etag: row.etag },
      clusterId: read.text('clusterId'),
      stepId: read.text('stepId'),
      ruleId: read.text('ruleId'),
      action: read.text('action'),
      attempt: read.int('attempt'),
      status: read.oneOf('status', REMEDIATION_STATUSES),
      cause: readCause(read),
      request: { method: read.text('requestMethod'), path: read.text('requestPath') },
      ...(disrupts !== undefined ? { disrupts } : {}),
      ...(removesJson !== undefined ? { removes: JSON.parse(removesJson) as StepRemovals } : {}),
      startedAt: read.text('startedAt'),
      ...(completedAt !== undefined ? { completedAt } : {}),
      ...(hasArm
        ? {
            armOperation: {
              ...(correlationId !== undefined ? { correlationId } : {}),
              ...(operationUrl !== undefined ? { operationUrl } : {}),
              ...(armStatus !== undefined ? { status: armStatus } : {}),
            },
          }
        : {}),
      ...(error ? { error } : {}),
    };
  }
}
