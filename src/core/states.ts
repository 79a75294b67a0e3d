// Provisioning states of clusters and extensions: the one place that says which are busy and which are settled.
// "Settled" is the word for a resource no operation is running on: it Succeeded, or it Failed/was Canceled (terminal
// states AKS reconciles with the next write). A busy resource refuses writes (ARM answers 409), so nothing is written
// to it until it settles.
//
// Power state (Running/Stopped) is a second, separate axis: a stopped cluster reports provisioningState Succeeded, and
// accepts only start and delete (AKS docs start-stop-cluster.md, "About the cluster stop/start feature"). Its steps are
// blocked (ClusterStopped), not busy: no retry helps until someone starts it.

export type ProvisioningPhase = 'succeeded' | 'failed' | 'in-progress' | 'unknown';

const IN_PROGRESS = ['Creating', 'Updating', 'Deleting', 'Accepted', 'Running', 'Upgrading', 'Scaling', 'Starting', 'Stopping', 'Migrating', 'Canceling', 'Provisioning'];

const PHASES: ReadonlyMap<string, ProvisioningPhase> = new Map<string, ProvisioningPhase>([
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['canceled', 'failed'],
  ...IN_PROGRESS.map((state): [string, ProvisioningPhase] => [state.toLowerCase(), 'in-progress']),
]);

/** The phase of a provisioning state as ARM reports it (any casing); anything unrecognised, or none, is 'unknown'. */
export function provisioningPhase(state: string | undefined): ProvisioningPhase {
  return PHASES.get(state?.toLowerCase() ?? '') ?? 'unknown';
}

/** No operation runs on it: it succeeded, or ended failed or canceled (terminal: the next write reconciles it). */
export function isSettled(state: string | undefined): boolean {
  const phase = provisioningPhase(state);
  return phase === 'succeeded' || phase === 'failed';
}

/**
 * An operation may be running: the state is in progress, or one we do not know. A resource that reports no state at
 * all is not busy: nothing says an operation runs, so a write is tried and ARM decides (a 409 if it is busy after all).
 * That is how the worker and the applier have always treated a missing state.
 */
export function isBusy(state: string | undefined): boolean {
  return state !== undefined && !isSettled(state);
}

/** The cluster is stopped (`powerState.code` Stopped, any casing): AKS allows only start and delete on it. */
export function isStopped(powerState: string | undefined): boolean {
  return powerState?.toLowerCase() === 'stopped';
}
