// The emulator's in-memory ARM: resources keyed by lower-cased id, list indexes per subscription and
// resource group, and the long-running operations that move resources out of Creating/Updating/Deleting.
// Operations complete lazily: whoever next looks at a resource or its operation settles it, so there are
// no timers to clean up and a state read is always current.
import { randomUUID } from 'node:crypto';
import { OrderedIndex } from './paging.js';

export type ArmObject = Record<string, unknown>;

export interface ArmErrorBody {
  code: string;
  message: string;
}

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

/** A write (PUT/PATCH), a delete, or a cluster's start/stop action (POST). */
export type OperationAction = 'write' | 'delete' | 'start' | 'stop';

export interface Operation {
  id: string;
  /** ARM path of the Azure-AsyncOperation status resource (no host, no query). */
  statusPath: string;
  /** ARM path of the Location (operation result) resource, for deletes. */
  resultPath: string | undefined;
  apiVersion: string;
  action: OperationAction;
  startTime: string;
  endsAt: number;
  status: OperationStatus;
  endTime: string | undefined;
  outcome: 'Succeeded' | 'Failed';
  error: ArmErrorBody | undefined;
  target: ClusterRecord | ExtensionRecord;
  /** The resource before the write: a failed write puts it back (keeping the new eTag). */
  previousBody: ArmObject | undefined;
  /** An extension's protected settings before the write, put back with previousBody. */
  previousProtectedSettings: Record<string, string> | undefined;
  /**
   * A failure that leaves the written body in place (ARM stored the request; applying it failed): the resource shows
   * Failed with the error, instead of the previous body.
   */
  failureKeepsBody: boolean;
}

interface RecordBase {
  key: string;
  id: string;
  name: string;
  /** REST shape as GET returns it. Never holds protected settings or secrets. */
  body: ArmObject;
  /** Cached JSON of `body`; cleared on every change. */
  json: string | undefined;
  operation: Operation | undefined;
}

export interface ClusterRecord extends RecordBase {
  kind: 'cluster';
  subscriptionId: string;
  resourceGroup: string;
  extensions: Map<string, ExtensionRecord>;
  extensionOrder: OrderedIndex;
  /** Planned maintenance configurations by lower-cased name, in creation order (REST shape). */
  maintenanceConfigurations: Map<string, ArmObject>;
}

export interface ExtensionRecord extends RecordBase {
  kind: 'extension';
  cluster: ClusterRecord;
  /** Held only so a PATCH without them keeps them; never serialised. */
  protectedSettings: Record<string, string>;
  /**
   * The configurationSettings the extension last installed with (its last successful write, or as seeded): what
   * the cluster runs, which a failed write does not change even when ARM keeps the requested body.
   */
  appliedSettings: Record<string, string> | undefined;
  /** Cached JSON for api-versions before 2025-03-01 (no managedBy, no managementDetails); cleared with `json`. */
  jsonBefore20250301: string | undefined;
}

export interface SubscriptionRecord {
  subscriptionId: string;
  displayName: string;
}

export function propertiesOf(body: ArmObject): ArmObject {
  const properties = body['properties'];
  if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) return properties as ArmObject;
  const created: ArmObject = {};
  body['properties'] = created;
  return created;
}

export function changed(record: ClusterRecord | ExtensionRecord): void {
  record.json = undefined;
  if (record.kind === 'extension') record.jsonBefore20250301 = undefined;
}

export function serialize(record: ClusterRecord | ExtensionRecord): string {
  record.json ??= JSON.stringify(record.body);
  return record.json;
}

export class Store {
  /** The emulator's time (epoch ms): every default `now` below reads it. */
  constructor(readonly now: () => number = Date.now) {}

  readonly subscriptions = new Map<string, SubscriptionRecord>();
  readonly clusters = new Map<string, ClusterRecord>();
  readonly operations = new Map<string, Operation>();
  private readonly pending = new Set<Operation>();
  private readonly bySubscription = new Map<string, OrderedIndex>();
  private readonly byResourceGroup = new Map<string, OrderedIndex>();

  addSubscription(subscriptionId: string, displayName?: string): SubscriptionRecord {
    const key = subscriptionId.toLowerCase();
    const existing = this.subscriptions.get(key);
    if (existing) return existing;
    const record = { subscriptionId: key, displayName: displayName ?? `Subscription ${this.subscriptions.size + 1}` };
    this.subscriptions.set(key, record);
    return record;
  }

  hasSubscription(subscriptionId: string): boolean {
    return this.subscriptions.has(subscriptionId.toLowerCase());
  }

  /** The cluster with its pending operation settled; undefined when absent (or just deleted). */
  cluster(key: string, now = this.now()): ClusterRecord | undefined {
    const record = this.clusters.get(key);
    if (record?.operation) this.settle(record.operation, now);
    return this.clusters.get(key);
  }

  extension(cluster: ClusterRecord, name: string, now = this.now()): ExtensionRecord | undefined {
    const key = name.toLowerCase();
    const record = cluster.extensions.get(key);
    if (record?.operation) this.settle(record.operation, now);
    return cluster.extensions.get(key);
  }

  insertCluster(record: ClusterRecord): void {
    const previous = this.clusters.get(record.key);
    if (previous && previous !== record) this.removeCluster(previous);
    this.clusters.set(record.key, record);
    this.indexFor(this.bySubscription, record.subscriptionId).add(record.key);
    this.indexFor(this.byResourceGroup, `${record.subscriptionId}/${record.resourceGroup.toLowerCase()}`).add(record.key);
  }

  removeCluster(record: ClusterRecord): void {
    if (this.clusters.get(record.key) !== record) return;
    this.clusters.delete(record.key);
    this.bySubscription.get(record.subscriptionId)?.remove(record.key);
    this.byResourceGroup.get(`${record.subscriptionId}/${record.resourceGroup.toLowerCase()}`)?.remove(record.key);
    for (const extension of record.extensions.values()) if (extension.operation) this.pending.delete(extension.operation);
    if (record.operation) this.pending.delete(record.operation);
  }

  insertExtension(record: ExtensionRecord): void {
    const key = record.name.toLowerCase();
    record.cluster.extensions.set(key, record);
    record.cluster.extensionOrder.add(key);
  }

  removeExtension(record: ExtensionRecord): void {
    const key = record.name.toLowerCase();
    if (record.cluster.extensions.get(key) !== record) return;
    record.cluster.extensions.delete(key);
    record.cluster.extensionOrder.remove(key);
  }

  subscriptionIndex(subscriptionId: string): OrderedIndex | undefined {
    return this.bySubscription.get(subscriptionId.toLowerCase());
  }

  resourceGroupIndex(subscriptionId: string, resourceGroup: string): OrderedIndex | undefined {
    return this.byResourceGroup.get(`${subscriptionId.toLowerCase()}/${resourceGroup.toLowerCase()}`);
  }

  startOperation(input: {
    target: ClusterRecord | ExtensionRecord;
    action: OperationAction;
    statusPath: (operationId: string) => string;
    resultPath?: (operationId: string) => string;
    apiVersion: string;
    durationMs: number;
    previousBody: ArmObject | undefined;
    previousProtectedSettings?: Record<string, string>;
    failure?: ArmErrorBody;
    failureKeepsBody?: boolean;
    now?: number;
  }): Operation {
    const now = input.now ?? this.now();
    const id = randomUUID();
    const operation: Operation = {
      id,
      statusPath: input.statusPath(id),
      resultPath: input.resultPath?.(id),
      apiVersion: input.apiVersion,
      action: input.action,
      startTime: new Date(now).toISOString(),
      endsAt: now + Math.max(0, input.durationMs),
      status: 'InProgress',
      endTime: undefined,
      outcome: input.failure ? 'Failed' : 'Succeeded',
      error: input.failure,
      target: input.target,
      previousBody: input.previousBody,
      previousProtectedSettings: input.previousProtectedSettings,
      failureKeepsBody: input.failureKeepsBody ?? false,
    };
    input.target.operation = operation;
    this.operations.set(id, operation);
    this.pending.add(operation);
    return operation;
  }

  operation(id: string, now = this.now()): Operation | undefined {
    const operation = this.operations.get(id.toLowerCase());
    if (operation) this.settle(operation, now);
    return operation;
  }

  /** Completes the operation if its time has come. */
  settle(operation: Operation, now = this.now()): void {
    if (operation.status !== 'InProgress' || now < operation.endsAt) return;
    operation.status = operation.outcome;
    operation.endTime = new Date(Math.max(now, operation.endsAt)).toISOString();
    this.pending.delete(operation);
    const target = operation.target;
    if (target.operation === operation) target.operation = undefined;
    if (operation.outcome === 'Succeeded' && operation.action === 'delete') {
      if (target.kind === 'cluster') this.removeCluster(target);
      else this.removeExtension(target);
      return;
    }
    if (operation.outcome === 'Succeeded' && target.kind === 'cluster' && (operation.action === 'start' || operation.action === 'stop')) {
      setPowerState(target.body, operation.action === 'start' ? 'Running' : 'Stopped');
    }
    if (operation.outcome === 'Failed' && operation.action !== 'delete' && operation.previousBody && !operation.failureKeepsBody) {
      const eTag = target.body['eTag'];
      target.body = structuredClone(operation.previousBody);
      if (eTag !== undefined) target.body['eTag'] = eTag;
      if (target.kind === 'extension' && operation.previousProtectedSettings) target.protectedSettings = operation.previousProtectedSettings;
    }
    if (operation.outcome === 'Succeeded' && operation.action === 'write' && target.kind === 'extension') {
      const settings = propertiesOf(target.body)['configurationSettings'];
      target.appliedSettings = typeof settings === 'object' && settings !== null ? { ...(settings as Record<string, string>) } : {};
    }
    if (operation.outcome === 'Failed' && operation.failureKeepsBody && target.kind === 'extension' && operation.error) {
      const properties = propertiesOf(target.body);
      properties['errorInfo'] = { code: operation.error.code, message: operation.error.message };
      properties['statuses'] = [{ code: operation.error.code, displayStatus: 'Failed', level: 'Error', message: operation.error.message, time: operation.endTime }];
    }
    markProvisioned(target, operation.outcome);
  }

  /** Completes every running operation now (tests and the demo use this to end "Updating" clusters). */
  finishAll(): number {
    const running = [...this.pending];
    for (const operation of running) {
      const now = this.now();
      operation.endsAt = Math.min(operation.endsAt, now);
      this.settle(operation, now);
    }
    return running.length;
  }

  pendingCount(): number {
    return this.pending.size;
  }

  private indexFor(indexes: Map<string, OrderedIndex>, key: string): OrderedIndex {
    let index = indexes.get(key);
    if (!index) {
      index = new OrderedIndex();
      indexes.set(key, index);
    }
    return index;
  }
}

/** `powerState.code` of the cluster and of each of its node pools. */
export function setPowerState(body: ArmObject, code: 'Running' | 'Stopped'): void {
  const properties = propertiesOf(body);
  properties['powerState'] = { code };
  if (Array.isArray(properties['agentPoolProfiles'])) {
    for (const pool of properties['agentPoolProfiles'] as ArmObject[]) pool['powerState'] = { code };
  }
}

/** A cluster's `powerState.code` ('Running' when it reports none). */
export function powerStateOf(body: ArmObject): string {
  const power = propertiesOf(body)['powerState'];
  const code = typeof power === 'object' && power !== null ? (power as ArmObject)['code'] : undefined;
  return typeof code === 'string' ? code : 'Running';
}

function markProvisioned(target: ClusterRecord | ExtensionRecord, state: 'Succeeded' | 'Failed'): void {
  const properties = propertiesOf(target.body);
  properties['provisioningState'] = state;
  if (target.kind === 'cluster' && Array.isArray(properties['agentPoolProfiles'])) {
    for (const pool of properties['agentPoolProfiles'] as ArmObject[]) pool['provisioningState'] = state;
  }
  changed(target);
}
