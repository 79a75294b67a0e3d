// What the Functions handlers run on: the ports, the baseline, the settings and a clock. src/container.ts builds one
// set per process from the app settings; tests, the demo and the benchmarks build theirs the same way (dev/) or
// from fakes (test/support/fakes), and hand it in with useServices.
import type { SelfIdentity } from '../azure/resourceEvents.js';
import type { AppConfig, WorkerTuning } from '../config.js';
import type { Baseline } from '../core/index.js';
import type { ClusterReader, ComplianceStore, EventsPublisher, FactReader, ReportSource, StepWriter, Telemetry, WorkQueue } from '../ports.js';
import type { EvaluationDeps } from './evaluation.js';
import type { LanePriority } from './lane-priority.js';
import type { PublishEvents, RolloutDeps } from './rollouts.js';

export interface AppServices {
  config: AppConfig;
  tuning: WorkerTuning;
  baseline: Baseline;
  /** ARM reads; the clients behind it are made on first use (the event intake never needs them). */
  reader: ClusterReader;
  /** The facts around a cluster (provider registrations, tenant, storage accounts); absent in fakes: none are read. */
  facts?: FactReader;
  /** ARM writes of plan steps. */
  writer: StepWriter;
  /** Every storage port, in one adapter: state, remediation log, attempts, coordination, sweeps. */
  store: ComplianceStore;
  /** Whole-store streamed reads, for the report route only (never the pipeline). */
  reports: ReportSource;
  /** The sweep lane: the sweep's fan-out and its continuations (QUEUE_NAMES.evaluations). */
  queue: WorkQueue;
  /** The events lane: evaluations someone is waiting for, never behind a sweep (QUEUE_NAMES.events). */
  eventQueue: WorkQueue;
  telemetry: Telemetry;
  /** The compliance events out (EVENTS_TOPIC_ENDPOINT); a disabled publisher when no topic is set. */
  events: EventsPublisher;
  /** The app's own identity: writes it makes come back as events that only confirm. */
  self: SelfIdentity;
  clock(): Date;
  /** Events first on an instance that runs both lanes; absent (the CLI, fakes): no priority. */
  lanes?: LanePriority;
  /** Where rollout events go instead of `events` (the demo and tests print or collect them). Must not throw. */
  publishEvents?: PublishEvents;
}

/** Which queue a message came from; what it enqueues next (a continuation, a retry) goes back to the same one. */
export type Lane = 'evaluations' | 'events';

export function queueOf(services: Pick<AppServices, 'queue' | 'eventQueue'>, lane: Lane): WorkQueue {
  return lane === 'events' ? services.eventQueue : services.queue;
}

/** The pipeline's ports, taken from the services: the store is the record keeper. */
export function evaluationDeps(services: AppServices): EvaluationDeps {
  const { reader, facts, writer, telemetry, baseline, store, events } = services;
  return { reader, ...(facts ? { facts } : {}), writer, telemetry, baseline, records: { state: store, remediations: store, attempts: store }, events, rollouts: rolloutDeps(services) };
}

/** What rollouts run on, from the services. */
export function rolloutDeps(services: AppServices, log?: RolloutDeps['log']): RolloutDeps {
  const { store, reader, queue, baseline } = services;
  return { store, reader, queue, baseline, publish: services.publishEvents ?? (async (events) => void (await services.events.publish(events))), ...(log ? { log } : {}) };
}
