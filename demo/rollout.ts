// `npm run demo:rollout`: one small rollout end to end, on this machine, with no Azure account. The app runs locally
// (dev/local-app.ts: Azurite, the ARM emulator, the real handlers and queue trigger) with its clock on the emulator's,
// so maintenance windows open in seconds. Six service principal clusters, each with a daily 02:00 UTC window, are
// migrated to managed identity in two waves (a canary, then the rest, two at a time): a sweep finds them, each wave
// is approved once, each cluster starts when its window opens. A change freeze halts the rollout right after the
// second approval (nothing starts); a person resumes it and the wave finishes. Progress goes to stderr; stdout gets the rollout's status at each
// step, and as its LAST line one JSON object: { rollout, clusters, migrated, failed, halted, complete, events }.
// Exit codes: 0 the rollout completed as described; 1 it did not.
import { LocalApp } from '../dev/local-app.js';
import { validateBaseline } from '../src/core/index.js';
import { renderRolloutStatus } from '../src/cli/commands/rollout.js';
import type { ComplianceCloudEvent } from '../src/events-out/events.js';
import { approveNextWave, haltRollout, resumeRollout, rolloutStatus } from '../src/pipeline/rollouts.js';
import { rolloutDeps } from '../src/pipeline/services.js';
import { DemoTelemetry } from './app.js';

const SUBSCRIPTION = '6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098';
const ROLLOUT = 'mi-migration';
const clusterId = (name: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-demo-rollout/providers/Microsoft.ContainerService/managedClusters/${name}`;
const CLUSTERS = ['aks-canary', 'aks-pay-1', 'aks-pay-2', 'aks-web-1', 'aks-web-2', 'aks-batch'].map((name, i) => ({ id: clusterId(name), canary: i === 0 }));
const WINDOW = { name: 'aksManagedAutoUpgradeSchedule', properties: { maintenanceWindow: { schedule: { daily: { intervalDays: 1 } }, durationHours: 4, utcOffset: '+00:00', startTime: '02:00', startDate: '2026-03-01' } } };

const baseline = validateBaseline({
  version: 1,
  rules: { managedIdentity: { mode: 'approval' } },
  rollouts: [{ name: ROLLOUT, actions: ['enable-managed-identity'], waves: [{ name: 'canary', match: { tags: { ring: 'canary' } } }], maxConcurrent: 2, maxFailures: 0, stepMinutes: 60 }],
});

function say(text: string): void {
  process.stderr.write(`[rollout demo] ${text}\n`);
}

/** A service principal cluster in REST shape, tagged for its wave. */
function spCluster(id: string, canary: boolean): Record<string, unknown> {
  const name = id.split('/').pop() ?? 'aks';
  return {
    id,
    name,
    type: 'Microsoft.ContainerService/managedClusters',
    location: 'westeurope',
    tags: canary ? { ring: 'canary' } : {},
    sku: { name: 'Base', tier: 'Standard' },
    properties: {
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      kubernetesVersion: '1.30.4',
      dnsPrefix: `${name}-dns`,
      agentPoolProfiles: [{ name: 'system', count: 3, vmSize: 'Standard_D4s_v5', mode: 'System', orchestratorVersion: '1.30.4', provisioningState: 'Succeeded', powerState: { code: 'Running' } }],
      servicePrincipalProfile: { clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' },
      networkProfile: { networkPlugin: 'azure' },
    },
  };
}

async function main(): Promise<number> {
  const events: ComplianceCloudEvent[] = [];
  say('starting Azurite and the ARM emulator');
  const app = await LocalApp.launch({
    telemetry: new DemoTelemetry(),
    baseline,
    settings: { TARGET_SUBSCRIPTION_IDS: SUBSCRIPTION },
    tuning: { continuationDelaySeconds: 1, leaseBusyRetrySeconds: 1, backoffBaseSeconds: 1, maxBackoffSeconds: 2, openRemediationGraceMs: 1500 },
    queueHost: { minPollingIntervalMs: 100, maxPollingIntervalMs: 100, visibilityTimeoutSeconds: 1 },
    followEmulatorClock: true,
  });
  try {
    app.services.publishEvents = async (published) => {
      events.push(...published);
      for (const event of published) say(`event ${event.type} ${JSON.stringify(event.data)}`);
    };
    for (const cluster of CLUSTERS) {
      app.emulator.putCluster(spCluster(cluster.id, cluster.canary));
      app.emulator.putMaintenanceConfiguration(cluster.id, WINDOW);
    }
    const deps = rolloutDeps(app.services);
    const show = async (title: string) => {
      process.stdout.write(`\n== ${title} (app time ${app.services.clock().toISOString()})\n`);
      process.stdout.write(renderRolloutStatus(await rolloutStatus(deps, ROLLOUT, app.services.clock()), 'table'));
    };

    app.emulator.clock.set('2026-03-02T01:59:56Z');
    say('a sweep finds six service principal clusters; the rule is in approval mode, so the canary wave waits');
    await app.sweep();
    await app.drain();
    await show('after the sweep');

    say('approving the canary wave; its window opens at 02:00 (a few seconds away)');
    await approveNextWave(deps, ROLLOUT, 'alex.kim@contoso.com', app.services.clock());
    await app.drain();
    await show('canary done');

    say('the next night, just before the window: approving the remaining wave, two clusters at a time');
    app.emulator.clock.set('2026-03-03T01:59:57Z');
    await approveNextWave(deps, ROLLOUT, 'alex.kim@contoso.com', app.services.clock());
    say('a change freeze: sam.lee halts the rollout before anything of the wave starts');
    await haltRollout(deps, ROLLOUT, 'sam.lee@contoso.com', 'change freeze for the payments release', app.services.clock());
    await app.drain();
    const frozen = await rolloutStatus(deps, ROLLOUT, app.services.clock());
    await show('halted: the approved wave waits');
    const halted = frozen.status === 'Halted' && frozen.waves[1]?.pending === 5;

    say('the freeze is over: sam.lee resumes the rollout; two clusters at a time, inside the window');
    await resumeRollout(deps, ROLLOUT, 'sam.lee@contoso.com', app.services.clock());
    await app.drain();
    const final = await rolloutStatus(deps, ROLLOUT, app.services.clock());
    await show('resumed and finished');

    const identities = CLUSTERS.map((cluster) => (app.emulator.state.cluster(cluster.id) as { identity?: { type?: string } }).identity?.type);
    const migrated = identities.filter((type) => type === 'SystemAssigned').length;
    const complete = final.waves.every((wave) => wave.complete);
    process.stdout.write(`${JSON.stringify({ rollout: ROLLOUT, clusters: CLUSTERS.length, migrated, failed: final.failures, halted, complete, events: events.map((event) => event.type) })}\n`);
    return halted && complete && migrated === CLUSTERS.length && final.failures === 0 ? 0 : 1;
  } finally {
    await app.stop();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`rollout demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
});
