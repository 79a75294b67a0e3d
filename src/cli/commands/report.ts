// `aks-baseline-guard report`: the compliance report of a deployment, as one self-contained HTML file, from the app's
// Table store (read-only). The store is the app's storage account (DefaultAzureCredential, as the app connects
// identity-based) or a connection string (Azurite, a key-based account); the rest is src/report, which the function
// GET /api/report and the demo use too.
import { writeFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { createStorageClients, createTableReportSource } from '../../azure/storage/index.js';
import { DEFAULT_BASELINE_PATH, loadBaselineFile, resolveBaselinePath } from '../../baseline-file.js';
import { APP_SETTINGS, commandLineStorageSettings, type AppConfig } from '../../config.js';
import { InvalidInputError, type Baseline } from '../../core/index.js';
import { buildReport, DEFAULT_MAX_ROWS, DEFAULT_NOTICE_DAYS, DEFAULT_SINCE, parseSince } from '../../report/index.js';
import { describeConnectionString, describeStore, namesAStore } from '../../report/store-label.js';
import { CliInputError } from '../exit.js';
import { sourceName, STDIN } from '../input.js';

interface ReportFlags {
  storageAccount?: string;
  connectionString?: string;
  since: string;
  out: string;
  baseline?: string;
  title?: string;
  maxRows: string;
  appUrl?: string;
}

type Env = Record<string, string | undefined>;

/** The report's file when --out is not given. */
export const DEFAULT_REPORT_FILE = 'compliance-report.html';

/**
 * Where the rows are: --storage-account (identity-based: DefaultAzureCredential) or --connection-string, else the
 * app's own settings (AzureWebJobsStorage, or AzureWebJobsStorage__accountName).
 */
export function reportStorage(flags: Pick<ReportFlags, 'storageAccount' | 'connectionString'>, env: Env): { storage: AppConfig['storage']; label: string } {
  if (flags.storageAccount !== undefined && flags.connectionString !== undefined) {
    throw new CliInputError('--storage-account', ['give either --storage-account or --connection-string, not both']);
  }
  if (flags.storageAccount !== undefined) {
    const name = flags.storageAccount.trim();
    if (!/^[a-z0-9]{3,24}$/.test(name)) throw new CliInputError('--storage-account', [`"${flags.storageAccount}" is not a storage account name (3-24 lower-case letters and digits)`]);
    return { storage: { accountName: name }, label: describeStore({ accountName: name }) };
  }
  if (flags.connectionString !== undefined) return { storage: { connectionString: checkedConnectionString(flags.connectionString, '--connection-string') }, label: describeConnectionString(flags.connectionString) };
  const fromEnv = commandLineStorageSettings(env);
  if (fromEnv === undefined) {
    throw new CliInputError('--storage-account', [
      `name the store: --storage-account NAME (signs in with DefaultAzureCredential: az login, a managed identity, ...), --connection-string, or set ${APP_SETTINGS.storageConnectionString} or ${APP_SETTINGS.storageAccountName}`,
    ]);
  }
  if ('connectionString' in fromEnv) return { storage: { connectionString: checkedConnectionString(fromEnv.connectionString, APP_SETTINGS.storageConnectionString) }, label: describeConnectionString(fromEnv.connectionString) };
  return { storage: fromEnv, label: describeStore(fromEnv) };
}

function checkedConnectionString(value: string, source: string): string {
  if (!namesAStore(value)) throw new CliInputError(source, ['is not a storage connection string: it names neither AccountName nor TableEndpoint']);
  return value;
}

/** --baseline, else the app's BASELINE_PATH, else baselines/default.json: the baseline the app enforces. */
async function loadReportBaseline(file: string | undefined, env: Env): Promise<{ baseline: Baseline; label: string; isDefault: boolean }> {
  const configured = env[APP_SETTINGS.baselinePath]?.trim();
  const path = file ?? (configured ? resolveBaselinePath(configured) : DEFAULT_BASELINE_PATH);
  try {
    const baseline = await loadBaselineFile(path);
    return { baseline, label: file !== undefined ? sourceName(file) : path, isDefault: file === undefined && !configured };
  } catch (error) {
    if (error instanceof InvalidInputError) throw new CliInputError(file !== undefined ? sourceName(file) : path, error.problems);
    throw error;
  }
}

function noticeDays(env: Env): number {
  const raw = env[APP_SETTINGS.exemptionExpiryNoticeDays]?.trim();
  if (!raw) return DEFAULT_NOTICE_DAYS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 365) throw new CliInputError(APP_SETTINGS.exemptionExpiryNoticeDays, [`must be a whole number of days from 1 to 365, got "${raw}"`]);
  return value;
}

function appUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliInputError('--app-url', [`"${raw}" is not a URL`]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliInputError('--app-url', [`must be an http(s) URL, got "${raw}"`]);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${Math.round(bytes / 1024)} KB`;
}

async function run(flags: ReportFlags, env: Env): Promise<void> {
  const now = new Date();
  let since: Date;
  try {
    since = parseSince(flags.since, now);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new CliInputError('--since', error.problems);
    throw error;
  }
  const maxRows = Number(flags.maxRows);
  if (!Number.isInteger(maxRows) || maxRows < 0 || maxRows > 10_000) throw new CliInputError('--max-rows', [`must be a whole number from 0 to 10000, got "${flags.maxRows}"`]);
  const { storage, label } = reportStorage(flags, env);
  const baseline = await loadReportBaseline(flags.baseline, env);
  const url = appUrl(flags.appUrl);

  const source = createTableReportSource(createStorageClients(storage));
  const report = await buildReport(source, {
    baseline: baseline.baseline,
    baselineLabel: baseline.label,
    store: label,
    since,
    now,
    noticeDays: noticeDays(env),
    maxRows,
    ...(flags.title !== undefined ? { title: flags.title } : {}),
    approvalCommands: {
      ...(url !== undefined ? { appUrl: url } : {}),
      entraAuth: env[APP_SETTINGS.entraAuthRequired]?.trim().toLowerCase() === 'true',
      ...(baseline.isDefault ? {} : { baselineFile: baseline.label }),
    },
  });

  const bytes = Buffer.byteLength(report.html, 'utf8');
  if (flags.out === STDIN) process.stdout.write(report.html);
  else await writeFile(flags.out, report.html, 'utf8');
  const { fleet, history, remediations } = report.data;
  process.stderr.write(
    `${flags.out === STDIN ? 'Report written to stdout' : `Report written to ${flags.out}`}: ${fleet.clusters} clusters, ${history.transitions + history.ruleTransitions} transitions and ${remediations.rows} remediations since ${since.toISOString()}; ` +
      `${kib(bytes)}, store read in ${(report.timings.collectMs / 1000).toFixed(1)} s, rendered in ${Math.round(report.timings.renderMs)} ms\n`,
  );
}

export function register(program: Command): void {
  program
    .command('report')
    .description(
      "Write the compliance report of a deployment (one self-contained HTML file) from the app's Table store: fleet status, status by rule and subscription, " +
        'compliance over time, the remediation timeline, what awaits approval and how to approve it, failed remediations, blocked steps, exemptions ending soon.',
    )
    .option('--storage-account <name>', 'the app\'s storage account, read with DefaultAzureCredential (az login, a managed identity, ...): needs "Storage Table Data Reader"')
    .option('--connection-string <value>', `a storage connection string (Azurite); prefer ${APP_SETTINGS.storageConnectionString} in the environment, which keeps keys out of shell history`)
    .option('--since <when>', 'the period of the history chart and the remediation timeline: a duration (30d, 12h, 90m, 2w) or an ISO 8601 date or date-time', DEFAULT_SINCE)
    .option('--out <file>', `where to write the HTML ("-" for stdout)`, DEFAULT_REPORT_FILE)
    .option('--baseline <file>', `the baseline the app enforces (approval modes, exemptions); default: ${APP_SETTINGS.baselinePath}, else baselines/default.json`)
    .option('--title <text>', 'the page title')
    .option('--max-rows <n>', 'rows a detailed table lists at most (0-10000); the rest is counted', String(DEFAULT_MAX_ROWS))
    .option('--app-url <url>', 'the function app\'s URL, written into the approval commands (default: a placeholder)')
    .addHelpText(
      'after',
      `\nWith neither --storage-account nor --connection-string, the store is the app's own setting (${APP_SETTINGS.storageConnectionString}, or ${APP_SETTINGS.storageAccountName}). ` +
        `${APP_SETTINGS.exemptionExpiryNoticeDays} (default 14) sets how many days ahead ending exemptions are listed; ${APP_SETTINGS.entraAuthRequired}=true adds the bearer token to the approval calls.` +
        '\nExit codes: 0 the report was written; 2 bad input, or the store could not be read.',
    )
    .action(async (flags: ReportFlags) => run(flags, process.env));
}
