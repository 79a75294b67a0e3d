// A 50-cluster fleet with mixed drift, one timer sweep, and the real handlers against Azurite and the emulator:
// every cluster the baseline fixes automatically ends Compliant, the rest keep the reason a person must act on,
// and the app's own write events come back through onResourceEvent without causing any further ARM write.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { evaluateSnapshot, parseCluster, parseExtensions, withExtensions, type Evaluation, type PlanStep } from '../../../src/core/index.js';
import type { ClusterState, RecordedRuleResult } from '../../../src/ports.js';
import { APP_IDENTITY, Driver } from '../../support/driver.js';

const FLEET = {
  clusters: 50,
  subscriptions: 3,
  seed: 20_250_106,
  drift: {
    servicePrincipal: 0.12,
    podIdentity: 0.1,
    noOidcIssuer: 0.15,
    noWorkloadIdentity: 0.15,
    missingExtension: 0.2,
    extensionFailed: 0.1,
    extensionWrongReleaseTrain: 0.08,
    extensionPinnedVersion: 0.08,
    updating: 0.08,
    unsupportedRegion: 0.06,
    oldKubernetes: 0.05,
    exempt: 0.05,
  },
};

/** Starting the driver (Azurite gives up after 30 s, then the emulator) and the first sweep, drained within 90 s. */
const START_TIMEOUT = 150_000;
/** The second sweep over the 50 clusters, drained within 60 s. */
const SWEEP_TIMEOUT = 90_000;

interface Expectation {
  clusterId: string;
  initial: Evaluation;
  /** Rules the baseline lets the app fix without a person: auto steps whose dependencies are all auto. */
  autoFixable: Set<string>;
}

/** What the baseline lets the app do on its own, decided from the cluster as generated (before the sweep). */
function expectationFor(initial: Evaluation): Expectation {
  const byId = new Map(initial.plan.map((step) => [step.id, step]));
  const runsAlone = (step: PlanStep): boolean => step.mode === 'auto' && step.dependsOn.every((dep) => !byId.has(dep) || runsAlone(byId.get(dep) as PlanStep));
  return { clusterId: initial.clusterId, initial, autoFixable: new Set(initial.plan.filter(runsAlone).map((step) => step.ruleId)) };
}

describe('a timer sweep over a 50-cluster fleet with mixed drift', () => {
  let driver: Driver;
  const expectations: Expectation[] = [];
  let appWritesAfterFirstSweep = 0;

  beforeAll(async () => {
    driver = await Driver.start({ fleet: FLEET, emulator: { lroDurationMs: 150, busyDurationMs: 1500 } });
    for (const cluster of driver.emulator.fleet?.clusters ?? []) {
      const snapshot = withExtensions(parseCluster(cluster.body), parseExtensions(cluster.extensions));
      expectations.push(expectationFor(evaluateSnapshot(snapshot, driver.services.baseline, { now: new Date() })));
    }
    const sweep = await driver.sweep({ isPastDue: true });
    // One message per cluster, and no error.
    if (sweep.clustersEnqueued !== 50 || sweep.errors.length > 0) {
      throw new Error(`the first sweep enqueued ${sweep.clustersEnqueued} of 50 clusters, with errors ${JSON.stringify(sweep.errors)}`);
    }
    await driver.drain({ timeoutMs: 90_000 });
    appWritesAfterFirstSweep = driver.appWrites.length;
  }, START_TIMEOUT);

  afterAll(async () => driver?.stop());

  test('has a fleet that needs both automatic fixes and a person', () => {
    const fixable = expectations.filter((e) => e.initial.status === 'NonCompliant' && e.initial.results.every((r) => r.status !== 'NonCompliant' || e.autoFixable.has(r.ruleId)));
    const needsPerson = expectations.filter((e) => e.initial.results.some((r) => r.status === 'NonCompliant' && !e.autoFixable.has(r.ruleId)));

    // At least 10 automatically fixable clusters, at least 5 needing approval, and some that start busy.
    expect(fixable.length).toBeGreaterThanOrEqual(10);
    expect(needsPerson.length).toBeGreaterThanOrEqual(5);
    expect(driver.emulator.fleet?.clusters.some((c) => c.drift.includes('updating'))).toBe(true);
  });

  test('records every cluster, and every automatically fixable one ends Compliant', async () => {
    const page = await driver.services.store.listStates({ pageSize: 1000 });
    expect(page.items).toHaveLength(50);

    for (const expected of expectations) {
      const state: ClusterState | undefined = await driver.services.store.getState(expected.clusterId);
      // It has a recorded state, with every rule of its first evaluation...
      expect(state).toBeDefined();
      const recorded = (ruleId: string): RecordedRuleResult | undefined => state?.results.find((result) => result.ruleId === ruleId);
      expect(expected.initial.results.filter((initial) => recorded(initial.ruleId) === undefined).map((initial) => [expected.clusterId, initial.ruleId])).toStrictEqual([]);
      // ...each one fixed (Compliant) when the app may fix it on its own, and otherwise keeping its status and reason.
      const got: unknown[][] = [];
      const wanted: unknown[][] = [];
      for (const initial of expected.initial.results) {
        const result = recorded(initial.ruleId);
        if (initial.status === 'NonCompliant' && expected.autoFixable.has(initial.ruleId)) {
          got.push([expected.clusterId, initial.ruleId, initial.reason, result?.status]);
          wanted.push([expected.clusterId, initial.ruleId, initial.reason, 'Compliant']);
        } else {
          got.push([expected.clusterId, initial.ruleId, result?.status, result?.reason]);
          wanted.push([expected.clusterId, initial.ruleId, initial.status, initial.reason]);
        }
      }
      expect(got).toStrictEqual(wanted);
      // Every remediation it started was confirmed.
      const open = (await driver.services.store.listRemediations(expected.clusterId)).filter((row) => row.status === 'Started' || row.status === 'Accepted');
      expect(open).toStrictEqual([]);
    }
  });

  test('leaves the clusters that need a person NonCompliant, with the approval steps still waiting', async () => {
    for (const expected of expectations.filter((e) => e.initial.results.some((r) => r.status === 'NonCompliant' && !e.autoFixable.has(r.ruleId)))) {
      const state = await driver.services.store.getState(expected.clusterId);
      expect([expected.clusterId, state?.status]).toStrictEqual([expected.clusterId, 'NonCompliant']);
      // No approval step was written without approval.
      const rows = await driver.services.store.listRemediations(expected.clusterId);
      const approvalSteps = new Set(expected.initial.plan.filter((candidate) => candidate.mode === 'approval').map((step) => step.id));
      expect(rows.filter((row) => approvalSteps.has(row.stepId))).toStrictEqual([]);
    }
  });

  test('wrote only what the plans called for, each write once, as the app', () => {
    const requests = driver.emulator.state.requestsByCaller;
    const mine = requests.get(APP_IDENTITY.objectId);
    // The app wrote, and nobody else did.
    expect(mine?.writes).toBeGreaterThan(0);
    expect(driver.emulator.state.requests.writes).toBe(mine?.writes);
    // Each resource was written once.
    const written = new Map<string, number>();
    for (const write of driver.appWrites) written.set(write.path.toLowerCase(), (written.get(write.path.toLowerCase()) ?? 0) + 1);
    expect([...written].filter(([, count]) => count !== 1)).toStrictEqual([]);
  });

  test('turns its own write events into confirmations that enqueue nothing', () => {
    // Every emitted event was delivered...
    expect(driver.intakeResults).toHaveLength(driver.emulator.state.events.emitted);
    expect(driver.intakeResults.length).toBeGreaterThan(0);
    // ...and each was a confirmation.
    expect(driver.intakeResults.filter((result) => result.outcome !== 'confirmation').map((result) => `${result.decision.id}: ${result.outcome}: ${result.reason}`)).toStrictEqual([]);
    // No evaluation was started by an event.
    const eventCaused = driver.processed.filter((message) => (message.item as { cause?: { kind?: string } }).cause?.kind === 'event');
    expect(eventCaused).toStrictEqual([]);
  });

  test('reports telemetry for evaluations, remediations and the sweep', () => {
    const names = new Set(driver.telemetry.events.map((event) => event.name));
    expect([...names]).toEqual(expect.arrayContaining(['ClusterEvaluated', 'RemediationStarted', 'RemediationSucceeded', 'SweepCompleted', 'EventAccepted']));
    // One RemediationStarted per ARM write, each carrying the ARM correlation id.
    const started = driver.telemetry.events.filter((event) => event.name === 'RemediationStarted');
    expect(started).toHaveLength(appWritesAfterFirstSweep);
    expect(started.filter((event) => !event.properties['armCorrelationId'])).toStrictEqual([]);
    // The ARM token never reaches a log or telemetry.
    const token = driver.services.config.arm.token ?? '';
    expect(token.length).toBeGreaterThan(20);
    for (const line of driver.logs) expect(line.message).not.toContain(token);
    for (const event of driver.telemetry.events) expect(JSON.stringify(event)).not.toContain(token);
  });

  test(
    'changes nothing on a second sweep, and counts the non-compliant clusters',
    async () => {
      // Prepare
      const evaluationsBefore = driver.telemetry.events.filter((event) => event.name === 'ClusterEvaluated').length;

      // Act
      const second = await driver.sweep();
      await driver.drain({ timeoutMs: 60_000 });

      // Assess: no further ARM writes, and each cluster evaluated once more
      expect(driver.appWrites).toHaveLength(appWritesAfterFirstSweep);
      const evaluationsAfter = driver.telemetry.events.filter((event) => event.name === 'ClusterEvaluated').length;
      expect(evaluationsAfter - evaluationsBefore).toBe(50);
      const record = await driver.services.store.getSweep(second.sweepId);
      expect(record?.status).toBe('Completed');
      expect(record?.clustersEnqueued).toBe(50);
      const counts = await driver.services.store.countByStatus();
      const gauge = driver.telemetry.metrics.filter((metric) => metric.name === 'NonCompliantClusters').at(-1);
      expect(gauge?.value).toBe(counts.NonCompliant + counts.RemediationFailed);
      expect(gauge?.value).toBeGreaterThan(0);
    },
    SWEEP_TIMEOUT,
  );
});
