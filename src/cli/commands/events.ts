// `aks-baseline-guard events inspect|replay`: what onResourceEvent would make of a file of events (one event, an
// array, or an Event Grid dead-letter blob), and replaying the accepted ones through the same intake. Replay
// is how dead-lettered events are recovered: events are only hints, so replaying an old one is always safe.
import Table from 'cli-table3';
import { Option, type Command } from 'commander';
import { decideResourceEvent, splitEvents, type ResourceEventDecision, type SelfIdentity } from '../../azure/resourceEvents.js';
import { APP_SETTINGS, ConfigError, loadConfig, selfIdentitySettings } from '../../config.js';
import { toError } from '../../core/errors.js';
import { createServices } from '../../container.js';
import { takeResourceEvent, type IntakeOutcome } from '../../pipeline/intake.js';
import type { Log } from '../../ports.js';
import { CliInputError, EXIT_CODES } from '../exit.js';
import { readJson } from '../input.js';

type Format = 'table' | 'json';

export interface InspectedEvent {
  id: string | null;
  type: string | null;
  accepted: boolean;
  clusterId: string | null;
  reason: string;
}

export interface ReplayedEvent extends InspectedEvent {
  outcome: IntakeOutcome | 'failed';
}

const NO_COLOUR = { head: [] as string[], border: [] as string[] };

function inspected(decision: ResourceEventDecision): InspectedEvent {
  return { id: decision.id ?? null, type: decision.type ?? null, accepted: decision.accepted, clusterId: decision.clusterId ?? null, reason: decision.reason };
}

/** Event types are long and share a prefix; the table shows the distinguishing part. */
function shortType(type: string | null): string {
  return type ? type.replace(/^Microsoft\.Resources\./, '') : '-';
}

function render<T extends InspectedEvent>(rows: T[], format: Format, extra: { head: string; cell: (row: T) => string } | undefined): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (rows.length === 0) return 'The file holds no events.\n';
  const width = Math.max(110, Math.min(process.stdout.columns ?? 160, 220));
  const fixed = [5, 38, 24, 10, ...(extra ? [14] : [])];
  const flexible = width - fixed.reduce((a, b) => a + b, 0) - (fixed.length + 3);
  const clusterWidth = Math.max(24, Math.floor(flexible * 0.55));
  const reasonWidth = Math.max(20, flexible - clusterWidth);
  const head = ['#', 'id', 'type', 'accepted', 'cluster', 'reason', ...(extra ? [extra.head] : [])];
  const colWidths = [5, 38, 24, 10, clusterWidth, reasonWidth, ...(extra ? [14] : [])];
  const table = new Table({ head, style: NO_COLOUR, wordWrap: true, wrapOnWordBoundary: true, colWidths });
  // Words wider than their column would be cut off with an ellipsis: such cells wrap anywhere instead.
  const cell = (content: string, columnWidth: number) => ({ content, wrapOnWordBoundary: content.split(/\s+/).every((word) => word.length <= columnWidth - 2) });
  rows.forEach((row, index) => {
    table.push([
      String(index + 1),
      cell(row.id ?? '-', 38),
      shortType(row.type),
      row.accepted ? 'yes' : 'no',
      cell(row.clusterId ?? '-', clusterWidth),
      cell(row.reason, reasonWidth),
      ...(extra ? [extra.cell(row)] : []),
    ]);
  });
  const accepted = rows.filter((row) => row.accepted).length;
  return `${table.toString()}\n${rows.length} event${rows.length === 1 ? '' : 's'}, ${accepted} accepted\n`;
}

/** Decides every event of a payload; a malformed one is reported with its problem and the next is still read. */
export async function inspectEvents(payload: unknown, self: SelfIdentity): Promise<InspectedEvent[]> {
  const rows: InspectedEvent[] = [];
  for (const raw of splitEvents(payload)) rows.push(inspected(await decideResourceEvent(raw, self)));
  return rows;
}

async function inspect(file: string, flags: { format: Format }): Promise<void> {
  const rows = await inspectEvents(await readJson(file), selfIdentitySettings(process.env));
  process.stdout.write(render(rows, flags.format, undefined));
}

/** Only warnings and errors reach the terminal; the per-event lines are the table. */
const quietLog: Log = {
  info: () => undefined,
  warn: (...args) => process.stderr.write(`${args.map(String).join(' ')}\n`),
  error: (...args) => process.stderr.write(`${args.map(String).join(' ')}\n`),
};

async function replay(file: string, flags: { format: Format; storageConnectionString?: string }): Promise<void> {
  const payload = await readJson(file);
  const env = { ...process.env, ...(flags.storageConnectionString ? { [APP_SETTINGS.storageConnectionString]: flags.storageConnectionString } : {}) };
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliInputError('settings', [`${error.message} (or pass --storage-connection-string)`]);
    throw error;
  }
  const services = await createServices(config, { env });
  const rows: ReplayedEvent[] = [];
  for (const raw of splitEvents(payload)) {
    try {
      const result = await takeResourceEvent(services, raw, quietLog);
      rows.push({ ...inspected(result.decision), reason: result.reason, outcome: result.outcome });
    } catch (error) {
      // Its claims were undone: running the replay again retries it (replayed ones are then duplicates).
      const decision = await decideResourceEvent(raw, services.self);
      rows.push({ ...inspected(decision), reason: `not replayed: ${toError(error).message}`, outcome: 'failed' });
    }
  }
  await services.telemetry.flush();
  process.stdout.write(render(rows, flags.format, { head: 'outcome', cell: (row) => row.outcome }));
  if (rows.some((row) => row.outcome === 'failed')) process.exitCode = EXIT_CODES.notCompliant;
}

const formatOption = (): Option => new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');

export function register(program: Command): void {
  const events = program
    .command('events')
    .description('Read Event Grid events (Event Grid schema or CloudEvents 1.0): one event, an array, or an Event Grid dead-letter blob.');
  events
    .command('inspect')
    .description('Print, per event, whether onResourceEvent accepts it, for which cluster, and why.')
    .argument('<file>', 'JSON file ("-" for stdin)')
    .addOption(formatOption())
    .addHelpText('after', '\nExit codes: 0 the file was read (even if some events are not accepted); 2 unreadable file or not JSON.')
    .action(async (file: string, flags: { format: Format }) => inspect(file, flags));
  events
    .command('replay')
    .description(
      'Run the events through the same intake as onResourceEvent (dedupe by event id, coalescing, enqueue an evaluation). ' +
        'Storage comes from the AzureWebJobsStorage setting or --storage-connection-string; scope from TARGET_SUBSCRIPTION_IDS and BASELINE_PATH.',
    )
    .argument('<file>', 'JSON file ("-" for stdin), e.g. a dead-letter blob fetched with az storage blob download')
    .option('--storage-connection-string <value>', 'storage connection string (default: the AzureWebJobsStorage environment variable)')
    .addOption(formatOption())
    .addHelpText('after', '\nExit codes: 0 every event was handled (enqueued, coalesced, duplicate or ignored); 1 some could not be (run it again); 2 bad input.')
    .action(async (file: string, flags: { format: Format; storageConnectionString?: string }) => replay(file, flags));
}
