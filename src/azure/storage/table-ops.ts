// Thin, typed wrappers over TableClient: every failure comes out as a StorageError naming the table and key,
// "not found" on a read is undefined, and rows are read back through checked field accessors.

import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import { isMissingEntity, toStorageError } from '../errors.js';

export type Properties = Record<string, string | number | boolean | Date | undefined>;
export type Row = Record<string, unknown> & { partitionKey: string; rowKey: string; etag: string };

/** The Table service caps a batch at 100 operations, all in one partition. */
export const MAX_BATCH = 100;
/** The Table service returns at most 1000 entities per page. */
export const MAX_PAGE = 1000;

function where(table: TableClient, partitionKey: string, rowKey?: string): { resource: string; key: string } {
  return { resource: table.tableName, key: rowKey === undefined ? partitionKey : `${partitionKey}, ${rowKey}` };
}

/** Drops undefined properties: the SDK would otherwise send them as nulls, which the service rejects. */
function defined(entity: TableEntity<Properties>): TableEntity<Properties> {
  return Object.fromEntries(Object.entries(entity).filter(([, value]) => value !== undefined)) as TableEntity<Properties>;
}

export async function readRow(table: TableClient, partitionKey: string, rowKey: string): Promise<Row | undefined> {
  try {
    return (await table.getEntity<Record<string, unknown>>(partitionKey, rowKey)) as Row;
  } catch (error) {
    if (isMissingEntity(error)) return undefined;
    throw toStorageError(error, { ...where(table, partitionKey, rowKey), operation: 'read' });
  }
}

/** Inserts; throws a StorageError of kind "conflict" when the row exists. Returns the new ETag. */
export async function createRow(table: TableClient, entity: TableEntity<Properties>): Promise<string> {
  try {
    const response = await table.createEntity(defined(entity));
    return response.etag ?? '';
  } catch (error) {
    throw toStorageError(error, { ...where(table, entity.partitionKey, entity.rowKey), operation: 'insert' });
  }
}

/** Replaces (or merges into) the row if its ETag is still `etag`; throws kind "conflict" (412) otherwise. Returns the new ETag. */
export async function updateRow(table: TableClient, entity: TableEntity<Properties>, etag: string, mode: 'Replace' | 'Merge' = 'Replace'): Promise<string> {
  try {
    const response = await table.updateEntity(defined(entity), mode, { etag });
    return response.etag ?? '';
  } catch (error) {
    throw toStorageError(error, { ...where(table, entity.partitionKey, entity.rowKey), operation: 'conditional update' });
  }
}

/** Inserts or replaces the row, whatever is there. */
export async function upsertRow(table: TableClient, entity: TableEntity<Properties>): Promise<void> {
  try {
    await table.upsertEntity(defined(entity), 'Replace');
  } catch (error) {
    throw toStorageError(error, { ...where(table, entity.partitionKey, entity.rowKey), operation: 'upsert' });
  }
}

/** Deletes; a missing row is fine. With `etag`, only if unchanged (throws kind "conflict" otherwise). */
export async function deleteRow(table: TableClient, partitionKey: string, rowKey: string, etag?: string): Promise<void> {
  try {
    await table.deleteEntity(partitionKey, rowKey, etag === undefined ? {} : { etag });
  } catch (error) {
    if (isMissingEntity(error)) return;
    throw toStorageError(error, { ...where(table, partitionKey, rowKey), operation: 'delete' });
  }
}

/** Upserts rows of one partition in transactions of at most 100. Each transaction is atomic; the set is not. */
export async function upsertInBatches(table: TableClient, partitionKey: string, entities: readonly TableEntity<Properties>[]): Promise<void> {
  for (let start = 0; start < entities.length; start += MAX_BATCH) {
    const actions: TransactionAction[] = entities.slice(start, start + MAX_BATCH).map((entity) => ['upsert', defined(entity), 'Replace']);
    try {
      await table.submitTransaction(actions);
    } catch (error) {
      throw toStorageError(error, { ...where(table, partitionKey), operation: `batch upsert of ${actions.length} rows` });
    }
  }
}

/**
 * Submits one entity group transaction: all actions on one partition, at most 100, applied together or not at all.
 * Returns the new ETag of each action, in order (undefined for deletes). A failure is a StorageError whose cause names
 * the action that failed (see failedActionOf).
 */
export async function submitBatch(table: TableClient, partitionKey: string, actions: readonly TransactionAction[], operation: string): Promise<(string | undefined)[]> {
  if (actions.length === 0 || actions.length > MAX_BATCH) throw new RangeError(`submitBatch: ${actions.length} actions; a transaction holds 1 to ${MAX_BATCH}`);
  const sent = actions.map((action): TransactionAction => (action[0] === 'delete' ? action : ([action[0], defined(action[1] as TableEntity<Properties>), ...action.slice(2)] as TransactionAction)));
  try {
    const response = await table.submitTransaction(sent);
    return sent.map((_, index) => response.subResponses[index]?.etag);
  } catch (error) {
    throw toStorageError(error, { ...where(table, partitionKey), operation });
  }
}

/**
 * Which action of a failed transaction failed: the service prefixes its message with the action's index ("1:The
 * specified entity already exists."). Undefined when the failure was not about one action.
 */
export function failedActionOf(error: unknown): number | undefined {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const match = cause instanceof Error ? /^(\d+):/.exec(cause.message) : null;
  return match ? Number(match[1]) : undefined;
}

export interface QueryPageOptions {
  pageSize: number;
  continuationToken?: string;
  select?: string[];
}

/** One page of a filtered query (build the filter with the SDK's `odata` template). */
export async function queryPage(table: TableClient, filter: string, options: QueryPageOptions): Promise<{ rows: Row[]; continuationToken?: string }> {
  try {
    const pages = table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter, ...(options.select ? { select: options.select } : {}) } })
      .byPage({ maxPageSize: options.pageSize, ...(options.continuationToken ? { continuationToken: options.continuationToken } : {}) });
    const first = await pages.next();
    if (first.done) return { rows: [] };
    const page = first.value;
    return { rows: [...page] as Row[], ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
  } catch (error) {
    // The SDK decodes the token before sending anything; garbage fails as a SyntaxError.
    if (options.continuationToken && error instanceof SyntaxError) throw new RangeError('continuationToken is not one that this listing returned');
    throw toStorageError(error, { resource: table.tableName, operation: `query (${filter})` });
  }
}

/** Up to `limit` rows of a filtered query, in key order, following continuation tokens as needed. */
export async function queryRows(table: TableClient, filter: string, options: { limit: number; select?: string[] }): Promise<Row[]> {
  const rows: Row[] = [];
  try {
    const pages = table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter, ...(options.select ? { select: options.select } : {}) } })
      .byPage({ maxPageSize: Math.min(options.limit, MAX_PAGE) });
    for await (const page of pages) {
      for (const row of page) {
        rows.push(row as Row);
        if (rows.length >= options.limit) return rows;
      }
    }
    return rows;
  } catch (error) {
    throw toStorageError(error, { resource: table.tableName, operation: `query (${filter})` });
  }
}

/** Every row of a query, page by page, for aggregates. */
export async function* scanRows(table: TableClient, filter: string, select?: string[], options: { abortSignal?: AbortSignal } = {}): AsyncGenerator<Row> {
  try {
    const pages = table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter, ...(select ? { select } : {}) }, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) })
      .byPage({ maxPageSize: MAX_PAGE });
    for await (const page of pages) {
      for (const row of page) yield row as Row;
    }
  } catch (error) {
    throw toStorageError(error, { resource: table.tableName, operation: `query (${filter})` });
  }
}

/** Checked reads of row properties: a damaged row fails with the table, key and property named. */
export class RowReader {
  constructor(
    private readonly row: Row,
    private readonly table: string,
  ) {}

  private fail(name: string, expected: string): never {
    throw new Error(`${this.table} row (${this.row.partitionKey}, ${this.row.rowKey}): property "${name}" is not ${expected}`);
  }

  get where(): string {
    return `${this.table} row (${this.row.partitionKey}, ${this.row.rowKey})`;
  }

  raw(): Record<string, unknown> {
    return this.row;
  }

  text(name: string): string {
    const value = this.row[name];
    return typeof value === 'string' ? value : this.fail(name, 'a string');
  }

  optionalText(name: string): string | undefined {
    const value = this.row[name];
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : this.fail(name, 'a string');
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.text(name);
    return (allowed as readonly string[]).includes(value) ? (value as T) : this.fail(name, `one of ${allowed.join(', ')}`);
  }

  int(name: string): number {
    const value = this.row[name];
    return typeof value === 'number' && Number.isInteger(value) ? value : this.fail(name, 'a whole number');
  }

  optionalInt(name: string): number | undefined {
    const value = this.row[name];
    if (value === undefined || value === null) return undefined;
    return typeof value === 'number' && Number.isInteger(value) ? value : this.fail(name, 'a whole number');
  }
}
