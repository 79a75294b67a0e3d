// What the demo prints about the compliance events the app published to the Event Grid topic's stand-in: counts per
// type, ComplianceChanged grouped by rule and change, the ApprovalRequested, RemediationFailed and ExemptionExpiring
// events one by one (they are what people act on; the first 10), and one of them in full, as a subscriber gets it.
// All of them, as received, go to a JSON file.
import type { CloudEvent } from '@azure/eventgrid';
import Table from 'cli-table3';
import { EVENT_TYPE_PREFIX } from '../src/events-out/events.js';
import type { EventsPublisherStats } from '../src/ports.js';

const NO_COLOUR = { head: [] as string[], border: [] as string[], compact: true };
/** Events listed one by one at most; the rest are in the file. */
const LISTED = 10;

interface Data {
  clusterId?: string;
  ruleId?: string;
  from?: string | null;
  to?: string;
  stepId?: string;
  attempts?: number;
  errorCode?: string;
  expiry?: string;
  approve?: { cli?: string };
}

function kindOf(event: CloudEvent<unknown>): string {
  return event.type.startsWith(EVENT_TYPE_PREFIX) ? event.type.slice(EVENT_TYPE_PREFIX.length) : event.type;
}

function clusterName(data: Data): string {
  return data.clusterId?.split('/').at(-1) ?? '?';
}

/** One line: ComplianceChanged 3, ApprovalRequested 1, ... in a fixed order. */
export function publishedCounts(events: readonly CloudEvent<unknown>[]): string {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(kindOf(event), (counts.get(kindOf(event)) ?? 0) + 1);
  const order = ['ComplianceChanged', 'ApprovalRequested', 'RemediationFailed', 'ExemptionExpiring'];
  return [...counts].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([kind, n]) => `${n} ${kind}`).join(', ') || 'none';
}

export function renderPublishedEvents(events: readonly CloudEvent<unknown>[], stats: EventsPublisherStats, file: string): string {
  const lines: string[] = [];
  const changes = new Map<string, number>();
  const acted: CloudEvent<unknown>[] = [];
  for (const event of events) {
    const data = event.data as Data;
    if (kindOf(event) === 'ComplianceChanged') {
      const key = `${data.ruleId ?? '?'}\u0000${data.from ?? '(first seen)'} -> ${data.to ?? '?'}`;
      changes.set(key, (changes.get(key) ?? 0) + 1);
    } else acted.push(event);
  }
  const changed = new Table({ head: ['ComplianceChanged: rule', 'from -> to', 'events'], style: NO_COLOUR, colAligns: ['left', 'left', 'right'] });
  for (const [key, n] of [...changes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [rule, change] = key.split('\u0000');
    changed.push([rule ?? '', change ?? '', String(n)]);
  }
  lines.push(`Compliance events published to the Event Grid topic (stand-in): ${events.length} (${publishedCounts(events)}); publisher: ${stats.sent} sent, ${stats.retriedRequests} requests retried, ${stats.failedRequests} failed, ${stats.dropped} dropped, ${stats.pending} pending`);
  if (changes.size > 0) lines.push(changed.toString());
  if (acted.length > 0) {
    const table = new Table({ head: ['Event', 'Cluster', 'What'], style: NO_COLOUR });
    for (const event of acted.slice(0, LISTED)) {
      const data = event.data as Data;
      const kind = kindOf(event);
      const what =
        kind === 'ApprovalRequested'
          ? `${data.stepId ?? ''} waits for a person`
          : kind === 'RemediationFailed'
            ? `${data.ruleId ?? ''} after ${data.attempts ?? 0} attempts (${data.errorCode ?? ''})`
            : `${data.ruleId ?? ''} ends ${data.expiry ?? ''}`;
      table.push([kind, clusterName(data), what]);
    }
    lines.push(table.toString());
    if (acted.length > LISTED) lines.push(`... and ${acted.length - LISTED} more`);
    const sample = acted[0];
    if (sample) lines.push(`One of them as a subscriber receives it:\n${JSON.stringify(sample, null, 2)}`);
  }
  lines.push(`Every event as received: ${file}`);
  return `${lines.join('\n')}\n`;
}
