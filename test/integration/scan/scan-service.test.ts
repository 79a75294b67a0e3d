// scanFleet in process: discovery, scope, busy clusters retried in a later round, and stopping early.
import { afterEach, describe, expect, test } from '@jest/globals';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { ArmClusterReader, ArmStepWriter } from '../../../src/azure/arm/index.js';
import { noTelemetry } from '../../../src/azure/telemetry.js';
import type { Baseline } from '../../../src/core/index.js';
import { scanPolicy } from '../../../src/pipeline/policies.js';
import { scanFleet, type ScanOptions } from '../../../src/pipeline/scan.js';
import { autoBaseline, clientsFor, clusterIdFor, seedCluster, setPath, SUBSCRIPTION } from '../../support/arm.js';

const OTHER_SUBSCRIPTION = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

/** A scan as the CLI builds it: SDK clients on the emulator, no store, and `--apply` unless `apply` is false. */
function options(emulator: RunningEmulator, overrides: Partial<Omit<ScanOptions, 'deps' | 'policy'>> & { baseline?: Baseline; apply?: boolean } = {}): ScanOptions {
  const { baseline = autoBaseline(), apply = true, ...rest } = overrides;
  const clients = clientsFor(emulator);
  return {
    deps: { reader: new ArmClusterReader(() => clients), writer: new ArmStepWriter(() => clients, {}), telemetry: noTelemetry, baseline },
    policy: scanPolicy({ apply, wait: true, record: false, approvals: [] }),
    cause: { kind: 'cli', id: 'scan-test', caller: 'tester' },
    armRequests: () => clients.stats,
    subscriptions: [],
    concurrency: 4,
    busyRetries: 2,
    busyRetryDelayMs: 50,
    now: () => new Date(),
    ...rest,
  };
}

describe('scanFleet (SDK clients against the emulator)', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  test('finds clusters in every subscription the caller can see and fixes them', async () => {
    emulator = await startEmulator({ lroDurationMs: 30, subscriptions: [OTHER_SUBSCRIPTION] });
    seedCluster(emulator, 'aks-scan-a', (body) => setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false }));
    seedCluster(emulator, 'aks-scan-b', undefined, { extensions: false });
    seedCluster(emulator, 'aks-scan-c');

    const report = await scanFleet(options(emulator), 'scan-test-1');

    // Both subscriptions were listed.
    expect(report.summary.subscriptions).toBe(2);
    expect(report.summary.clusters).toBe(3);
    expect(report.summary.byStatus).toStrictEqual({ Compliant: 3 });
    expect(report.summary.steps.applied).toBe(2);
    expect(report.summary.findingsByRule['workload-identity']?.found).toBe(1);
    expect(report.summary.findingsByRule['workload-identity']?.fixed).toBe(1);
    expect(report.summary.findingsByRule['required-extension/flux']?.fixed).toBe(1);
    expect(report.summary.armRequests.requests.write).toBeGreaterThanOrEqual(2);
    expect(report.summary.errors).toStrictEqual([]);
  });

  test('with --no-wait, lists the writes still running, and reports the clusters as evaluated before them', async () => {
    // Prepare: operations that outlast the scan
    emulator = await startEmulator({ lroDurationMs: 5000 });
    seedCluster(emulator, 'aks-nowait-a', (body) => setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false }));
    seedCluster(emulator, 'aks-nowait-b');

    // Act
    const report = await scanFleet({ ...options(emulator), policy: scanPolicy({ apply: true, wait: false, record: false, approvals: [] }) }, 'scan-no-wait');

    // Assess
    expect(report.summary.steps.started).toBe(1);
    expect(report.summary.stillRunning).toStrictEqual([
      expect.objectContaining({ clusterId: clusterIdFor('aks-nowait-a'), stepId: 'workload-identity:enable-workload-identity', resourceId: clusterIdFor('aks-nowait-a') }),
    ]);
    expect(report.clusters.find((cluster) => cluster.name === 'aks-nowait-a')?.status).toBe('NonCompliant');
    expect(report.clusters.find((cluster) => cluster.name === 'aks-nowait-b')?.status).toBe('Compliant');
  });

  test('gives a busy cluster another round once its operation has ended', async () => {
    // Prepare: a cluster mid-update for 1.5 s, with drift to fix
    emulator = await startEmulator({ lroDurationMs: 30, busyDurationMs: 1500 });
    const id = seedCluster(emulator, 'aks-scan-busy', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      setPath(body, 'properties.provisioningState', 'Updating');
    });

    // Act: the first round meets it busy; the second comes after the operation ends
    const report = await scanFleet(options(emulator, { subscriptions: [SUBSCRIPTION], busyRetryDelayMs: 1700 }), 'scan-test-2');

    // Assess
    const [cluster] = report.clusters;
    expect(cluster?.clusterId.toLowerCase()).toBe(id.toLowerCase());
    expect(cluster?.rounds).toBe(2);
    expect(cluster?.status).toBe('Compliant');
    expect(cluster?.initialStatus).toBe('NonCompliant');
    expect(cluster?.steps.map((s) => s.outcome)).toStrictEqual(['applied']);
  });

  test('reports a cluster still busy after the last round as try-later, not as a failure', async () => {
    // Prepare: a cluster busy for longer than the scan waits
    emulator = await startEmulator({ lroDurationMs: 30, busyDurationMs: 60_000 });
    seedCluster(emulator, 'aks-scan-stuck', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      setPath(body, 'properties.provisioningState', 'Updating');
    });

    // Act
    const report = await scanFleet(options(emulator, { subscriptions: [SUBSCRIPTION], busyRetries: 1 }), 'scan-test-3');
    emulator.finishOperations();

    // Assess
    expect(report.clusters[0]?.rounds).toBe(2);
    expect(report.clusters[0]?.status).toBe('NonCompliant');
    expect(report.summary.steps['try-later']).toBe(1);
    expect(report.summary.steps.failed).toBe(0);
  });

  test('keeps to the resource group and the baseline scope', async () => {
    emulator = await startEmulator({ lroDurationMs: 30 });
    seedCluster(emulator, 'aks-in-group');
    const elsewhere = clusterIdFor('aks-elsewhere', 'rg-other');
    emulator.putCluster({ ...(emulator.state.cluster(seedCluster(emulator, 'aks-template')) ?? {}), id: elsewhere, name: 'aks-elsewhere' });
    const scoped = autoBaseline({ scope: { resourceGroups: ['rg-test'] } });

    const byGroup = await scanFleet(options(emulator, { subscriptions: [SUBSCRIPTION], resourceGroup: 'rg-other', apply: false }), 'scan-test-4');
    const byScope = await scanFleet(options(emulator, { subscriptions: [SUBSCRIPTION], baseline: scoped, apply: false }), 'scan-test-5');

    expect(byGroup.clusters.map((c) => c.name)).toStrictEqual(['aks-elsewhere']);
    expect(byScope.clusters.map((c) => c.name).sort()).toStrictEqual(['aks-in-group', 'aks-template']);
    expect(byScope.summary.outOfScope).toBe(1);
  });

  test('starts no new cluster once told to stop', async () => {
    emulator = await startEmulator({ lroDurationMs: 30, latencyMs: 20 });
    for (let i = 0; i < 12; i += 1) seedCluster(emulator, `aks-stop-${i}`, undefined, { extensions: false });
    const stop = new AbortController();

    const report = await scanFleet(
      options(emulator, {
        subscriptions: [SUBSCRIPTION],
        concurrency: 2,
        stopSignal: stop.signal,
        onProgress: (progress) => {
          if (progress.finished === 3) stop.abort();
        },
      }),
      'scan-test-6',
    );

    // The ones in flight finished, no more started.
    expect(report.summary.interrupted).toBe(true);
    expect(report.summary.clusters).toBeGreaterThanOrEqual(3);
    expect(report.summary.clusters).toBeLessThanOrEqual(4);
  });

  test('records a subscription it cannot list and carries on with the others', async () => {
    emulator = await startEmulator({ lroDurationMs: 30 });
    seedCluster(emulator, 'aks-ok', undefined, { extensions: true });

    const report = await scanFleet(options(emulator, { subscriptions: ['00000000-0000-4000-8000-000000000000', SUBSCRIPTION], apply: false }), 'scan-test-7');

    expect(report.summary.clusters).toBe(1);
    expect(report.summary.errors).toHaveLength(1);
    expect(report.summary.errors[0]?.scope).toMatch(/00000000-0000-4000-8000-000000000000/);
    expect(report.summary.errors[0]?.message).toMatch(/\(HTTP 404\)/);
  });
});
