// The demo's story, phase by phase, through the same handlers the Functions host runs: a timer sweep fans the
// fleet out over the queue, workers evaluate and fix, the service's own write events come back as confirmations;
// then someone else drifts a few clusters, the Event Grid path notices within seconds, and a person approves what
// only a person may. The local app (dev/local-app.ts) plays the host (queue trigger, Event Grid delivery); the demo
// only watches.
import { failureKindOf, isRetryable } from '../src/azure/errors.js';
import { RetryLaterError } from '../src/pipeline/worker.js';
import type { Baseline } from '../src/core/index.js';
import type { CloudEvent } from '@azure/eventgrid';
import type { ClusterState, EventsPublisherStats } from '../src/ports.js';
import { remediatePath } from './approvals.js';
import type { DemoBaseline } from './baseline.js';
import { approveThroughHttp } from './httpApproval.js';
import { aksPutsExtensionRight, driftsPerKind, makeDrift, pickDriftTargets, readReactionTimes, recordDriftEvents, type DriftReaction } from './drift.js';
import { APP_IDENTITY, OTHER_IDENTITY, startDemoApp, type DemoApp, type ProcessedMessage } from './app.js';
import { Monitor, settle, SettleTimeoutError } from './monitor.js';
import type { DemoOptions } from './options.js';
import { collectOutcomes, evaluateFromArm, type FleetOutcome } from './outcomes.js';
import type { Progress } from './progress.js';
import { findingLines, runPrerequisites, type PrerequisitesResult } from './prerequisites.js';
import type { PhaseRecord } from './reportData.js';

/** Emulator timings: long enough to watch an operation run, short enough for a demo. */
export const DEMO_EMULATOR = { lroDurationMs: 600, busyDurationMs: 4_000, throttleFactor: 1 } as const;

/**
 * The worker's timings in seconds where Azure's defaults are minutes (src/config.ts DEFAULT_TUNING): a demo shows a
 * write confirmed and a back-off retried, not a 25 s wait. The queue trigger keeps host.json's settings.
 */
export const DEMO_TUNING = { leaseBusyRetrySeconds: 1, continuationDelaySeconds: 1, backoffBaseSeconds: 1, maxBackoffSeconds: 4, openRemediationGraceMs: 1500 } as const;

export interface PipelineContext {
  progress: Progress;
  /** Epoch ms when the demo started. */
  startedAt: number;
  /** Called as soon as the app runs, so an interrupt can stop it. */
  onStarted(app: DemoApp): void;
}

export interface RequestTally {
  reads: number;
  writes: number;
  deletes: number;
  throttled: number;
}

export interface PipelineResult {
  phases: PhaseRecord[];
  outcome: FleetOutcome;
  reactions: DriftReaction[];
  /** Unexpected failures, one sentence each: their count is the demo's `errors`. */
  problems: string[];
  requests: { total: RequestTally; app: RequestTally; others: RequestTally };
  evaluations: number;
  messages: { processed: number; retried: number; poisoned: number };
  events: { emitted: number; outcomes: Record<string, number> };
  sweep: { id: string; enqueued: number };
  /** The compliance events the app published, as the topic's stand-in received them, and the publisher's counts. */
  published: { events: CloudEvent<unknown>[]; stats: EventsPublisherStats };
  /** Clusters beside the fleet with extension prerequisites partly missing, and what the store recorded for them. */
  prerequisites: PrerequisitesResult;
}

function settleTimeoutMs(clusters: number): number {
  return Math.max(60_000, clusters * 400);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Errors the queue is meant to retry: throttling, transient ARM or Storage failures, a busy cluster. */
export function isExpectedRetry(error: Error): boolean {
  if (error instanceof RetryLaterError) return true;
  const kind = failureKindOf(error);
  return kind !== undefined && isRetryable(kind);
}

function describeMessage(message: ProcessedMessage): string {
  const item = message.item as { clusterId?: unknown } | undefined;
  return typeof item?.clusterId === 'string' ? item.clusterId : `message ${message.messageId}`;
}

function copy(counts: RequestTally | undefined): RequestTally {
  return { reads: counts?.reads ?? 0, writes: counts?.writes ?? 0, deletes: counts?.deletes ?? 0, throttled: counts?.throttled ?? 0 };
}

export async function runPipeline(options: DemoOptions, demoBaseline: DemoBaseline, context: PipelineContext): Promise<PipelineResult> {
  const { progress } = context;
  const baseline: Baseline = demoBaseline.baseline;
  const phases: PhaseRecord[] = [];
  const problems: string[] = [];
  let phaseStart = Date.now();
  const endPhase = (name: string): void => {
    phases.push({ name, startedAt: phaseStart, endedAt: Date.now() });
    phaseStart = Date.now();
  };
  const settleOrNote = async (app: DemoApp, phase: string): Promise<void> => {
    try {
      await settle(app, settleTimeoutMs(options.clusters));
    } catch (error) {
      if (!(error instanceof SettleTimeoutError)) throw error;
      problems.push(`${phase}: ${error.message}`);
      progress.log(`${phase}: ${error.message}`);
    }
  };

  // 1. Start: Azurite on free loopback ports, the HTTPS ARM emulator seeded with the fleet, the app's services.
  progress.phase('Start');
  progress.log(`starting Azurite and the ARM emulator with ${options.clusters} clusters in ${options.subscriptions} subscriptions (seed ${options.seed}, fault rate ${options.faultRate})`);
  const app = await startDemoApp({
    fleet: { clusters: options.clusters, subscriptions: options.subscriptions, seed: options.seed },
    emulator: { ...DEMO_EMULATOR, faultRate: options.faultRate, seed: options.seed },
    baseline,
    tuning: DEMO_TUNING,
    eventsReceiver: true,
  });
  context.onStarted(app);
  const drift = app.emulator.fleet?.driftCounts ?? {};
  progress.log(`ARM emulator at ${app.emulator.endpoint}, Azurite at ${new URL(app.azurite.queueEndpoint).host}; baseline ${demoBaseline.file}`);
  progress.log(`generated drift: ${Object.entries(drift).sort(([a], [b]) => (a < b ? -1 : 1)).map(([label, count]) => `${label} ${count}`).join(', ') || 'none'}`);
  endPhase('Start');

  const monitor = new Monitor(app, progress);
  try {
    // 2. Sweep: the timer handler lists the fleet through ARM and enqueues one evaluation per cluster.
    monitor.phase('Sweep', options.clusters);
    const sweep = await app.sweep({ isPastDue: false });
    progress.log(`sweep ${sweep.sweepId}: ${sweep.clustersEnqueued} clusters enqueued from ${sweep.subscriptions.length} subscriptions${sweep.errors.length > 0 ? `, ${sweep.errors.length} errors` : ''}`);
    for (const error of sweep.errors) problems.push(`sweep: ${error.scope}: ${error.message}`);
    await settleOrNote(app, 'Sweep');
    const counts = await app.services.store.countByStatus();
    progress.log(`fleet settled: ${counts.Compliant} Compliant, ${counts.NonCompliant} NonCompliant, ${counts.Exempt} Exempt, ${counts.Unknown} Unknown, ${counts.RemediationFailed} RemediationFailed; ${monitor.counts().stepsApplied} steps applied`);
    endPhase('Sweep');

    // 3. Drift happens: someone else changes compliant clusters; only Event Grid tells the service.
    const states = await listAllStates(app);
    const targets = pickDriftTargets(app, baseline, states, options.seed, driftsPerKind(options.clusters));
    const reactions: DriftReaction[] = targets.map((target) => ({ target }));
    monitor.phase('Drift happens', targets.length);
    const stopRecording = recordDriftEvents(app, reactions, (reaction) =>
      progress.log(`someone else (${OTHER_IDENTITY.objectId.slice(0, 8)}…): ${reaction.target.clusterName}: ${reaction.target.description} (Event Grid event ${reaction.eventId?.slice(0, 8) ?? '?'}…)`),
    );
    // The queue triggers run while the changes are made, as in a deployment: each event is handled as it arrives,
    // not when the round's last change is done.
    app.startQueues();
    await Promise.all(
      reactions.map(async (reaction) => {
        try {
          await makeDrift(app, reaction.target, reaction);
          if (reaction.blocked) {
            progress.log(`${reaction.target.clusterName}: ${reaction.target.description}: the service recorded ${reaction.target.ruleId} and wrote nothing: blocked (${reaction.blocked.reason}): ${reaction.blocked.message}`);
          }
        } catch (error) {
          reaction.error = error instanceof Error ? error.message : String(error);
          problems.push(`drift on ${reaction.target.clusterName} (${reaction.target.description}) could not be made: ${reaction.error}`);
        }
      }),
    );
    stopRecording();
    await watchWhile(app, reactions, progress, () => settleOrNote(app, 'Drift happens'));
    // An extension AKS took over: the service recorded it and wrote nothing; AKS puts it right itself.
    const takenOver = reactions.filter((reaction) => reaction.target.kind === 'aks-managed-extension' && reaction.error === undefined);
    for (const reaction of takenOver) {
      try {
        await aksPutsExtensionRight(app, reaction);
        if (reaction.blocked) progress.log(`${reaction.target.clusterName}: ${reaction.target.description}: the service recorded ${reaction.target.ruleId} and wrote nothing: blocked (${reaction.blocked.reason}); AKS puts it right itself`);
      } catch (error) {
        reaction.error = error instanceof Error ? error.message : String(error);
        problems.push(`${reaction.target.clusterName} (${reaction.target.description}): ${reaction.error}`);
      }
    }
    if (takenOver.length > 0) await watchWhile(app, takenOver, progress, () => settleOrNote(app, 'Drift happens'));
    await app.stopQueues();
    for (const reaction of reactions.filter((candidate) => candidate.error === undefined)) {
      const { target } = reaction;
      if (reaction.eventId === undefined) problems.push(`${target.clusterName}: the change (${target.description}) raised no Event Grid event`);
      else if (reaction.recordedAt === undefined) problems.push(`${target.clusterName}: the service never recorded ${target.ruleId} NonCompliant after ${target.description}`);
      else if (target.mode === 'auto' && reaction.fixedAt === undefined) problems.push(`${target.clusterName}: ${target.ruleId} (auto) was not fixed after ${target.description}`);
      if (target.kind === 'aks-managed-extension') problems.push(...(await appWritesSince(app, reaction)));
    }
    endPhase('Drift happens');

    // 4. Approvals: a person approves the steps that wait for one, through the HTTP route.
    const waiting = reactions.filter((reaction) => reaction.target.mode === 'approval' && reaction.recordedAt !== undefined && reaction.fixedAt === undefined);
    monitor.phase('Approve', waiting.length);
    for (const reaction of waiting) {
      const { target } = reaction;
      const evaluation = evaluateFromArm(app, target.clusterId, baseline, new Date());
      const stepIds = evaluation?.plan.filter((step) => step.ruleId === target.ruleId && step.mode === 'approval').map((step) => step.id) ?? [];
      if (stepIds.length === 0) {
        problems.push(`${target.clusterName}: no approval step is planned for ${target.ruleId}`);
        continue;
      }
      reaction.approvedAt = Date.now();
      const response = await approveThroughHttp(app, target.clusterId, stepIds);
      const started = stepSummary(response.body);
      progress.log(`a person approves ${stepIds.join(', ')} on ${target.clusterName}: POST ${remediatePath(target.clusterId)} {"approve":${JSON.stringify(stepIds)}} -> ${response.status}${started ? ` (${started})` : ''}`);
      if (response.status !== 200) problems.push(`${target.clusterName}: approving ${stepIds.join(', ')} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    if (waiting.length > 0) {
      await watchWhile(app, waiting, progress, () => settleOrNote(app, 'Approve'));
      for (const reaction of waiting) {
        if (reaction.fixedAt === undefined) problems.push(`${reaction.target.clusterName}: ${reaction.target.ruleId} was approved but not fixed`);
      }
    } else {
      progress.log('no drift waits for a person');
    }
    endPhase('Approve');

    // 5. Verify: what the service recorded against what ARM holds, for every cluster.
    monitor.phase('Verify', options.clusters);
    const outcome = await collectOutcomes(app, baseline, new Date());
    problems.push(...outcome.problems);
    problems.push(...handlerProblems(app));
    progress.log(`verified ${outcome.clusters.length} clusters against ARM: ${outcome.problems.length === 0 ? 'the store and ARM agree, and nothing the baseline fixes automatically is left' : `${outcome.problems.length} problems`}`);
    endPhase('Verify');

    // Beside the fleet: clusters missing part of what Dapr, Azure ML and Azure Backup need; recorded, never written.
    const prerequisites = await runPrerequisites(app, (line) => progress.log(`prerequisites: ${line}`));
    for (const line of findingLines(prerequisites.findings)) progress.log(`prerequisites: ${line}`);
    problems.push(...prerequisites.problems);
    // Whatever the publisher still holds goes out now, so the demo shows everything the run published.
    await app.services.events.flush();
    const published = { events: app.eventsReceiver?.received() ?? [], stats: app.services.events.stats() };

    const requests = app.emulator.state.requests;
    const appRequests = app.emulator.state.requestsByCaller.get(APP_IDENTITY.objectId);
    const others = app.emulator.state.requestsByCaller.get(OTHER_IDENTITY.objectId);
    const intake: Record<string, number> = {};
    for (const result of app.intakeResults) intake[result.outcome] = (intake[result.outcome] ?? 0) + 1;
    return {
      phases,
      outcome,
      reactions,
      problems,
      requests: { total: copy(requests), app: copy(appRequests), others: copy(others) },
      evaluations: app.telemetry.events.filter((event) => event.name === 'ClusterEvaluated').length,
      messages: { processed: app.processed.length, retried: app.processed.filter((message) => message.error !== undefined).length, poisoned: app.poisoned.length },
      events: { emitted: app.emulator.state.events.emitted, outcomes: intake },
      sweep: { id: sweep.sweepId, enqueued: sweep.clustersEnqueued },
      published,
      prerequisites,
    };
  } finally {
    monitor.stop();
  }
}

/** An extension AKS manages is never written by the service: any remediation of its rule since the change is a problem. */
async function appWritesSince(app: DemoApp, reaction: DriftReaction): Promise<string[]> {
  const { target, changedAt } = reaction;
  const rows = await app.services.store.listRemediations(target.clusterId, { limit: 100 });
  return rows
    .filter((row) => row.ruleId.toLowerCase() === target.ruleId.toLowerCase() && changedAt !== undefined && Date.parse(row.startedAt) >= changedAt)
    .map((row) => `${target.clusterName}: the service wrote ${row.stepId} (${row.request.method}) to an extension AKS manages`);
}

async function listAllStates(app: DemoApp): Promise<ClusterState[]> {
  const states: ClusterState[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await app.services.store.listStates({ pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) });
    states.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return states;
}

/** Runs `work` (a settle) while logging each drift as the store shows it recorded and fixed. */
async function watchWhile(app: DemoApp, reactions: readonly DriftReaction[], progress: Progress, work: () => Promise<void>): Promise<void> {
  let done = false;
  const report = async (): Promise<void> => {
    for (const reaction of reactions) {
      if (reaction.changedAt === undefined || reaction.error !== undefined) continue;
      const seen = await readReactionTimes(app, reaction);
      const { target, changedAt } = reaction;
      if (seen.recorded && reaction.recordedAt !== undefined) {
        const next =
          target.kind === 'aks-managed-extension'
            ? 'AKS manages it: recorded, never written'
            : target.mode === 'approval'
              ? 'approval mode: waiting for a person'
              : target.mode === 'audit'
                ? 'audit mode: recorded only'
                : 'fixing it automatically';
        progress.log(`${target.clusterName}: ${target.ruleId} recorded NonCompliant ${seconds(reaction.recordedAt - changedAt)} after the change (${next})`);
      }
      if (seen.fixed && reaction.fixedAt !== undefined) {
        progress.log(`${target.clusterName}: ${target.ruleId} Compliant again ${seconds(reaction.fixedAt - changedAt)} after the change`);
      }
    }
  };
  const watcher = (async () => {
    while (!done) {
      // A failed look only delays a line; the final look below is the one that counts.
      await report().catch(() => undefined);
      await sleep(300);
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await watcher;
  }
  await report();
}

function stepSummary(body: unknown): string {
  const steps = (body as { steps?: { stepId?: string; outcome?: string }[] } | undefined)?.steps;
  if (!Array.isArray(steps) || steps.length === 0) return '';
  return steps.map((step) => `${step.stepId ?? '?'} ${step.outcome ?? '?'}`).join(', ');
}

/** Handler failures the host would not simply retry, poison messages, and events that could not be delivered. */
function handlerProblems(app: DemoApp): string[] {
  const problems: string[] = [];
  for (const message of app.processed) {
    if (message.error && !message.poisoned && !isExpectedRetry(message.error)) {
      problems.push(`evaluateCluster failed on ${describeMessage(message)} (delivery ${message.dequeueCount}): ${message.error.name}: ${message.error.message}`);
    }
  }
  for (const message of app.poisoned) problems.push(`poison message: ${describeMessage(message)} failed ${message.dequeueCount} deliveries (last: ${message.error?.message ?? 'unknown'})`);
  for (const line of app.logs) {
    if (line.level === 'error' && line.message.startsWith('delivery failed')) problems.push(`onResourceEvent: ${line.message}`);
  }
  return problems;
}

