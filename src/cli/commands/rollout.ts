// `aks-baseline-guard rollout status|approve|halt|resume <rollout>`: a rollout's progress, and what people do with
// it, on the app's own record (Table Storage, from AzureWebJobsStorage or --storage-connection-string) with the
// baseline the app runs (BASELINE_PATH or --baseline). Approve, halt and resume do what the HTTP routes do: the same
// functions (src/pipeline/rollouts.ts), the caller recorded (--by, default cli:<user>). Queued clusters are picked up
// by the app's worker.
import { userInfo } from 'node:os';
import Table from 'cli-table3';
import { Option, type Command } from 'commander';
import { APP_SETTINGS, ConfigError, loadConfig } from '../../config.js';
import { createServices } from '../../container.js';
import { approveNextWave, haltRollout, resumeRollout, RolloutConflict, RolloutNotFound, rolloutStatus, type RolloutStatusView } from '../../pipeline/rollouts.js';
import { rolloutDeps, type AppServices } from '../../pipeline/services.js';
import { CliInputError, EXIT_CODES } from '../exit.js';

type Format = 'table' | 'json';
interface Flags {
  format: Format;
  storageConnectionString?: string;
  baseline?: string;
  by?: string;
}

const NO_COLOUR = { head: [] as string[], border: [] as string[] };

/** A rollout's status, as the terminal shows it. */
export function renderRolloutStatus(view: RolloutStatusView, format: Format): string {
  if (format === 'json') return `${JSON.stringify(view, null, 2)}\n`;
  const lines = [
    `Rollout ${view.rolloutId}: ${view.status}${view.currentWave ? `, current wave ${view.currentWave}` : ''}`,
    `Failures: ${view.countedFailures} counted (${view.failures} in all), budget ${view.budget} (maxFailures ${view.maxFailures})`,
  ];
  if (view.halt) lines.push(`Halted at ${view.halt.at} by ${view.halt.by}: ${view.halt.reason}`);
  if (view.resume) lines.push(`Last resumed at ${view.resume.at} by ${view.resume.by}`);
  const table = new Table({ head: ['#', 'wave', 'clusters', 'pending', 'running', 'succeeded', 'failed', 'state', 'approved by'], style: NO_COLOUR });
  for (const wave of view.waves) {
    const state = wave.complete ? 'complete' : wave.open ? (view.status === 'Halted' ? 'halted' : 'running') : wave.awaitingApproval ? 'awaiting approval' : wave.soakUntil ? `soak until ${wave.soakUntil}` : 'waiting';
    table.push([String(wave.index + 1), wave.name, String(wave.clusters), String(wave.pending), String(wave.running), String(wave.succeeded), String(wave.failed), state, wave.approvedBy ?? '-']);
  }
  return `${lines.join('\n')}\n${table.toString()}\n`;
}

async function servicesFor(flags: Flags): Promise<AppServices> {
  const env = {
    ...process.env,
    ...(flags.storageConnectionString ? { [APP_SETTINGS.storageConnectionString]: flags.storageConnectionString } : {}),
    ...(flags.baseline ? { [APP_SETTINGS.baselinePath]: flags.baseline } : {}),
  };
  try {
    return await createServices(loadConfig(env), { env });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliInputError('settings', [`${error.message} (or pass --storage-connection-string)`]);
    throw error;
  }
}

const quietLog = { info: () => undefined, warn: (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`), error: (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`) };

async function run(rolloutId: string, flags: Flags, action: 'status' | 'approve' | 'halt' | 'resume', reason?: string): Promise<void> {
  const services = await servicesFor(flags);
  const deps = rolloutDeps(services, quietLog);
  const by = flags.by ?? `cli:${userInfo().username}`;
  const now = services.clock();
  try {
    if (action === 'approve') {
      const approved = await approveNextWave(deps, rolloutId, by, now);
      process.stderr.write(`wave ${approved.wave} approved by ${by}\n`);
    } else if (action === 'halt') await haltRollout(deps, rolloutId, by, reason ?? `halted by ${by}`, now);
    else if (action === 'resume') await resumeRollout(deps, rolloutId, by, now);
    process.stdout.write(renderRolloutStatus(await rolloutStatus(deps, rolloutId, now), flags.format));
  } catch (error) {
    if (error instanceof RolloutNotFound || error instanceof RolloutConflict) {
      process.stderr.write(`aks-baseline-guard: rollout ${action}: ${error.message}\n`);
      process.exitCode = error instanceof RolloutNotFound ? EXIT_CODES.badInput : EXIT_CODES.notCompliant;
      return;
    }
    throw error;
  }
}

export function register(program: Command): void {
  const rollout = program
    .command('rollout')
    .description("A rollout of the baseline's `rollouts` (docs/rollouts.md): its waves and progress, and approving, halting and resuming it. Storage from AzureWebJobsStorage or --storage-connection-string; the baseline from BASELINE_PATH or --baseline.");
  const common = (command: Command): Command =>
    command
      .argument('<rollout>', "the rollout's name (its policy's name in the baseline)")
      .option('--storage-connection-string <value>', 'storage connection string (default: the AzureWebJobsStorage environment variable)')
      .option('--baseline <file>', 'the baseline the app runs (default: BASELINE_PATH)')
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
      .addHelpText('after', '\nExit codes: 0 done; 1 refused (nothing waits for approval, already halted, not halted); 2 no such rollout, or bad input.');
  common(rollout.command('status').description('Print the rollout: status, failures against the budget, and each wave.')).action(async (id: string, flags: Flags) => run(id, flags, 'status'));
  common(rollout.command('approve').description('Approve the wave waiting for approval (once; you are recorded as approver); its clusters are queued.'))
    .option('--by <name>', 'who approves, as recorded (default cli:<user>)')
    .action(async (id: string, flags: Flags) => run(id, flags, 'approve'));
  common(rollout.command('halt').description('Halt the rollout: nothing new starts; clusters already running finish.'))
    .option('--by <name>', 'who halts, as recorded (default cli:<user>)')
    .option('--reason <text>', 'why, as recorded and sent in RolloutHalted')
    .action(async (id: string, flags: Flags & { reason?: string }) => run(id, flags, 'halt', flags.reason));
  common(rollout.command('resume').description('Resume a halted rollout: failures so far stop counting against the budget, and waiting clusters are queued.'))
    .option('--by <name>', 'who resumes, as recorded (default cli:<user>)')
    .action(async (id: string, flags: Flags) => run(id, flags, 'resume'));
}
