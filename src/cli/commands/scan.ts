// `aks-baseline-guard scan`: evaluate every cluster the credential can see (or those of the subscriptions
// given) against a baseline, fix what may be fixed with --apply, optionally record everything in Table Storage.
// The work is in src/pipeline/scan.ts (the fleet walker and the evaluation pipeline the app uses, with the scan's
// policy); this file turns flags into options and the report into output. `scan` runs from a terminal with the
// person's credential and waits for its operations; the app's `sweep` fans the same walk out to its queue.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { Option, type Command } from 'commander';
import { ArmClusterReader, ArmFactReader, ArmStepWriter, createArmClients, type ArmClients } from '../../azure/arm/index.js';
import { createStorageClients, createTableComplianceStore, ensureQueues, ensureTables } from '../../azure/storage/index.js';
import { EvaluationQueue } from '../../azure/storage/queue.js';
import { noTelemetry } from '../../azure/telemetry.js';
import {
  APP_SETTINGS,
  commandLineArmSettings,
  commandLineStorageSettings,
  ConfigError,
  DEFAULT_ARM_ENDPOINT,
  DEFAULT_COALESCE_WINDOW_SECONDS,
  DEFAULT_TUNING,
  DEV_ONLY_SETTINGS,
  type AppConfig,
} from '../../config.js';
import { DEFAULT_BASELINE_PATH, loadBaselineFile } from '../../baseline-file.js';
import { InvalidInputError, isPassingStatus, isSubscriptionId, nameProblem, planStepView, type Baseline } from '../../core/index.js';
import type { EvaluationRecords, StepReport } from '../../pipeline/evaluation.js';
import { scanPolicy } from '../../pipeline/policies.js';
import { scanFleet, type ScanLeases, type ScanReport, type ScanSummary } from '../../pipeline/scan.js';
import { CliInputError, EXIT_CODES, PROGRAM_NAME } from '../exit.js';
import { failureReport } from '../failure.js';
import { sourceName } from '../input.js';

/** Ctrl-C: the conventional 128 + SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** How often a scan looks again at a cluster lease someone else holds. */
const LEASE_POLL_MS = 500;

/** Rows of the "needs attention" table before it points at --format json. */
const ATTENTION_ROWS = 40;

interface ScanFlags {
  subscription: string[];
  resourceGroup?: string;
  baseline?: string;
  apply: boolean;
  wait: boolean;
  approve: string[];
  record: boolean;
  concurrency: string;
  format: 'table' | 'json';
  armEndpoint?: string;
  ca?: string;
  busyRetries: string;
  busyDelay: string;
  pollInterval?: string;
  progress: boolean;
}

type Env = Record<string, string | undefined>;

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((item) => item.trim()).filter((item) => item.length > 0)];
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new CliInputError(flag, [`must be a whole number from ${min} to ${max}, got "${raw}"`]);
  return value;
}

function seconds(flag: string, raw: string, max: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) throw new CliInputError(flag, [`must be a number of seconds from 0 to ${max}, got "${raw}"`]);
  return value;
}

/** The ARM settings: flags first, then ARM_ENDPOINT / ARM_CA_FILE / ARM_TOKEN, then public Azure (read in src/config.ts). */
export function armSettings(flags: Pick<ScanFlags, 'armEndpoint' | 'ca'>, env: Env): ReturnType<typeof commandLineArmSettings> {
  try {
    return commandLineArmSettings(env, flags);
  } catch (error) {
    if (error instanceof ConfigError && error.problem !== undefined) throw new CliInputError(error.setting, [error.problem]);
    throw error;
  }
}

/** Where --record writes: the app's own storage settings (AzureWebJobsStorage, or its identity-based form). */
export function storageSettings(env: Env): AppConfig['storage'] {
  const storage = commandLineStorageSettings(env);
  if (storage) return storage;
  throw new CliInputError('--record', [
    `needs Table Storage: set ${APP_SETTINGS.storageConnectionString} (a connection string) or ${APP_SETTINGS.storageAccountName} (an account name, used with az login / managed identity)`,
  ]);
}

async function loadBaseline(file: string | undefined): Promise<Baseline> {
  const path = file ?? DEFAULT_BASELINE_PATH;
  try {
    return await loadBaselineFile(path);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new CliInputError(sourceName(path), error.problems);
    throw error;
  }
}

function progressBar(enabled: boolean): { update(done: number, total: number, round: number): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'Scanning |{bar}| {value}/{total} clusters | round {round}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { round: 1 });
  return {
    update: (done, total, round) => {
      bar.setTotal(total);
      bar.update(done, { round });
    },
    stop: () => bar.stop(),
  };
}

function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((row) => row.map(String)));
  return t.toString();
}

function seconds1(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Why a cluster needs attention, one row per rule that is not Compliant/NotApplicable/Exempt. */
function attentionRows(report: ScanReport): string[][] {
  const rows: string[][] = [];
  for (const cluster of report.clusters) {
    if (isPassingStatus(cluster.status)) continue;
    if (cluster.error) rows.push([cluster.name, cluster.status, '-', cluster.error.message]);
    const stepByRule = new Map(cluster.steps.map((report) => [report.step.ruleId, report]));
    for (const result of cluster.results) {
      if (isPassingStatus(result.status)) continue;
      const step = stepByRule.get(result.ruleId);
      rows.push([cluster.name, result.status, result.ruleId, step ? stepWhy(step, result.message) : result.message]);
    }
  }
  return rows;
}

/** A step's outcome in plain words: why it is blocked (and what to do), and what it disrupts when a person decides. */
function stepWhy(report: StepReport, message: string): string {
  const { step } = report;
  const why = report.blockedBy ? `blocked (${report.blockedBy.reason}): ${report.blockedBy.message}` : `${report.outcome}: ${report.reason ?? message}`;
  const decide = report.outcome === 'awaiting-approval' || report.blockedBy?.reason === 'ImmutableSetting';
  return step.disrupts && decide ? `${why} Disrupts: ${step.disrupts}` : why;
}

export function renderSummary(report: ScanReport): string {
  const { summary } = report;
  const lines: string[] = [
    `Scan ${summary.scanId}: ${summary.clusters} clusters in ${summary.subscriptions} subscription(s), ${summary.apply ? 'fixes applied' : 'dry run (no --apply)'}${summary.interrupted ? ', INTERRUPTED' : ''}`,
    `Time: ${seconds1(summary.elapsedMs)}${summary.outOfScope > 0 ? `; ${summary.outOfScope} cluster(s) outside the baseline's scope were skipped` : ''}`,
    '',
    'Clusters by status',
    table(['Status', 'Clusters'], Object.entries(summary.byStatus).map(([status, count]) => [status, count ?? 0])),
    '',
    'Findings by rule',
    table(
      ['Rule', 'Found', 'Fixed', 'Compliant', 'NonCompliant', 'NotApplicable', 'Exempt', 'Unknown'],
      Object.entries(summary.findingsByRule).map(([rule, f]) => [
        rule,
        f.found,
        f.fixed,
        f.final.Compliant ?? 0,
        f.final.NonCompliant ?? 0,
        f.final.NotApplicable ?? 0,
        f.final.Exempt ?? 0,
        f.final.Unknown ?? 0,
      ]),
    ),
    '',
    'Remediation steps',
    table(
      ['Applied', 'Started', 'Failed', 'Awaiting approval', 'Try later', 'Blocked', 'Audit only', 'Dry run'],
      [[summary.steps.applied, summary.steps.started, summary.steps.failed, summary.steps['awaiting-approval'], summary.steps['try-later'], summary.steps.blocked, summary.steps['audit-only'], summary.steps['skipped-dry-run']]],
    ),
    '',
    'ARM requests',
    table(
      ['Reads', 'Writes', 'Deletes', 'LRO polls', '429s', '5xx', 'Connection errors', 'Paced'],
      [
        [
          summary.armRequests.requests.read,
          summary.armRequests.requests.write,
          summary.armRequests.requests.delete,
          summary.armRequests.requests['lro-poll'],
          summary.armRequests.throttled,
          summary.armRequests.serverErrors,
          summary.armRequests.connectionErrors,
          `${summary.armRequests.pacedRequests} (${seconds1(summary.armRequests.pacedMs)})`,
        ],
      ],
    ),
  ];
  const attention = attentionRows(report);
  if (attention.length > 0) {
    lines.push('', 'Needs attention');
    lines.push(table(['Cluster', 'Status', 'Rule', 'Why'], attention.slice(0, ATTENTION_ROWS)));
    if (attention.length > ATTENTION_ROWS) lines.push(`... and ${attention.length - ATTENTION_ROWS} more (use --format json for all)`);
  }
  if (summary.stillRunning.length > 0) {
    lines.push('', `Still running (${summary.stillRunning.length}): started and not waited for; these clusters may change yet`);
    lines.push(table(['Cluster', 'Step', 'ARM correlation'], summary.stillRunning.slice(0, ATTENTION_ROWS).map((r) => [r.clusterId, r.stepId, r.correlationId ?? '-'])));
  }
  if (summary.errors.length > 0) {
    lines.push('', `Errors (${summary.errors.length})`);
    lines.push(table(['Where', 'Kind', 'What'], summary.errors.slice(0, ATTENTION_ROWS).map((e) => [e.scope, e.kind, e.message])));
  }
  return `${lines.join('\n')}\n`;
}

function stepJson(report: StepReport): Record<string, unknown> {
  const { step } = report;
  return {
    ...planStepView(step),
    outcome: report.outcome,
    ...(report.reason ? { reason: report.reason } : {}),
    ...(report.error ? { error: report.error } : {}),
    ...(report.operation ? { operation: report.operation } : {}),
  };
}

export function reportJson(report: ScanReport): { summary: ScanSummary; clusters: Record<string, unknown>[] } {
  return {
    summary: report.summary,
    clusters: report.clusters.map((cluster) => ({
      id: cluster.clusterId,
      subscriptionId: cluster.subscriptionId,
      resourceGroup: cluster.resourceGroup,
      name: cluster.name,
      ...(cluster.location ? { location: cluster.location } : {}),
      status: cluster.status,
      ...(cluster.initialStatus ? { initialStatus: cluster.initialStatus } : {}),
      rounds: cluster.rounds,
      ...(cluster.error ? { error: cluster.error } : {}),
      results: cluster.results.map((r) => ({ ruleId: r.ruleId, status: r.status, reason: r.reason, message: r.message })),
      plan: cluster.steps.map(stepJson),
    })),
  };
}

export function exitCodeFor(report: ScanReport): number {
  if (report.summary.interrupted) return EXIT_INTERRUPTED;
  // A listing that failed (no access, no credential) means compliance is not established either.
  if (report.summary.errors.length > 0) return EXIT_CODES.notCompliant;
  // Exit code 0 needs every cluster to end Compliant, NotApplicable or Exempt.
  return report.clusters.every((cluster) => isPassingStatus(cluster.status)) ? EXIT_CODES.ok : EXIT_CODES.notCompliant;
}

async function run(flags: ScanFlags, env: Env = process.env): Promise<void> {
  // Everything from the command line is checked before any request is made.
  const concurrency = wholeNumber('--concurrency', flags.concurrency, 1, 64);
  const busyRetries = wholeNumber('--busy-retries', flags.busyRetries, 0, 10);
  const busyDelayMs = seconds('--busy-delay', flags.busyDelay, 3600) * 1000;
  const pollIntervalInMs = flags.pollInterval === undefined ? undefined : seconds('--poll-interval', flags.pollInterval, 600) * 1000;
  for (const id of flags.subscription) if (!isSubscriptionId(id)) throw new CliInputError('--subscription', [`"${id}" is not a subscription id (a GUID)`]);
  const groupProblem = flags.resourceGroup === undefined ? undefined : nameProblem('resourceGroup', flags.resourceGroup);
  if (groupProblem) throw new CliInputError('--resource-group', [groupProblem]);
  if (!flags.apply && !flags.wait) throw new CliInputError('--no-wait', ['only means something with --apply']);
  const { arm, managedIdentityClientId } = armSettings(flags, env);
  const storage = flags.record ? storageSettings(env) : undefined;
  const baseline = await loadBaseline(flags.baseline);

  let clients: ArmClients;
  try {
    clients = createArmClients(arm, {
      ...(managedIdentityClientId ? { managedIdentityClientId } : {}),
      ...(pollIntervalInMs !== undefined ? { pollIntervalInMs } : {}),
    });
  } catch (error) {
    throw new CliInputError(flags.ca !== undefined ? '--ca' : undefined, [(error as Error).message]);
  }

  const scanId = `scan-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  // With --record: the app's store, through the same intent protocol as the app's worker.
  let records: EvaluationRecords | undefined;
  // With --apply too: the worker's per-cluster lease, so that this scan, another one and the app never write one step
  // twice. A follow-up for events that joined while the scan held a lease goes on the app's events lane.
  let leases: ScanLeases | undefined;
  if (storage) {
    const storageClients = createStorageClients(storage);
    await ensureTables(storageClients);
    const store = createTableComplianceStore(storageClients);
    records = { state: store, remediations: store, attempts: store };
    if (flags.apply) {
      await ensureQueues(storageClients);
      leases = {
        store,
        eventQueue: new EvaluationQueue(storageClients.eventQueue),
        tuning: DEFAULT_TUNING,
        config: { coalesceWindowSeconds: DEFAULT_COALESCE_WINDOW_SECONDS },
        clock: () => new Date(),
        owner: scanId,
        ttlMs: DEFAULT_TUNING.leaseTtlMs,
        waitMs: DEFAULT_TUNING.leaseTtlMs,
        pollMs: LEASE_POLL_MS,
      };
    }
  }

  // First Ctrl-C: start nothing new and cancel ARM calls, but let store writes in flight finish. Second: leave now.
  const stop = new AbortController();
  const armAbort = new AbortController();
  const onInterrupt = (): void => {
    if (stop.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write('\nInterrupted: finishing the records in flight (Ctrl-C again to quit at once)...\n');
    stop.abort();
    armAbort.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);

  const bar = progressBar(flags.progress && process.stderr.isTTY === true);
  let report: ScanReport;
  try {
    report = await scanFleet(
      {
        deps: {
          reader: new ArmClusterReader(() => clients),
          // One reader for the whole scan: each subscription's facts are read once.
          facts: new ArmFactReader(() => clients, { maxAgeMs: Number.POSITIVE_INFINITY }),
          writer: new ArmStepWriter(() => clients, env),
          telemetry: noTelemetry,
          baseline,
          ...(records ? { records } : {}),
        },
        policy: scanPolicy({ apply: flags.apply, wait: flags.wait, record: records !== undefined, approvals: flags.approve }),
        ...(leases ? { leases } : {}),
        cause: { kind: 'cli', id: scanId, caller: safeUserName() },
        armRequests: () => clients.stats,
        subscriptions: flags.subscription,
        ...(flags.resourceGroup ? { resourceGroup: flags.resourceGroup } : {}),
        concurrency,
        busyRetries: flags.apply && flags.wait ? busyRetries : 0,
        busyRetryDelayMs: busyDelayMs,
        now: () => new Date(),
        stopSignal: stop.signal,
        armAbortSignal: armAbort.signal,
        onProgress: (progress) => bar.update(progress.finished, progress.discovered, progress.round),
      },
      scanId,
    );
  } finally {
    bar.stop();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }

  const failure = scanFailure(report);
  if (failure) {
    // Nothing could be read at all: one line that says why beats a page of empty tables.
    if (flags.format === 'json') process.stdout.write(`${JSON.stringify(reportJson(report), null, 2)}\n`);
    process.stderr.write(failureReport(PROGRAM_NAME, 'scan', new Error(failure.message), { stack: false, remedy: failure.remedy }));
    process.exitCode = EXIT_CODES.notCompliant;
    return;
  }
  process.stdout.write(flags.format === 'json' ? `${JSON.stringify(reportJson(report), null, 2)}\n` : renderSummary(report));
  process.exitCode = exitCodeFor(report);
}

/** When no cluster could be listed and something failed, the scan as a whole failed: why, and what to do. */
export function scanFailure(report: ScanReport): { message: string; remedy: string } | undefined {
  const first = report.summary.errors[0];
  if (report.clusters.length > 0 || !first || report.summary.interrupted) return undefined;
  const others = report.summary.errors.length - 1;
  const message = `${first.message}${others > 0 ? ` (and ${others} more error${others === 1 ? '' : 's'})` : ''}`;
  return { message, remedy: remedyForArmCode(first.code, first.kind) };
}

function remedyForArmCode(code: string, kind: string): string {
  if (/Authentication|CredentialUnavailable/i.test(code)) {
    return `sign in with \`az login\` (or set ${DEV_ONLY_SETTINGS.armToken} for the emulator, or give this process a managed identity)`;
  }
  if (code === 'AuthorizationFailed') return 'grant the signed-in identity Reader (or the app\'s role) on the subscription, or leave it out with --subscription';
  if (code === 'SubscriptionNotFound' || code === 'InvalidSubscriptionId') return 'check the --subscription ids (`az account list -o table` shows the ones you can see)';
  if (kind === 'transient' || kind === 'throttled') return `ARM could not be reached or was busy: check ${APP_SETTINGS.armEndpoint} / --arm-endpoint and the network, then run the scan again`;
  return 'see the error code in the ARM documentation, fix the cause, and run the scan again';
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

export function register(program: Command): void {
  program
    .command('scan')
    .description('Evaluate the clusters of one or more subscriptions against a baseline and, with --apply, fix what the baseline allows.')
    .option('--subscription <id>', 'subscription to scan (repeat, or comma-separate); default: every subscription the credential can see', collect, [])
    .option('--resource-group <name>', 'only clusters in this resource group')
    .option('--baseline <file>', 'baseline document, JSON or YAML; default: baselines/default.json')
    .option('--apply', 'run the auto steps and the approved ones (default: a dry run that writes nothing)', false)
    .option('--no-wait', 'with --apply: start the operations and do not wait for them to finish')
    .option('--approve <step|rule>', 'approve a step id (<rule>:<action>) or a whole rule (repeat, or comma-separate)', collect, [])
    .option('--record', `record states, transitions and remediations in Table Storage (${APP_SETTINGS.storageConnectionString} or ${APP_SETTINGS.storageAccountName})`, false)
    .option('--concurrency <n>', 'clusters worked on at the same time (1-64)', '8')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--arm-endpoint <url>', `ARM endpoint (default: ${APP_SETTINGS.armEndpoint}, else ${DEFAULT_ARM_ENDPOINT})`)
    .option('--ca <file>', `PEM file of an extra CA to trust for the ARM endpoint (default: ${DEV_ONLY_SETTINGS.armCaFile})`)
    .option('--busy-retries <n>', 'with --apply: further rounds for clusters that were busy (0-10)', '2')
    .option('--busy-delay <seconds>', 'pause before each further round', '30')
    .option('--poll-interval <seconds>', 'how often to poll a long-running operation when ARM does not say (default: the SDK\'s 2 s)')
    .option('--no-progress', 'no progress bar (it is only ever shown when stderr is a terminal)')
    .addHelpText(
      'after',
      [
        '',
        `Credentials: ${DEV_ONLY_SETTINGS.armToken} when set (a fixed bearer token, e.g. for the emulator), else DefaultAzureCredential (az login, managed identity).`,
        'Exit codes: 0 every cluster ends Compliant, NotApplicable or Exempt; 1 something is still NonCompliant, Unknown or unreadable;',
        `2 bad input or usage; ${EXIT_INTERRUPTED} interrupted (Ctrl-C).`,
      ].join('\n'),
    )
    .action(async (flags: ScanFlags) => run(flags));
}
