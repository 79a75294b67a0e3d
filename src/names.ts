// Names shared by the code, infra/ and local.settings.sample.json. A test checks that the Bicep uses exactly these.

/** Azure Functions, by registered name (= file name in src/functions/). */
export const FUNCTION_NAMES = {
  onResourceEvent: 'onResourceEvent',
  sweep: 'sweep',
  startSweep: 'startSweep',
  evaluateCluster: 'evaluateCluster',
  remediateCluster: 'remediateCluster',
  getClusterCompliance: 'getClusterCompliance',
  getFleetCompliance: 'getFleetCompliance',
} as const;

/** Storage queues. The Functions host adds `<name>-poison` after maxDequeueCount. */
export const QUEUE_NAMES = {
  evaluations: 'cluster-evaluations',
} as const;

/** Table Storage tables (alphanumeric only, as the service requires). */
export const TABLE_NAMES = {
  state: 'ClusterState',
  history: 'ClusterHistory',
  remediations: 'Remediations',
  sweeps: 'Sweeps',
  events: 'ProcessedEvents',
  leases: 'ClusterLeases',
} as const;

/** Blob container that Event Grid dead-letters undeliverable events into (read back by `events replay`). */
export const DEAD_LETTER_CONTAINER = 'eventgrid-deadletter';

/** The ARM operations the event subscription forwards and onResourceEvent accepts. */
export const ACCEPTED_OPERATIONS = [
  'Microsoft.ContainerService/managedClusters/write',
  'Microsoft.ContainerService/managedClusters/delete',
  'Microsoft.KubernetesConfiguration/extensions/write',
  'Microsoft.KubernetesConfiguration/extensions/delete',
] as const;

export const ACCEPTED_EVENT_TYPES = ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'] as const;

/**
 * Action events (POST .../action) the event subscription forwards besides the writes and deletes above.
 * Kept apart from ACCEPTED_EVENT_TYPES: src/azure/resourceEvents.ts does not accept them yet, so until the
 * intake is wired (issue 14) onResourceEvent records each as EventIgnored.
 */
export const ACCEPTED_ACTION_EVENT_TYPES = ['Microsoft.Resources.ResourceActionSuccess'] as const;

/** data.operationName of the action events forwarded: a cluster start, after which a stopped cluster can be remediated again (issue 14). */
export const ACCEPTED_ACTION_OPERATIONS = ['Microsoft.ContainerService/managedClusters/start/action'] as const;
