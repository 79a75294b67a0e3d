// Every app setting the code reads, read once here, validated and typed, and the worker's tuning (timings that are
// not settings: defaults here, overridden only by tests, the demo and the benchmarks). infra/ and
// local.settings.sample.json must carry exactly the names in APP_SETTINGS (a test checks for drift both ways).
import { isSubscriptionId } from './core/resource-ids.js';

export const APP_SETTINGS = {
  /** Storage connection string (local/Azurite). In Azure the identity-based form below is used instead. */
  storageConnectionString: 'AzureWebJobsStorage',
  /** Storage account name for identity-based connections (no shared keys). */
  storageAccountName: 'AzureWebJobsStorage__accountName',
  /** Tells the Functions host to use a managed identity for AzureWebJobsStorage. */
  storageCredential: 'AzureWebJobsStorage__credential',
  /** Client id of the user-assigned identity the host uses for AzureWebJobsStorage. */
  storageClientId: 'AzureWebJobsStorage__clientId',
  /** Client id of the app's user-assigned managed identity (DefaultAzureCredential reads it; also the `appid` claim of our own ARM writes). */
  azureClientId: 'AZURE_CLIENT_ID',
  /** Object (principal) id of the app's identity: the `objectidentifier` claim of our own ARM writes. */
  selfPrincipalId: 'SELF_PRINCIPAL_ID',
  /** ARM endpoint; https://management.azure.com in Azure, the emulator locally. */
  armEndpoint: 'ARM_ENDPOINT',
  /** Comma-separated subscription ids the app may evaluate and remediate. */
  targetSubscriptionIds: 'TARGET_SUBSCRIPTION_IDS',
  /** Path of the baseline document, relative to the app root. */
  baselinePath: 'BASELINE_PATH',
  /**
   * NCRONTAB schedule of the fleet sweep (six fields). Read by the Functions host, not by our code: the timer
   * binding names it as `%SWEEP_SCHEDULE%` (src/functions/sweep.ts), so it is declared here and never parsed.
   */
  sweepSchedule: 'SWEEP_SCHEDULE',
  /**
   * Seconds a follow-up evaluation waits (the trailing edge): when events arrived during an evaluation that its read
   * may have missed, the cluster is evaluated again this long after, so the rest of a burst lands first. The first
   * event of a cluster is never delayed.
   */
  coalesceWindowSeconds: 'COALESCE_WINDOW_SECONDS',
  /** Attempts per (cluster, rule) before a finding is recorded as RemediationFailed. */
  maxRemediationAttempts: 'MAX_REMEDIATION_ATTEMPTS',
  /** When "true", HTTP callers must also carry Entra ID app roles (App Service authentication). */
  entraAuthRequired: 'ENTRA_AUTH_REQUIRED',
  /** Application Insights; telemetry is off when it is unset. */
  appInsightsConnectionString: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  /** "Authorization=AAD;ClientId=<id>": Entra ID auth for ingestion, since local auth is off. */
  appInsightsAuthenticationString: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  /**
   * Optional. Endpoint of the Event Grid custom topic (CloudEvents 1.0 input schema) that compliance events go to,
   * e.g. https://<topic>.<region>-1.eventgrid.azure.net/api/events, reached with the app's managed identity. Unset:
   * nothing is published. infra/ sets it only when enableEventsTopic is on (docs/notifications.md).
   */
  eventsTopicEndpoint: 'EVENTS_TOPIC_ENDPOINT',
  /** Optional. Days before an exemption expires that its one ExemptionExpiring event is published (default 14); set with EVENTS_TOPIC_ENDPOINT. */
  exemptionExpiryNoticeDays: 'EXEMPTION_EXPIRY_NOTICE_DAYS',
} as const;

/** Read by the code for local development against the emulator; never set in Azure, so infra leaves them out. */
export const DEV_ONLY_SETTINGS = {
  armCaFile: 'ARM_CA_FILE',
  armToken: 'ARM_TOKEN',
} as const;

/** Read only by the command-line tools (the CLI, `npm run demo`, `npm run emulator`), never by the Functions app. */
export const COMMAND_LINE_SETTINGS = {
  /** Names `aks-baseline-guard` (or `*`) to print stack traces with failures, as the `debug` convention does. */
  debug: 'DEBUG',
} as const;

/** Read by the Functions host, not by our code, and only needed locally (Flex Consumption sets the runtime itself). */
export const LOCAL_HOST_SETTINGS = ['FUNCTIONS_WORKER_RUNTIME'] as const;

export interface AppConfig {
  storage: { connectionString: string } | { accountName: string; clientId?: string };
  azureClientId?: string;
  selfPrincipalId?: string;
  arm: { endpoint: string; caFile?: string; token?: string };
  targetSubscriptionIds: string[];
  baselinePath: string;
  coalesceWindowSeconds: number;
  maxRemediationAttempts: number;
  entraAuthRequired: boolean;
  appInsights?: { connectionString: string; authenticationString?: string };
  /** Where compliance events are published; absent when publishing is off. */
  eventsTopicEndpoint?: string;
  exemptionExpiryNoticeDays: number;
}

/** COALESCE_WINDOW_SECONDS when unset. */
export const DEFAULT_COALESCE_WINDOW_SECONDS = 5;

/** MAX_REMEDIATION_ATTEMPTS when unset; also what `scan --record` uses. */
export const DEFAULT_MAX_REMEDIATION_ATTEMPTS = 5;

/** Timings of the worker and the sweep. The defaults suit Azure; tests shrink them. */
export interface WorkerTuning {
  /** How long a worker holds a cluster's lease at most (it is released as soon as the evaluation ends). */
  leaseTtlMs: number;
  /** When another worker holds the lease: evaluate again after this many seconds. */
  leaseBusyRetrySeconds: number;
  /** After starting a write (or meeting a busy cluster): evaluate again after this many seconds to confirm it. */
  continuationDelaySeconds: number;
  /** A chain of continuations stops after this many; the next sweep picks the cluster up again. */
  maxContinuations: number;
  /** Wait after the first remediation attempt of a rule; doubles with each further attempt. */
  backoffBaseSeconds: number;
  /** Cap on that wait. */
  maxBackoffSeconds: number;
  /**
   * An intent row younger than this, on a resource that is no longer busy, still counts as in flight: ARM may
   * not show the write yet. Older ones are closed as not confirmed, and the step may be tried again.
   */
  openRemediationGraceMs: number;
  /** Clusters per enqueueMany call during a sweep. */
  sweepBatchSize: number;
  /**
   * Event times are the sender's clock (ARM's), read times ours: an event this close before a read may still postdate
   * it, and gets a follow-up evaluation. Well above the skew of NTP-synchronised clocks.
   */
  eventTimeMarginMs: number;
}

export const DEFAULT_TUNING: WorkerTuning = {
  // Longer than host.json functionTimeout (10 min): a lease never expires under a holder the host has not stopped yet.
  leaseTtlMs: 11 * 60_000,
  leaseBusyRetrySeconds: 15,
  continuationDelaySeconds: 25,
  maxContinuations: 60,
  backoffBaseSeconds: 60,
  maxBackoffSeconds: 6 * 60 * 60,
  openRemediationGraceMs: 2 * 60_000,
  sweepBatchSize: 32,
  eventTimeMarginMs: 1000,
};

function positive(value: number, name: string): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`tuning.${name} must be a number above 0, got ${String(value)}`);
}

/** The defaults with `overrides` on top, checked. */
export function resolveTuning(overrides: Partial<WorkerTuning> = {}): WorkerTuning {
  const tuning = { ...DEFAULT_TUNING, ...overrides };
  for (const [name, value] of Object.entries(tuning)) positive(value, name);
  for (const name of ['leaseTtlMs', 'leaseBusyRetrySeconds', 'continuationDelaySeconds', 'maxContinuations', 'sweepBatchSize'] as const) {
    if (!Number.isInteger(tuning[name])) throw new RangeError(`tuning.${name} must be a whole number, got ${tuning[name]}`);
  }
  if (tuning.maxBackoffSeconds < tuning.backoffBaseSeconds) throw new RangeError('tuning.maxBackoffSeconds must be at least tuning.backoffBaseSeconds');
  return tuning;
}

export class ConfigError extends Error {
  override name = 'ConfigError';

  /** `setting` (or the flag standing in for it) and what is wrong with it, for callers that name them their own way. */
  constructor(
    message: string,
    readonly setting?: string,
    readonly problem?: string,
  ) {
    super(message);
  }
}

function settingError(setting: string, problem: string): ConfigError {
  return new ConfigError(`${setting}: ${problem}`, setting, problem);
}

type Env = Record<string, string | undefined>;

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function positiveInt(env: Env, name: string, fallback: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name}: must be a whole number from 1 to ${max}, got "${raw}"`);
  }
  return value;
}

/** An optional https URL with no credentials or query in it (a key or SAS token does not belong in a setting read as an address). */
function optionalHttpsUrl(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name}: must be an https:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(`${name}: must be an https:// URL, got "${raw}"`);
  if (url.username || url.password || url.search || url.hash) throw new ConfigError(`${name}: must be a plain https:// URL without credentials, query or fragment`);
  return raw;
}

/** Parses the settings the app needs. Throws ConfigError naming the first bad setting. */
export function loadConfig(env: Env = process.env): AppConfig {
  const connectionString = text(env, APP_SETTINGS.storageConnectionString);
  const accountName = text(env, APP_SETTINGS.storageAccountName);
  let storage: AppConfig['storage'];
  if (connectionString) storage = { connectionString };
  else if (accountName) {
    const clientId = text(env, APP_SETTINGS.storageClientId);
    storage = clientId ? { accountName, clientId } : { accountName };
  } else {
    throw new ConfigError(`${APP_SETTINGS.storageConnectionString} or ${APP_SETTINGS.storageAccountName}: one must be set`);
  }

  const endpoint = text(env, APP_SETTINGS.armEndpoint) ?? DEFAULT_ARM_ENDPOINT;
  if (!/^https:\/\//i.test(endpoint)) throw new ConfigError(`${APP_SETTINGS.armEndpoint}: must be an https:// URL, got "${endpoint}"`);

  const subscriptions = (text(env, APP_SETTINGS.targetSubscriptionIds) ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  for (const id of subscriptions) {
    if (!isSubscriptionId(id)) throw new ConfigError(`${APP_SETTINGS.targetSubscriptionIds}: "${id}" is not a subscription id (a GUID)`);
  }

  const entra = (text(env, APP_SETTINGS.entraAuthRequired) ?? 'false').toLowerCase();
  if (entra !== 'true' && entra !== 'false') throw new ConfigError(`${APP_SETTINGS.entraAuthRequired}: must be "true" or "false", got "${entra}"`);

  const aiConnection = text(env, APP_SETTINGS.appInsightsConnectionString);
  const aiAuth = text(env, APP_SETTINGS.appInsightsAuthenticationString);
  const caFile = text(env, DEV_ONLY_SETTINGS.armCaFile);
  const token = text(env, DEV_ONLY_SETTINGS.armToken);
  const azureClientId = text(env, APP_SETTINGS.azureClientId);
  const selfPrincipalId = text(env, APP_SETTINGS.selfPrincipalId);
  const eventsTopicEndpoint = optionalHttpsUrl(env, APP_SETTINGS.eventsTopicEndpoint);

  return {
    storage,
    ...(azureClientId ? { azureClientId } : {}),
    ...(selfPrincipalId ? { selfPrincipalId } : {}),
    arm: { endpoint: endpoint.replace(/\/+$/, ''), ...(caFile ? { caFile } : {}), ...(token ? { token } : {}) },
    targetSubscriptionIds: subscriptions,
    baselinePath: text(env, APP_SETTINGS.baselinePath) ?? 'baselines/default.json',
    coalesceWindowSeconds: positiveInt(env, APP_SETTINGS.coalesceWindowSeconds, DEFAULT_COALESCE_WINDOW_SECONDS, 3600),
    maxRemediationAttempts: positiveInt(env, APP_SETTINGS.maxRemediationAttempts, DEFAULT_MAX_REMEDIATION_ATTEMPTS, 50),
    entraAuthRequired: entra === 'true',
    ...(aiConnection ? { appInsights: aiAuth ? { connectionString: aiConnection, authenticationString: aiAuth } : { connectionString: aiConnection } } : {}),
    ...(eventsTopicEndpoint ? { eventsTopicEndpoint } : {}),
    exemptionExpiryNoticeDays: positiveInt(env, APP_SETTINGS.exemptionExpiryNoticeDays, 14, 365),
  };
}

// ---- The command-line tools (`scan`, `events`): the same settings, read here too, with flags in front.

/** ARM for a command-line run: the flags first (`--arm-endpoint`, `--ca`), then ARM_ENDPOINT / ARM_CA_FILE / ARM_TOKEN, then public Azure. */
export function commandLineArmSettings(env: Env, flags: { armEndpoint?: string; ca?: string } = {}): { arm: AppConfig['arm']; managedIdentityClientId?: string } {
  const endpoint = (flags.armEndpoint ?? env[APP_SETTINGS.armEndpoint]?.trim() ?? '') || DEFAULT_ARM_ENDPOINT;
  const source = flags.armEndpoint !== undefined ? '--arm-endpoint' : APP_SETTINGS.armEndpoint;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw settingError(source, `"${endpoint}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw settingError(source, `must be an https:// URL, got "${endpoint}"`);
  const caFile = flags.ca ?? text(env, DEV_ONLY_SETTINGS.armCaFile);
  const token = text(env, DEV_ONLY_SETTINGS.armToken);
  const clientId = text(env, APP_SETTINGS.azureClientId);
  return {
    arm: { endpoint: endpoint.replace(/\/+$/, ''), ...(caFile ? { caFile } : {}), ...(token ? { token } : {}) },
    ...(clientId ? { managedIdentityClientId: clientId } : {}),
  };
}

/** The app's own storage settings (AzureWebJobsStorage, or its identity-based form); undefined when neither is set. */
export function commandLineStorageSettings(env: Env): AppConfig['storage'] | undefined {
  const connectionString = text(env, APP_SETTINGS.storageConnectionString);
  if (connectionString) return { connectionString };
  const accountName = text(env, APP_SETTINGS.storageAccountName);
  if (!accountName) return undefined;
  const clientId = text(env, APP_SETTINGS.storageClientId);
  return clientId ? { accountName, clientId } : { accountName };
}

/** The app's own identity (AZURE_CLIENT_ID, SELF_PRINCIPAL_ID): writes it made only confirm. */
export function selfIdentitySettings(env: Env): { appId?: string; objectId?: string } {
  const appId = text(env, APP_SETTINGS.azureClientId);
  const objectId = text(env, APP_SETTINGS.selfPrincipalId);
  return { ...(appId ? { appId } : {}), ...(objectId ? { objectId } : {}) };
}
