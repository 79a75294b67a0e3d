// The "drift happens" round: someone else (OTHER_IDENTITY, with their own ARM token) changes clusters the
// service had made compliant, through the same SDKs a person's script would use. The emulator raises the Event
// Grid events, the local app hands them to onResourceEvent, and the demo only watches the compliance store to see
// when the service recorded each drift and when it was fixed.
import type { ManagedCluster } from '@azure/arm-containerservice';
import { seededRandom } from '../emulator/random.js';
import type { EmulatorEvent } from '../emulator/index.js';
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

export const DRIFT_KINDS = ['extension-deleted', 'pod-identity-enabled', 'workload-identity-disabled'] as const;
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
  }
  return targets;
}

/** Makes the change as OTHER_IDENTITY and waits until ARM has finished it. */
export async function makeDrift(app: DemoApp, target: DriftTarget): Promise<void> {
  const { subscriptionId, resourceGroup, clusterName } = routeOf(target.clusterId);
  const arm = app.clientsAs(OTHER_IDENTITY);
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
