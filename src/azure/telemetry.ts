// Application Insights telemetry (applicationinsights v3). Off, without errors, when no connection string is set.
// The SDK is imported in the background on first use: it pulls in OpenTelemetry, which would otherwise cost every
// cold start, and then the first invocation.
// It implements the Telemetry port (src/ports.ts); test/support/telemetry.ts has a recorder for the tests.
import type { AppConfig } from '../config.js';
import type { Telemetry, TelemetryProperties } from '../ports.js';

// Property names that could carry credentials or protected extension settings never leave the process.
const SENSITIVE_KEY = /token|secret|password|credential|protected|authorization|sas|key$/i;
const BEARER = /bearer\s+[\w.-]+/gi;

/** Drops sensitive keys and masks anything that looks like a bearer token in the values. */
export function scrubProperties(properties: TelemetryProperties = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined || SENSITIVE_KEY.test(key)) continue;
    out[key] = String(value).replace(BEARER, 'Bearer ***');
  }
  return out;
}

export const noTelemetry: Telemetry = {
  event: () => undefined,
  metric: () => undefined,
  flush: async () => undefined,
};

/** What events and metrics are sent to: the SDK's client, or a stand-in in tests. */
export type TelemetrySink = Pick<Telemetry, 'event' | 'metric' | 'flush'>;

/** Events and metrics taken while the SDK loads, at most; beyond that they are dropped (a cold start sends a few). */
export const MAX_BUFFERED_TELEMETRY = 1_000;

/**
 * Telemetry for the app. With a connection string the SDK loads in the background (it takes about half a second, and
 * seconds on a busy instance, see docs/performance.md) so that a cold start's first invocation does not wait for it:
 * what is sent meanwhile is kept, scrubbed, and handed over once it is ready. If it cannot load, flush() says why.
 */
export function createTelemetry(
  appInsights: AppConfig['appInsights'],
  managedIdentityClientId?: string,
  load: (appInsights: NonNullable<AppConfig['appInsights']>, managedIdentityClientId?: string) => Promise<TelemetrySink> = loadApplicationInsights,
): Telemetry {
  if (!appInsights) return noTelemetry;
  const waiting: ((sink: TelemetrySink) => void)[] = [];
  let sink: TelemetrySink | undefined;
  const loading = load(appInsights, managedIdentityClientId).then(
    (loaded) => {
      sink = loaded;
      for (const send of waiting.splice(0)) send(loaded);
      return loaded;
    },
    (error: unknown) => {
      sink = noTelemetry;
      waiting.length = 0;
      throw new Error(`telemetry: the Application Insights SDK could not start: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  loading.catch(() => undefined);
  const send = (call: (sink: TelemetrySink) => void): void => {
    if (sink) call(sink);
    else if (waiting.length < MAX_BUFFERED_TELEMETRY) waiting.push(call);
  };
  return {
    event: (name, properties) => {
      const scrubbed = scrubProperties(properties);
      send((to) => to.event(name, scrubbed));
    },
    metric: (name, value, properties) => {
      const scrubbed = scrubProperties(properties);
      send((to) => to.metric(name, value, scrubbed));
    },
    flush: async () => (await loading).flush(),
  };
}

/** The SDK's client, imported on first use: it pulls in OpenTelemetry. */
async function loadApplicationInsights(appInsights: NonNullable<AppConfig['appInsights']>, managedIdentityClientId?: string): Promise<TelemetrySink> {
  const { TelemetryClient } = await import('applicationinsights');
  const client = new TelemetryClient(appInsights.connectionString);
  if (appInsights.authenticationString?.includes('Authorization=AAD')) {
    // Local auth is off on the App Insights resource: ingestion authenticates as the app's managed identity.
    const { ManagedIdentityCredential } = await import('@azure/identity');
    client.config.aadTokenCredential = managedIdentityClientId
      ? new ManagedIdentityCredential({ clientId: managedIdentityClientId })
      : new ManagedIdentityCredential();
  }
  client.initialize();
  return {
    event: (name, properties) => client.trackEvent({ name, properties: scrubProperties(properties) }),
    metric: (name, value, properties) => client.trackMetric({ name, value, properties: scrubProperties(properties) }),
    flush: () => client.flush(),
  };
}
