// Names shared by the code, infra/ and local.settings.sample.json. A test checks that the Bicep uses exactly these.

/** Azure Functions, by registered name (= file name in src/functions/). */
export const FUNCTION_NAMES = {
  onResourceEvent: 'onResourceEvent',
  sweep: 'sweep',
  startSweep: 'startSweep',
  evaluateCluster: 'evaluateCluster',
  evaluateChangedCluster: 'evaluateChangedCluster',
  remediateCluster: 'remediateCluster',
  getClusterCompliance: 'getClusterCompliance',
  getFleetCompliance: 'getFleetCompliance',
  getReport: 'getReport',
  getRollout: 'getRollout',
  approveRollout: 'approveRollout',
  haltRollout: 'haltRollout',
  resumeRollout: 'resumeRollout',
} as const;

/**
 * Storage queues, one per lane. The Functions host adds `<name>-poison` after maxDequeueCount. Each queue has its own
 * queue-triggered function, and on Flex Consumption each such function scales in its own group, so a sweep's backlog
 * on `evaluations` never delays what waits on `events`.
 */
export const QUEUE_NAMES = {
  /** The sweep's fan-out (one message per cluster) and its continuations: `evaluateCluster`. */
  evaluations: 'cluster-evaluations',
  /** Evaluations someone is waiting for: a changed cluster (its event, the follow-up after a burst), their continuations and the remediate route's: `evaluateChangedCluster`. */
  events: 'cluster-events',
} as const;

/** Table Storage tables (alphanumeric only, as the service requires). */
export const TABLE_NAMES = {
  state: 'ClusterState',
  history: 'ClusterHistory',
  remediations: 'Remediations',
  sweeps: 'Sweeps',
  /** Per cluster: the lease or pending mark, events already handled, and events that joined an evaluation. */
  leases: 'ClusterLeases',
  rollouts: 'Rollouts',
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
 * Action events (POST .../action) the event subscription forwards besides the writes and deletes above. Kept apart
 * from ACCEPTED_EVENT_TYPES: of these, src/azure/resourceEvents.ts accepts only the operations in
 * ACCEPTED_ACTION_OPERATIONS and records any other action as EventIgnored, with the reason.
 */
export const ACCEPTED_ACTION_EVENT_TYPES = ['Microsoft.Resources.ResourceActionSuccess'] as const;

/** data.operationName of the action events forwarded: a cluster start, after which a stopped cluster can be remediated again (issue 14). */
export const ACCEPTED_ACTION_OPERATIONS = ['Microsoft.ContainerService/managedClusters/start/action'] as const;

/**
 * Application Insights custom events (customEvents.name) the code emits today, through Telemetry.event() in
 * src/azure/telemetry.ts. The workbook (infra/workbooks/compliance.workbook.json) queries only names listed here
 * or in PLANNED_TELEMETRY_EVENTS; test/unit/infra/workbook.test.ts checks that, and that each name here is
 * emitted somewhere in src/ (and nothing else is).
 */
export const TELEMETRY_EVENTS = {
  eventAccepted: 'EventAccepted',
  eventIgnored: 'EventIgnored',
  clusterEvaluated: 'ClusterEvaluated',
  remediationStarted: 'RemediationStarted',
  remediationSucceeded: 'RemediationSucceeded',
  remediationFailed: 'RemediationFailed',
  sweepCompleted: 'SweepCompleted',
  /**
   * Compliance events (docs/notifications.md) could not be published: one per failed request to the topic, or per
   * group of events dropped without one. Properties: topic, code, statusCode, events, heldBack, dropped.
   */
  eventsPublishFailed: 'EventsPublishFailed',
} as const;

/**
 * Application Insights custom metrics (customMetrics.name) the code emits today, through Telemetry.metric(). They
 * are OpenTelemetry histograms, so each row is pre-aggregated (value = sum, valueCount, valueMin, valueMax):
 * percentiles over these rows mean nothing, which is why latency percentiles are taken from event timestamps.
 */
export const TELEMETRY_METRICS = {
  eventToRecordLatencyMs: 'EventToRecordLatencyMs',
  nonCompliantClusters: 'NonCompliantClusters',
} as const;

/**
 * Custom events the workbook already charts but that no code emits yet (issue 18): their panels stay empty
 * until the runtime emits them with the properties below. The workbook test fails as soon as one is emitted,
 * so that it moves to TELEMETRY_EVENTS.
 */
export const PLANNED_TELEMETRY_EVENTS = {
  /** ARM answered 429. Properties: subscriptionId, operation ('read' | 'write'), retryAfterMs. */
  armThrottled: 'ArmThrottled',
  /** A queue message failed its last allowed dequeue and goes to `<queue>-poison`. Properties: queue, clusterId, dequeueCount, errorCode. */
  messagePoisoned: 'MessagePoisoned',
} as const;
