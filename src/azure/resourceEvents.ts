// Event Grid intake: turns whatever a system topic delivers (Event Grid schema or CloudEvents 1.0, one event,
// an array, or a dead-letter blob) into one decision per event. The event is only a hint: it names a cluster
// to re-read, it never carries the state we act on.
import { EventGridDeserializer } from '@azure/eventgrid';
import { clusterIdOf } from '../core/index.js';
import { valueDepthProblem } from '../core/limits.js';
import { ACCEPTED_ACTION_EVENT_TYPES, ACCEPTED_ACTION_OPERATIONS, ACCEPTED_EVENT_TYPES, ACCEPTED_OPERATIONS } from '../names.js';

export const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

export interface SelfIdentity {
  appId?: string;
  objectId?: string;
}

export interface ResourceEventDecision {
  id: string | undefined;
  type: string | undefined;
  schema: 'EventGrid' | 'CloudEvents' | 'unknown';
  accepted: boolean;
  clusterId?: string;
  /** Why it was accepted or ignored, in words a person can act on. */
  reason: string;
  /** `start`: a cluster start (ResourceActionSuccess), after which a stopped cluster's blocked steps can run. */
  operation?: 'write' | 'delete' | 'start';
  target?: 'cluster' | 'extension';
  /** The write was made by this app's own identity: it confirms a remediation and never starts one. */
  causedBySelf?: boolean;
  correlationId?: string;
  eventTime?: string;
}

const deserializer = new EventGridDeserializer();
const acceptedTypes = new Set<string>(ACCEPTED_EVENT_TYPES.map((t) => t.toLowerCase()));
const actionTypes = new Set<string>(ACCEPTED_ACTION_EVENT_TYPES.map((t) => t.toLowerCase()));
type Kind = { operation: 'write' | 'delete' | 'start'; target: 'cluster' | 'extension' };
const acceptedOperations = new Map<string, Kind>(
  ACCEPTED_OPERATIONS.map((op) => {
    const lower = op.toLowerCase();
    return [lower, { operation: lower.endsWith('/delete') ? 'delete' : 'write', target: lower.includes('/managedclusters/') ? 'cluster' : 'extension' }];
  }),
);
// Only a cluster start: a stop needs nothing (the next evaluation blocks the steps), and other actions change nothing we check.
const acceptedActions = new Map<string, Kind>(ACCEPTED_ACTION_OPERATIONS.map((op) => [op.toLowerCase(), { operation: 'start', target: 'cluster' }]));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Splits a delivery into single raw events: an object, an array, or a `{ "events": [...] }`-less dead-letter array. */
export function splitEvents(payload: unknown): unknown[] {
  if (Array.isArray(payload)) return payload;
  return [payload];
}

function schemaOf(raw: Record<string, unknown>): ResourceEventDecision['schema'] {
  if ('specversion' in raw) return 'CloudEvents';
  if ('eventType' in raw) return 'EventGrid';
  return 'unknown';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Decides one raw event. Never throws: a malformed event is a decision with accepted=false and the exact problem. */
export async function decideResourceEvent(raw: unknown, self: SelfIdentity = {}): Promise<ResourceEventDecision> {
  if (!isRecord(raw)) return { id: undefined, type: undefined, schema: 'unknown', accepted: false, reason: 'malformed: an event must be a JSON object' };
  const tooDeep = valueDepthProblem(raw);
  if (tooDeep) return { id: undefined, type: undefined, schema: 'unknown', accepted: false, reason: `malformed: the event ${tooDeep}` };
  const schema = schemaOf(raw);
  const base = { id: str(raw.id), type: str(raw.eventType) ?? str(raw.type), schema };
  if (schema === 'unknown') {
    return { ...base, accepted: false, reason: 'malformed: neither an Event Grid event (no eventType) nor a CloudEvent (no specversion)' };
  }

  let subject: string | undefined;
  // The SDK validates the envelope; the payload is read as delivered (its system-event mapping reshapes bad data silently).
  const data: unknown = raw.data;
  let eventTime: string | undefined;
  try {
    if (schema === 'EventGrid') {
      const [event] = await deserializer.deserializeEventGridEvents(raw);
      subject = event?.subject;
      eventTime = event?.eventTime.toISOString();
    } else {
      const [event] = await deserializer.deserializeCloudEvents(raw);
      subject = event?.subject;
      eventTime = event?.time?.toISOString();
    }
  } catch (error) {
    return { ...base, accepted: false, reason: `malformed: ${errorMessage(error)}` };
  }

  const decided = { ...base, ...(eventTime ? { eventTime } : {}) };
  const type = base.type?.toLowerCase();
  const isAction = type !== undefined && actionTypes.has(type);
  if (!type || (!acceptedTypes.has(type) && !isAction)) {
    return { ...decided, accepted: false, reason: `ignored: event type ${base.type ?? '(none)'} is not a resource write, delete or action` };
  }
  if (!isRecord(data)) return { ...decided, accepted: false, reason: 'malformed: data must be an object with operationName and resourceUri' };

  const operationName = str(data.operationName);
  const kind = operationName ? (isAction ? acceptedActions : acceptedOperations).get(operationName.toLowerCase()) : undefined;
  if (!kind) {
    return {
      ...decided,
      accepted: false,
      reason: isAction
        ? `ignored: action ${operationName ?? '(none)'} is not a managed cluster start (only a start lets a stopped cluster's blocked steps run)`
        : `ignored: operation ${operationName ?? '(none)'} is not a managed cluster or cluster extension write/delete`,
    };
  }

  const resourceId = str(data.resourceUri) ?? subject;
  if (!resourceId) return { ...decided, accepted: false, reason: 'malformed: neither data.resourceUri nor subject names the resource' };
  let clusterId: string;
  try {
    clusterId = clusterIdOf(resourceId);
  } catch (error) {
    return { ...decided, accepted: false, reason: `malformed: ${errorMessage(error)}` };
  }

  const claims = isRecord(data.claims) ? data.claims : {};
  const appId = str(claims.appid)?.toLowerCase();
  const objectId = str(claims[OBJECT_ID_CLAIM])?.toLowerCase();
  // The app never starts clusters, and a start always calls for an evaluation, whoever started it.
  const causedBySelf =
    kind.operation !== 'start' &&
    ((self.appId !== undefined && appId === self.appId.toLowerCase()) || (self.objectId !== undefined && objectId === self.objectId.toLowerCase()));
  const correlationId = str(data.correlationId);

  return {
    ...decided,
    accepted: true,
    clusterId,
    operation: kind.operation,
    target: kind.target,
    causedBySelf,
    ...(correlationId ? { correlationId } : {}),
    reason: causedBySelf
      ? `accepted: ${kind.target} ${kind.operation} by this app's own identity (ARM accepted one of its writes; starts nothing)`
      : `accepted: ${kind.target} ${kind.operation}`,
  };
}
