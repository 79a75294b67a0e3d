// ARM in memory: a ClusterReader and a StepWriter over a map of cluster snapshots, for unit tests of the pipeline
// that need no emulator. A write ARM accepts is in place at once (the operation "finishes" when it is waited for, or
// is read back already done); `answer` decides, per step, what ARM says instead.
import { ArmError, type ArmFailure } from '../../../src/azure/errors.js';
import { deepMerge, parseCluster, parseClusterId, parseExtensionId, parseExtensions, sameResourceId, type ClusterSnapshot, type ExtensionSnapshot, type PlanStep } from '../../../src/core/index.js';
import { parseMaintenanceConfigs, type MaintenanceConfigs } from '../../../src/core/maintenance-windows.js';
import type {
  ApplyOutcome,
  ClusterReader,
  ListedCluster,
  ListedSubscription,
  OperationCheck,
  OperationHandle,
  StepWriteContext,
  StepWriter,
} from '../../../src/ports.js';

/** What ARM does with a write: takes it (`accept`), or ends it at once with this outcome. */
export type FakeAnswer = 'accept' | ApplyOutcome;

export interface FakeWrite {
  stepId: string;
  resourceId: string;
  method: string;
}

export class FakeArm implements ClusterReader, StepWriter {
  private readonly clusters = new Map<string, ClusterSnapshot>();
  /** Subscriptions whose listing fails, with the failure. */
  readonly failingSubscriptions = new Map<string, ArmFailure>();
  /** Every write that reached ARM (accepted ones), in order. */
  readonly writes: FakeWrite[] = [];
  /** Cluster reads, per cluster key. */
  readonly reads = new Map<string, number>();
  /** Planned maintenance configurations per cluster key, in REST shape (none: the cluster has none). */
  readonly maintenance = new Map<string, unknown[]>();
  /** Decides each write; default: ARM accepts it. */
  answer: (step: PlanStep) => FakeAnswer = () => 'accept';
  /**
   * Per step: the failure its accepted write's operation ends with (ARM took the write, then it failed and left the
   * resource as it was); undefined: the operation succeeds.
   */
  operationFails: (step: PlanStep) => ArmFailure | undefined = () => undefined;
  /** What an accepted write's operation status says, by its operation URL; absent: Succeeded. */
  readonly operations = new Map<string, OperationCheck>();
  /** Operation status reads, in order (their URLs). */
  readonly operationChecks: string[] = [];

  constructor(snapshots: readonly ClusterSnapshot[] = []) {
    for (const snapshot of snapshots) this.put(snapshot);
  }

  put(snapshot: ClusterSnapshot): void {
    this.clusters.set(snapshot.id.toLowerCase(), snapshot);
  }

  remove(clusterId: string): void {
    this.clusters.delete(clusterId.toLowerCase());
  }

  get(clusterId: string): ClusterSnapshot | undefined {
    return this.clusters.get(clusterId.toLowerCase());
  }

  async readCluster(clusterId: string): Promise<ClusterSnapshot> {
    const key = clusterId.toLowerCase();
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    const snapshot = this.clusters.get(key);
    if (!snapshot) throw new ArmError({ kind: 'not-found', code: 'ResourceNotFound', message: `${clusterId}: ResourceNotFound (HTTP 404): not found`, statusCode: 404 });
    return structuredClone(snapshot);
  }

  async readMaintenanceConfigs(clusterId: string): Promise<MaintenanceConfigs> {
    if (!this.clusters.has(clusterId.toLowerCase())) throw new ArmError({ kind: 'not-found', code: 'ResourceNotFound', message: `${clusterId}: ResourceNotFound (HTTP 404): not found`, statusCode: 404 });
    return parseMaintenanceConfigs(this.maintenance.get(clusterId.toLowerCase()) ?? []);
  }

  async *listSubscriptions(): AsyncIterable<ListedSubscription> {
    const ids = new Set([...this.clusters.values()].map((snapshot) => parseClusterId(snapshot.id).subscriptionId.toLowerCase()));
    for (const id of [...ids, ...this.failingSubscriptions.keys()]) yield { subscriptionId: id };
  }

  async *listClusters(scope: { subscriptionId: string; resourceGroup?: string }): AsyncIterable<ListedCluster> {
    const failure = this.failingSubscriptions.get(scope.subscriptionId.toLowerCase());
    if (failure) throw new ArmError(failure);
    for (const snapshot of this.clusters.values()) {
      const ref = parseClusterId(snapshot.id);
      if (ref.subscriptionId.toLowerCase() !== scope.subscriptionId.toLowerCase()) continue;
      if (scope.resourceGroup && ref.resourceGroup.toLowerCase() !== scope.resourceGroup.toLowerCase()) continue;
      yield { id: snapshot.id, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name, location: snapshot.location ?? '' };
    }
  }

  async checkOperation(operationUrl: string): Promise<OperationCheck> {
    this.operationChecks.push(operationUrl);
    return structuredClone(this.operations.get(operationUrl) ?? { status: 'succeeded' });
  }

  async startStep(step: PlanStep, context: StepWriteContext): Promise<OperationHandle> {
    const answer = this.answer(step);
    const handle = (started: boolean, outcome: ApplyOutcome): OperationHandle => ({
      stepId: step.id,
      action: step.action,
      target: sameResourceId(step.change.path, context.plannedFrom.id) ? 'cluster' : 'extension',
      resourceId: step.change.path,
      startedAt: context.now.toISOString(),
      started,
      step,
      ...(started ? { correlationId: `corr-${this.writes.length}`, operationUrl: `https://arm.fake/operations/${this.writes.length}` } : {}),
      wait: async () => outcome,
    });
    if (answer !== 'accept') return handle(false, answer);
    this.writes.push({ stepId: step.id, resourceId: step.change.path, method: step.change.method });
    const failure = this.operationFails(step);
    if (failure) {
      const accepted = handle(true, { status: 'failed', failure });
      if (accepted.operationUrl) this.operations.set(accepted.operationUrl, { status: 'failed', failure });
      return accepted;
    }
    const current = this.get(context.plannedFrom.id);
    if (current) this.put(applyStep(current, step));
    return handle(true, { status: 'succeeded' });
  }
}

/** The snapshot ARM would hold once the step's write succeeded. */
export function applyStep(snapshot: ClusterSnapshot, step: PlanStep): ClusterSnapshot {
  const { method, path, body } = step.change;
  if (sameResourceId(path, snapshot.id)) return { ...parseCluster(deepMerge(snapshot.body, step.clusterPatch ?? body)), extensions: snapshot.extensions };
  const { extensionName } = parseExtensionId(path);
  const properties = (body['properties'] ?? {}) as Record<string, unknown>;
  const others = snapshot.extensions.filter((extension) => extension.name.toLowerCase() !== extensionName.toLowerCase());
  const existing = snapshot.extensions.find((extension) => extension.name.toLowerCase() === extensionName.toLowerCase());
  const [written] = parseExtensions([{ id: path, name: extensionName, properties: { ...(method === 'PATCH' && existing ? extensionProperties(existing) : {}), ...properties, provisioningState: 'Succeeded' } }]);
  return { ...snapshot, extensions: [...others, written as ExtensionSnapshot] };
}

function extensionProperties(extension: ExtensionSnapshot): Record<string, unknown> {
  return {
    extensionType: extension.extensionType,
    autoUpgradeMinorVersion: extension.autoUpgradeMinorVersion,
    ...(extension.releaseTrain ? { releaseTrain: extension.releaseTrain } : {}),
    ...(extension.version ? { version: extension.version } : {}),
    configurationSettings: extension.configurationSettings,
    ...(extension.scope ? { scope: extension.scope } : {}),
  };
}
