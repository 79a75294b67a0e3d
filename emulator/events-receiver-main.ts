#!/usr/bin/env node
// `node dist/emulator/events-receiver-main.js [--port P] [--fail-first N] [--send-samples]`: a local stand-in for the
// events topic. Prints EVENTS_TOPIC_ENDPOINT / EVENTS_CA_FILE / EVENTS_TOKEN first (a shell can `source` them), then
// one line per event it accepts. docs/notifications.md#trying-it-locally.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createEventsPublisher } from '../src/azure/events-out.js';
import { failureReport, wantsStackTraces } from '../src/cli/failure.js';
import { approvalRequestedEvent, complianceChangedEvent, exemptionExpiringEvent, remediationFailedEvent } from '../src/events-out/events.js';
import { type RunningEventsReceiver, startEventsReceiver } from './events-receiver.js';

function integer(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got '${value}'`);
    return parsed;
  };
}

interface CliOptions {
  port: number;
  failFirst: number;
  sendSamples: boolean;
}

const SAMPLE_CLUSTER = '/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-demo/providers/Microsoft.ContainerService/managedClusters/aks-demo';

/** One event of each kind, through the app's own builders and publisher, to this receiver. */
async function sendSamples(receiver: RunningEventsReceiver): Promise<void> {
  const now = new Date();
  const publisher = createEventsPublisher({ endpoint: receiver.endpoint, caFile: receiver.caFile, token: receiver.token });
  const result = await publisher.publish([
    complianceChangedEvent({ clusterId: SAMPLE_CLUSTER, ruleId: 'workloadIdentity', from: 'Compliant', to: 'NonCompliant', cause: { kind: 'sweep', id: 'sample' }, at: now, transitionKey: 'sample' }),
    approvalRequestedEvent({
      clusterId: SAMPLE_CLUSTER,
      ruleId: 'managedIdentity',
      stepId: 'managedIdentity:enable-managed-identity',
      action: 'enable-managed-identity',
      disrupts: 'Enabling managed identity reimages the nodes of every pool.',
      planKey: 'sample',
      at: now,
    }),
    remediationFailedEvent({ clusterId: SAMPLE_CLUSTER, ruleId: 'azurePolicy', attempts: 5, error: { code: 'LinkedAuthorizationFailed' }, at: now }),
    exemptionExpiringEvent({ clusterId: SAMPLE_CLUSTER, ruleId: '*', expiry: new Date(now.getTime() + 7 * 24 * 3600_000), reason: 'sample', at: now }),
  ]);
  process.stderr.write(`# samples: ${result.sent} sent, ${result.pending} held, ${result.dropped} dropped; SDK retries ${publisher.stats().retriedRequests}\n`);
}

const program = new Command()
  .name('events-receiver')
  .description('HTTPS stand-in for the Event Grid topic the app publishes compliance events to (dev and test only)')
  .option('--port <p>', 'port on 127.0.0.1 (0 = a free one)', integer(0), 0)
  .option('--fail-first <n>', 'answer the first n authenticated requests 503, to see the publisher retry', integer(0), 0)
  .option('--send-samples', 'publish one event of each kind to itself through the app\'s publisher', false)
  .allowExcessArguments(false)
  .exitOverride()
  .configureOutput({ writeErr: () => undefined });

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = program.parse(process.argv).opts<CliOptions>();
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') process.exit(0);
    const message = error instanceof Error ? error.message.replace(/^error: /, '') : String(error);
    process.stderr.write(`events-receiver: ${message.split('\n')[0] ?? message} (see --help)\n`);
    process.exit(2);
  }
  let receiver;
  try {
    receiver = await startEventsReceiver({ port: options.port });
  } catch (error) {
    process.stderr.write(failureReport('events-receiver', 'start-up', error, { stack: wantsStackTraces(process.argv) }));
    process.exit(2);
  }
  receiver.failNext(options.failFirst);
  process.stdout.write(`EVENTS_TOPIC_ENDPOINT=${receiver.endpoint}\nEVENTS_CA_FILE=${receiver.caFile}\nEVENTS_TOKEN=${receiver.token}\n`);
  process.stdout.write(`# Events topic stand-in (CloudEvents 1.0, bearer tokens only)${options.failFirst > 0 ? `, failing the first ${options.failFirst} requests` : ''}. Ctrl-C stops.\n`);
  receiver.onBatch((batch) => {
    for (const event of batch.events) {
      process.stdout.write(`${event.time?.toISOString() ?? '-'} ${event.type} ${event.subject ?? '-'} id=${event.id} ${JSON.stringify(event.data)}\n`);
    }
  });
  if (options.sendSamples) await sendSamples(receiver);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const refused = receiver.requests().filter((request) => request.status !== 200).length;
    process.stderr.write(`# ${signal}: ${receiver.received().length} events received, ${refused} requests refused; stopping\n`);
    void receiver.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
