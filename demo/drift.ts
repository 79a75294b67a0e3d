// The "drift happens" round: someone else (OTHER_IDENTITY, with their own ARM token) changes clusters the
// service had made compliant, through the same SDKs a person's script would use. The emulator raises the Event
// Grid events, the local app hands them to onResourceEvent, and the demo only watches the compliance store to see
// when the service recorded each drift and when it was fixed.
//
// Two changes show what the service must not do (issue 14): a stopped cluster (AKS accepts only start and delete) is
// recorded with its steps blocked and nothing written, until someone starts it and the start's event brings the fix;
// and an extension AKS took over (AKS-managed: users may only read it) is recorded, blocked, never written, and left
// to AKS, whose own change puts it right again.
import type { ManagedCluster } from '@azure/arm-containerservice';
import { randomUUID } from 'node:crypto';
import { buildEvent } from '../emulator/events.js';
import { seededRandom } from '../emulator/random.js';
import { EMULATOR_TENANT_ID, type EmulatorEvent } from '../emulator/index.js';
import { OBJECT_ID_CLAIM } from '../src/azure/resourceEvents.js';
import {
  NO_POD_IDENTITY_RULE_ID,
  WORKLOAD_IDENTITY_RULE_ID,
  clusterIdOf,
  requiredExtensionRuleId,
  resourceIdKey,
  sameExtensionType,
  type Baseline,
  type Mode,
} from '../src/core/index.js';
import type { ClusterState, Transition } from '../src/ports.js';
import { routeOf } from './approvals.js';
import { OTHER_IDENTITY, type DemoApp } from './app.js';
import { approveThroughHttp } from './httpApproval.js';

export const DRIFT_KINDS = ['extension-deleted', 'pod-identity-enabled', 'workload-identity-disabled', 'cluster-stopped', 'aks-managed-extension'] as const;

/**
 * Microsoft.ContainerService's own identity, for the writes AKS makes to an extension it manages. The emulator refuses
 * user writes to such an extension (as ARM does), so the demo seeds AKS's change and delivers the event it raises.
 */
const AKS_IDENTITY = { appId: '7319c514-987d-4e9b-ac3d-d38c4f427f4c', objectId: '2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f', tenantId: EMULATOR_TENANT_ID };
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftTarget {
  kind: DriftKind;
  clusterId: string;
  clusterName: string;
  /** The rule the change breaks. */
  ruleId: string;
  /** The baseline's mode for that rule: auto is fixed by the service, approval waits for a person. */
  mode: Mode;
  /** For extension-deleted: the installed extension's name. */
  extensionName?: string;
  /** What someone did, in words. */
  description: string;
}

/** What a drift that the service must not fix itself showed on the way: the step blocked, and why. */
export interface BlockedNote {
  reason: string;
  message: string;
}

export interface DriftReaction {
  target: DriftTarget;
  /** The Event Grid event the change raised. */
  eventId?: string;
  /** Epoch milliseconds: when ARM accepted the change (the event's time). */
  changedAt?: number;
  /** When the service recorded the rule NonCompliant. */
  recordedAt?: number;
  /** When the service recorded it Compliant again. */
  fixedAt?: number;
  /** When the demo, acting as a person, approved the fix through the HTTP route. */
  approvedAt?: number;
  /** Why the change could not be made, when it could not. */
  error?: string;
  /** For cluster-stopped and aks-managed-extension: the block the service reported before the drift was put right. */
  blocked?: BlockedNote;
}

const CLUSTER_RP = 'Microsoft.ContainerService';

/** A few changes per kind: about one cluster in fifty, at least one and at most five. */
export function driftsPerKind(clusters: number): number {
  return Math.min(5, Math.max(1, Math.round(clusters / 50)));
}

function fullyCompliant(state: ClusterState): boolean {
  return state.status === 'Compliant' && state.results.length > 0 && state.results.every((result) => result.status === 'Compliant');
}

/**
 * Picks distinct clusters that are Compliant on every rule (so the change is the only drift) for each kind the
 * baseline checks, in a seeded order. Kinds the baseline does not check are left out.
 */
export function pickDriftTargets(app: DemoApp, baseline: Baseline, states: readonly ClusterState[], seed: number, perKind: number): DriftTarget[] {
  const random = seededRandom(seed ^ 0x0d1f7);
  const candidates = states.filter(fullyCompliant).sort((a, b) => (a.clusterId < b.clusterId ? -1 : 1));
  for (let i = candidates.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j] as ClusterState, candidates[i] as ClusterState];
  }
  const targets: DriftTarget[] = [];
  const take = (count: number, make: (state: ClusterState) => DriftTarget | undefined): void => {
    let made = 0;
    while (made < count && candidates.length > 0) {
      const target = make(candidates.shift() as ClusterState);
      if (!target) continue;
      targets.push(target);
      made += 1;
    }
  };

  const extension = baseline.requiredExtensions[0];
  if (extension) {
    take(perKind, (state) => {
      const installed = app.emulator.state.extensions(state.clusterId).find((body) => {
        const type = (body['properties'] as Record<string, unknown> | undefined)?.['extensionType'];
        return typeof type === 'string' && sameExtensionType(type, extension.extensionType);
      });
      if (!installed || typeof installed['name'] !== 'string') return undefined;
      return {
        kind: 'extension-deleted',
        clusterId: state.clusterId,
        clusterName: state.clusterName,
        ruleId: requiredExtensionRuleId(extension),
        mode: extension.mode,
        extensionName: installed['name'],
        description: `${installed['name']} extension deleted`,
      };
    });
  }
  const podIdentity = baseline.rules.podIdentityDisabled;
  if (podIdentity) {
    take(perKind, (state) => ({ kind: 'pod-identity-enabled', clusterId: state.clusterId, clusterName: state.clusterName, ruleId: NO_POD_IDENTITY_RULE_ID, mode: podIdentity.mode, description: 'pod identity turned back on' }));
  }
  const workloadIdentity = baseline.rules.workloadIdentity;
  if (workloadIdentity) {
    take(perKind, (state) => ({ kind: 'workload-identity-disabled', clusterId: state.clusterId, clusterName: state.clusterName, ruleId: WORKLOAD_IDENTITY_RULE_ID, mode: workloadIdentity.mode, description: 'workload identity turned off' }));
    take(1, (state) => ({
      kind: 'cluster-stopped',
      clusterId: state.clusterId,
      clusterName: state.clusterName,
      ruleId: WORKLOAD_IDENTITY_RULE_ID,
      mode: workloadIdentity.mode,
      description: 'cluster stopped with workload identity off, then started again',
    }));
  }
  if (extension) {
    take(1, (state) => {
      const installed = installedOf(app, state.clusterId, extension.extensionType);
      if (!installed) return undefined;
      return {
        kind: 'aks-managed-extension',
        clusterId: state.clusterId,
        clusterName: state.clusterName,
        ruleId: requiredExtensionRuleId(extension),
        mode: extension.mode,
        extensionName: installed.name,
        description: `${installed.name} extension taken over by AKS on another release train`,
      };
    });
  }
  return targets;
}

function installedOf(app: DemoApp, clusterId: string, extensionType: string): { name: string; body: Record<string, unknown> } | undefined {
  const body = app.emulator.state.extensions(clusterId).find((candidate) => {
    const type = (candidate['properties'] as Record<string, unknown> | undefined)?.['extensionType'];
    return typeof type === 'string' && sameExtensionType(type, extensionType);
  });
  return body && typeof body['name'] === 'string' ? { name: body['name'], body } : undefined;
}

/**
 * Makes the change as OTHER_IDENTITY and waits until ARM has finished it. For cluster-stopped and
 * aks-managed-extension, also what comes after (the start, AKS's own fix), once the service has shown the block;
 * `reaction.blocked` says what it showed.
 */
export async function makeDrift(app: DemoApp, target: DriftTarget, reaction?: DriftReaction): Promise<void> {
  const { subscriptionId, resourceGroup, clusterName } = routeOf(target.clusterId);
  const arm = app.clientsAs(OTHER_IDENTITY);
  if (target.kind === 'cluster-stopped') {
    const clusters = arm.containerService(subscriptionId).managedClusters;
    await clusters.beginStopAndWait(resourceGroup, clusterName, { updateIntervalInMs: 50 });
    // Workload identity went off before the stop, while no one was looking: ARM refuses writes to a stopped cluster.
    const body = app.emulator.state.cluster(target.clusterId);
    if (!body) throw new Error(`${target.clusterId} is gone`);
    const properties = body['properties'] as Record<string, unknown>;
    properties['securityProfile'] = { ...(properties['securityProfile'] as Record<string, unknown> | undefined), workloadIdentity: { enabled: false } };
    app.emulator.putCluster(body);
    // A person asks the service to fix it now: the answer says why it cannot, and nothing is written.
    const answer = await remediateNow(app, target.clusterId);
    const blocked = blockedOf(answer.body, target.ruleId);
    if (answer.status !== 200 || blocked?.reason !== 'ClusterStopped') {
      throw new Error(`POST ${target.clusterName}/remediate on the stopped cluster answered ${answer.status} without a ClusterStopped block: ${JSON.stringify(answer.body)}`);
    }
    if (reaction) reaction.blocked = blocked;
    // Someone starts it: the start's event makes the service evaluate again, and the fix runs.
    await clusters.beginStartAndWait(resourceGroup, clusterName, { updateIntervalInMs: 50 });
    return;
  }
  if (target.kind === 'aks-managed-extension') {
    await aksTakesOverExtension(app, target, reaction);
    return;
  }
  if (target.kind === 'extension-deleted') {
    await arm.kubernetesConfiguration(subscriptionId).extensions.beginDeleteAndWait(resourceGroup, CLUSTER_RP, 'managedClusters', clusterName, target.extensionName ?? '', { updateIntervalInMs: 50 });
    return;
  }
  const clusters = arm.containerService(subscriptionId).managedClusters;
  const cluster: ManagedCluster = await clusters.get(resourceGroup, clusterName);
  if (target.kind === 'pod-identity-enabled') {
    cluster.podIdentityProfile = { ...cluster.podIdentityProfile, enabled: true, allowNetworkPluginKubenet: true };
  } else {
    cluster.securityProfile = { ...cluster.securityProfile, workloadIdentity: { enabled: false } };
  }
  await clusters.beginCreateOrUpdateAndWait(resourceGroup, clusterName, cluster, { updateIntervalInMs: 50 });
}

/** POST .../remediate with no approvals, as a person asking for a fix now; waits out a worker holding the lease (409). */
async function remediateNow(app: DemoApp, clusterId: string): Promise<Awaited<ReturnType<typeof approveThroughHttp>>> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await approveThroughHttp(app, clusterId, []);
    if (answer.status !== 409 || attempt === 20) return answer;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The blockedBy of the rule's step in a remediate answer (the HTTP route's plan view). */
function blockedOf(body: unknown, ruleId: string): BlockedNote | undefined {
  const plan = (body as { plan?: { ruleId?: string; blockedBy?: BlockedNote | null }[] } | undefined)?.plan;
  return plan?.find((step) => step.ruleId === ruleId)?.blockedBy ?? undefined;
}

/**
 * AKS takes the extension over (managedBy the cluster, managementDetails "managed") on a release train the baseline
 * does not want. The emulator refuses user writes to such an extension, as ARM does, so AKS's write is seeded and the
 * write event it raises delivered to the app. The service records the drift and blocks the step (ManagedByAks)
 * without writing; `aksPutsExtensionRight` then shows the block and lets AKS put the release train back.
 */
async function aksTakesOverExtension(app: DemoApp, target: DriftTarget, reaction: DriftReaction | undefined): Promise<void> {
  const current = currentExtension(app, target);
  const train = current.properties['releaseTrain'];
  const event = await aksWrite(app, target, typeof train === 'string' && train.toLowerCase() === 'preview' ? 'Stable' : 'Preview');
  if (reaction) {
    reaction.eventId = event.id;
    reaction.changedAt = Date.parse(event.eventTime);
  }
}

/**
 * After the service recorded the AKS-managed extension's drift: a person asks for a fix (the answer must say
 * ManagedByAks, and nothing is written), then AKS puts its release train back, still managing it.
 */
export async function aksPutsExtensionRight(app: DemoApp, reaction: DriftReaction): Promise<void> {
  const { target } = reaction;
  if (reaction.recordedAt === undefined) throw new Error(`the service never recorded ${target.ruleId} NonCompliant after AKS took ${target.extensionName ?? ''} over`);
  const answer = await remediateNow(app, target.clusterId);
  const blocked = blockedOf(answer.body, target.ruleId);
  if (blocked?.reason !== 'ManagedByAks') throw new Error(`POST ${target.clusterName}/remediate did not report a ManagedByAks block: ${JSON.stringify(answer.body)}`);
  reaction.blocked = blocked;
  const train = currentExtension(app, target).properties['releaseTrain'];
  await aksWrite(app, target, typeof train === 'string' && train.toLowerCase() === 'preview' ? 'Stable' : 'Preview');
}

function currentExtension(app: DemoApp, target: DriftTarget): { body: Record<string, unknown>; properties: Record<string, unknown> } {
  const body = app.emulator.state.extension(target.clusterId, target.extensionName ?? '');
  if (!body) throw new Error(`${target.clusterName} has no extension ${target.extensionName ?? ''}`);
  return { body, properties: body['properties'] as Record<string, unknown> };
}

/** One write by AKS to the extension it manages (seeded), and the write event it raises, delivered to the app. */
async function aksWrite(app: DemoApp, target: DriftTarget, releaseTrain: string): Promise<EmulatorEvent> {
  const extensionId = `${target.clusterId}/providers/Microsoft.KubernetesConfiguration/extensions/${target.extensionName ?? ''}`;
  const { body, properties } = currentExtension(app, target);
  app.emulator.putExtension(target.clusterId, {
    ...body,
    managedBy: target.clusterId,
    properties: { ...properties, releaseTrain, managementDetails: { category: 'managed', accessDetails: [{ entity: 'Microsoft.ContainerService', allowedActions: ['Read', 'Write'] }] } },
  });
  const event = buildEvent(
    { action: 'write', resourceId: extensionId, subscriptionId: routeOf(target.clusterId).subscriptionId, resourceType: 'Microsoft.KubernetesConfiguration/extensions' },
    { caller: AKS_IDENTITY, correlationId: randomUUID(), clientRequestId: randomUUID(), clientIpAddress: '10.0.0.4', method: 'PUT', url: `https://management.azure.com${extensionId}?api-version=2025-03-01` },
    app.emulator.clock.now(),
  );
  await app.deliver(event);
  return event;
}

/**
 * Notes, for each target, the event its change raised (id and time), as ARM accepts the change. Returns the
 * function that stops listening.
 * Only events caused by OTHER_IDENTITY count: the service's own fixes raise events too.
 */
export function recordDriftEvents(app: DemoApp, reactions: readonly DriftReaction[], onRecorded: (reaction: DriftReaction) => void): () => void {
  const byCluster = new Map(reactions.map((reaction) => [resourceIdKey(reaction.target.clusterId), reaction]));
  return app.emulator.onEvent((event: EmulatorEvent) => {
    if (event.data.claims[OBJECT_ID_CLAIM]?.toLowerCase() !== OTHER_IDENTITY.objectId.toLowerCase()) return;
    let clusterId: string;
    try {
      clusterId = clusterIdOf(event.data.resourceUri);
    } catch {
      return;
    }
    const reaction = byCluster.get(resourceIdKey(clusterId));
    if (!reaction || reaction.eventId !== undefined) return;
    reaction.eventId = event.id;
    reaction.changedAt = Date.parse(event.eventTime);
    onRecorded(reaction);
  });
}

const NOT_FIXED = new Set(['NonCompliant', 'RemediationFailed']);

/** Reads, from the rule's recorded history, when the drift was recorded and when it was fixed. Returns what changed. */
export async function readReactionTimes(app: DemoApp, reaction: DriftReaction): Promise<{ recorded: boolean; fixed: boolean }> {
  const before = { recorded: reaction.recordedAt !== undefined, fixed: reaction.fixedAt !== undefined };
  if (reaction.changedAt === undefined || before.fixed) return { recorded: false, fixed: false };
  const history: Transition[] = await app.services.store.listHistory(reaction.target.clusterId, { limit: 100 });
  const ruleId = reaction.target.ruleId.toLowerCase();
  const since = reaction.changedAt;
  const ofRule = history
    .filter((transition) => transition.ruleId?.toLowerCase() === ruleId && Date.parse(transition.at) >= since)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const recorded = ofRule.find((transition) => transition.to !== null && NOT_FIXED.has(transition.to));
  if (recorded) reaction.recordedAt ??= Date.parse(recorded.at);
  const fixed = recorded ? ofRule.find((transition) => transition.to === 'Compliant' && Date.parse(transition.at) >= Date.parse(recorded.at)) : undefined;
  if (fixed) reaction.fixedAt ??= Date.parse(fixed.at);
  return { recorded: !before.recorded && reaction.recordedAt !== undefined, fixed: !before.fixed && reaction.fixedAt !== undefined };
}
