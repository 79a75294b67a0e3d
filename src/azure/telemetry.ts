// Application Insights telemetry (applicationinsights v3). Off, without errors, when no connection string is set.
// The SDK is imported lazily: it pulls in OpenTelemetry, which would otherwise cost every cold start.
import type { AppConfig } from '../config.js';

export type TelemetryEventName =
  | 'ClusterEvaluated'
  | 'RemediationStarted'
  | 'RemediationSucceeded'
  | 'RemediationFailed'
  | 'EventIgnored'
  | 'EventAccepted'
  | 'SweepCompleted'
  | 'EventsPublishFailed';

export type TelemetryMetricName = 'EventToRecordLatencyMs' | 'NonCompliantClusters';

export type TelemetryProperties = Record<string, string | number | boolean | undefined>;

export interface Telemetry {
  event(name: TelemetryEventName, properties?: TelemetryProperties): void;
  metric(name: TelemetryMetricName, value: number, properties?: TelemetryProperties): void;
  flush(): Promise<void>;
}

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

/** Telemetry that keeps what it was given, for tests and the demo. */
export class RecordingTelemetry implements Telemetry {
  readonly events: { name: TelemetryEventName; properties: Record<string, string> }[] = [];
  readonly metrics: { name: TelemetryMetricName; value: number; properties: Record<string, string> }[] = [];
  event(name: TelemetryEventName, properties?: TelemetryProperties): void {
    this.events.push({ name, properties: scrubProperties(properties) });
  }
  metric(name: TelemetryMetricName, value: number, properties?: TelemetryProperties): void {
    this.metrics.push({ name, value, properties: scrubProperties(properties) });
  }
  async flush(): Promise<void> {}
}

export async function createTelemetry(appInsights: AppConfig['appInsights'], managedIdentityClientId?: string): Promise<Telemetry> {
  if (!appInsights) return noTelemetry;
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
