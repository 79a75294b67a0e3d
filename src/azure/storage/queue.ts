// The evaluation queue: one message per cluster to evaluate. Message text is base64(JSON) because the Functions
// queue trigger decodes base64 by default (host.json messageEncoding), and hands the handler the parsed JSON.

import type { QueueClient } from '@azure/storage-queue';
import { CAUSE_KINDS, type Cause, type EnqueueManyResult, type EnqueueOptions, type EvaluationWorkItem, type WorkQueue } from '../../ports.js';
import { InvalidInputError, parseClusterId } from '../../core/index.js';
import { ISO_DATE_OR_DATE_TIME_RULE, parseIsoDateTime } from '../../core/dates.js';
import { jsonTextProblem } from '../../core/limits.js';
import { toStorageError } from '../errors.js';

export type { EvaluationWorkItem } from '../../ports.js';

/** The service's limit on a message, in bytes of message text. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** The service's limit on the initial invisibility of a message: 7 days. */
export const MAX_VISIBILITY_DELAY_SECONDS = 7 * 24 * 60 * 60;
const DEFAULT_CONCURRENCY = 16;

/** A queue message that is not a valid work item. Retrying cannot fix it: the caller should dead-letter it. */
export class InvalidWorkItemError extends Error {
  override name = 'InvalidWorkItemError';
}

function invalid(field: string, problem: string): never {
  throw new InvalidWorkItemError(`evaluation work item: ${field} ${problem}`);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) invalid(field, 'must be a non-empty string when present');
  return value;
}

function parseCause(value: unknown): Cause {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid('"cause"', 'must be an object with kind and id');
  const raw = value as Record<string, unknown>;
  if (typeof raw['kind'] !== 'string' || !(CAUSE_KINDS as readonly string[]).includes(raw['kind'])) {
    invalid('"cause.kind"', `must be one of ${CAUSE_KINDS.join(', ')}, got ${JSON.stringify(raw['kind'])}`);
  }
  if (typeof raw['id'] !== 'string' || raw['id'].length === 0) invalid('"cause.id"', 'must be a non-empty string');
  const cause: Cause = { kind: raw['kind'] as Cause['kind'], id: raw['id'] };
  const correlationId = optionalString(raw['correlationId'], '"cause.correlationId"');
  const caller = optionalString(raw['caller'], '"cause.caller"');
  if (correlationId !== undefined) cause.correlationId = correlationId;
  if (caller !== undefined) cause.caller = caller;
  return cause;
}

function decodeBody(body: unknown): unknown {
  if (body instanceof Uint8Array) return decodeBody(Buffer.from(body).toString('utf8'));
  if (typeof body !== 'string') return body;
  const text = body.trim();
  const limit = jsonTextProblem(text);
  if (limit) invalid('message', limit);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Still base64: the message was read without the trigger's decoding (e.g. straight from the SDK).
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
      try {
        return JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
      } catch {
        // fall through to the error below
      }
    }
    return invalid('message', 'is neither JSON nor base64-encoded JSON');
  }
}

/** Validates a queue message body (the decoded JSON object, a JSON string, or base64 JSON). Unknown fields are ignored. */
export function parseWorkItem(body: unknown): EvaluationWorkItem {
  const value = decodeBody(body);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid('message', 'must be a JSON object');
  const raw = value as Record<string, unknown>;
  if (typeof raw['clusterId'] !== 'string' || raw['clusterId'].trim().length === 0) invalid('"clusterId"', 'must be a non-empty string');
  try {
    // ARM's naming rules: an id no cluster can have would be read, keyed and recorded as a cluster that never existed.
    parseClusterId(raw['clusterId']);
  } catch (error) {
    invalid('"clusterId"', error instanceof InvalidInputError ? error.message : String(error));
  }
  const cause = parseCause(raw['cause']);
  if (typeof raw['enqueuedAt'] !== 'string' || !parseIsoDateTime(raw['enqueuedAt'])) invalid('"enqueuedAt"', `must be ${ISO_DATE_OR_DATE_TIME_RULE}`);
  const item: EvaluationWorkItem = { clusterId: raw['clusterId'], cause, enqueuedAt: raw['enqueuedAt'] };
  if (raw['approvals'] !== undefined) {
    const approvals = raw['approvals'];
    if (!Array.isArray(approvals)) invalid('"approvals"', 'must be a list of plan step ids');
    approvals.forEach((stepId, index) => {
      if (typeof stepId !== 'string' || stepId.length === 0) invalid(`"approvals[${index}]"`, 'must be a non-empty string');
    });
    item.approvals = approvals as string[];
  }
  if (raw['attempt'] !== undefined) {
    const attempt = raw['attempt'];
    if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 0) invalid('"attempt"', `must be a whole number from 0, got ${JSON.stringify(attempt)}`);
    item.attempt = attempt;
  }
  const pendingEtag = optionalString(raw['pendingEtag'], '"pendingEtag"');
  if (pendingEtag !== undefined) item.pendingEtag = pendingEtag;
  return item;
}

/** The message text for a work item: validated, then base64(JSON). */
export function encodeWorkItem(item: EvaluationWorkItem): string {
  const checked = parseWorkItem(item);
  const text = Buffer.from(JSON.stringify(checked), 'utf8').toString('base64');
  if (text.length > MAX_MESSAGE_BYTES) throw new InvalidWorkItemError(`evaluation work item for "${item.clusterId}" is ${text.length} bytes encoded; a queue message holds at most ${MAX_MESSAGE_BYTES}`);
  return text;
}

function visibilityDelay(options: EnqueueOptions | undefined): number | undefined {
  const delay = options?.visibilityDelaySeconds;
  if (delay === undefined || delay === 0) return undefined;
  if (!Number.isInteger(delay) || delay < 0 || delay > MAX_VISIBILITY_DELAY_SECONDS) {
    throw new RangeError(`visibilityDelaySeconds must be a whole number from 0 to ${MAX_VISIBILITY_DELAY_SECONDS}, got ${delay}`);
  }
  return delay;
}

export class EvaluationQueue implements WorkQueue {
  constructor(private readonly client: QueueClient) {}

  async enqueue(item: EvaluationWorkItem, options?: EnqueueOptions): Promise<void> {
    await this.send(encodeWorkItem(item), item.clusterId, visibilityDelay(options));
  }

  /** Sends in parallel (the queue has no batch send). Every item is validated before the first is sent. */
  async enqueueMany(items: EvaluationWorkItem[], options?: EnqueueOptions & { concurrency?: number }): Promise<EnqueueManyResult> {
    const delay = visibilityDelay(options);
    const concurrency = options?.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number above 0, got ${concurrency}`);
    const messages = items.map((item, index) => {
      try {
        return { clusterId: item.clusterId, text: encodeWorkItem(item) };
      } catch (error) {
        throw new InvalidWorkItemError(`items[${index}]: ${(error as Error).message}`);
      }
    });
    const result: EnqueueManyResult = { enqueued: 0, failed: 0, errors: [] };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < messages.length) {
        const message = messages[next++]!;
        try {
          await this.send(message.text, message.clusterId, delay);
          result.enqueued += 1;
        } catch (error) {
          result.failed += 1;
          result.errors.push({ clusterId: message.clusterId, message: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, worker));
    return result;
  }

  private async send(text: string, clusterId: string, visibilityTimeout: number | undefined): Promise<void> {
    try {
      await this.client.sendMessage(text, visibilityTimeout === undefined ? {} : { visibilityTimeout });
    } catch (error) {
      throw toStorageError(error, { resource: this.client.name, operation: 'send message', key: clusterId });
    }
  }
}
