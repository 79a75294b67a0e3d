// A Telemetry port that keeps what it was given (scrubbed, as Application Insights would get it), so a test can
// assert on the events and metrics the app emitted.
import { scrubProperties } from '../../src/azure/telemetry.js';
import type { Telemetry, TelemetryEventName, TelemetryMetricName, TelemetryProperties } from '../../src/ports.js';

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
