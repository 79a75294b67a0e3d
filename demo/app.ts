// The app the demo runs: the Functions app run locally (dev/local-app.ts: Azurite, the ARM emulator, the real
// handlers, the queue trigger played from host.json), with telemetry the demo watches for its progress display.
import { LocalApp, type LocalAppOptions } from '../dev/local-app.js';
import { scrubProperties } from '../src/azure/telemetry.js';
import type { Telemetry, TelemetryEventName, TelemetryMetricName, TelemetryProperties } from '../src/ports.js';

export { APP_IDENTITY, OTHER_IDENTITY, type Identity, type ProcessedMessage } from '../dev/local-app.js';

/** The app's custom events as the demo reads them (scrubbed, as Application Insights would get them). */
export class DemoTelemetry implements Telemetry {
  readonly events: { name: TelemetryEventName; properties: Record<string, string> }[] = [];

  event(name: TelemetryEventName, properties?: TelemetryProperties): void {
    this.events.push({ name, properties: scrubProperties(properties) });
  }

  metric(_name: TelemetryMetricName, _value: number, _properties?: TelemetryProperties): void {}

  async flush(): Promise<void> {}
}

export type DemoApp = LocalApp<DemoTelemetry>;

export function startDemoApp(options: Omit<LocalAppOptions<DemoTelemetry>, 'telemetry'>): Promise<DemoApp> {
  return LocalApp.launch({ ...options, telemetry: new DemoTelemetry() });
}
