// A 50-cluster fleet with mixed drift, one timer sweep, and the real handlers against Azurite and the emulator:
// every cluster the baseline fixes automatically ends Compliant, the rest keep the reason a person must act on,
// and the app's own write events come back through onResourceEvent without causing any further ARM write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evaluateCluster, parseCluster, parseExtensions, withExtensions, type Evaluation, type PlanStep } from '../../../src/core/index.js';
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

describe('a timer sweep over a 50-cluster fleet with mixed drift', { timeout: 120_000 }, () => {
  let driver: Driver;
  const expectations: Expectation[] = [];
  let appWritesAfterFirstSweep = 0;

  before(async () => {
    driver = await Driver.start({ fleet: FLEET, emulator: { lroDurationMs: 150, busyDurationMs: 1500 } });
    for (const cluster of driver.emulator.fleet?.clusters ?? []) {
      const snapshot = withExtensions(parseCluster(cluster.body), parseExtensions(cluster.extensions));
      expectations.push(expectationFor(evaluateCluster(snapshot, driver.services.baseline, { now: new Date() })));
    }
    const sweep = await driver.sweep({ isPastDue: true });
    assert.equal(sweep.clustersEnqueued, 50, 'one message per cluster');
    assert.deepEqual(sweep.errors, []);
    await driver.drain({ timeoutMs: 90_000 });
    appWritesAfterFirstSweep = driver.appWrites.length;
  });

  after(async () => driver?.stop());

  it('has a fleet that needs both automatic fixes and a person', () => {
    const fixable = expectations.filter((e) => e.initial.status === 'NonCompliant' && e.initial.results.every((r) => r.status !== 'NonCompliant' || e.autoFixable.has(r.ruleId)));
    const needsPerson = expectations.filter((e) => e.initial.results.some((r) => r.status === 'NonCompliant' && !e.autoFixable.has(r.ruleId)));
    assert.ok(fixable.length >= 10, `expected at least 10 automatically fixable clusters, got ${fixable.length}`);
    assert.ok(needsPerson.length >= 5, `expected at least 5 clusters needing approval, got ${needsPerson.length}`);
    assert.ok(driver.emulator.fleet?.clusters.some((c) => c.drift.includes('updating')), 'some clusters start busy');
  });

  it('records every cluster, and every automatically fixable one ends Compliant', async () => {
    const page = await driver.services.store.listStates({ pageSize: 1000 });
    assert.equal(page.items.length, 50);
    for (const expected of expectations) {
      const state: ClusterState | undefined = await driver.services.store.getState(expected.clusterId);
      assert.ok(state, `${expected.clusterId} has a recorded state`);
      for (const initial of expected.initial.results) {
        const recorded: RecordedRuleResult | undefined = state.results.find((result) => result.ruleId === initial.ruleId);
        assert.ok(recorded, `${expected.clusterId}: ${initial.ruleId} is recorded`);
        if (initial.status === 'NonCompliant' && expected.autoFixable.has(initial.ruleId)) {
          assert.equal(recorded.status, 'Compliant', `${expected.clusterId}: ${initial.ruleId} (${initial.reason}) was fixed`);
        } else {
          assert.equal(recorded.status, initial.status, `${expected.clusterId}: ${initial.ruleId} keeps its status`);
          assert.equal(recorded.reason, initial.reason, `${expected.clusterId}: ${initial.ruleId} keeps its reason`);
        }
      }
      const open = (await driver.services.store.listRemediations(expected.clusterId)).filter((row) => row.status === 'Started' || row.status === 'Accepted');
      assert.deepEqual(open, [], `${expected.clusterId}: every remediation it started was confirmed`);
    }
  });

  it('leaves the clusters that need a person NonCompliant, with the approval steps still waiting', async () => {
    for (const expected of expectations.filter((e) => e.initial.results.some((r) => r.status === 'NonCompliant' && !e.autoFixable.has(r.ruleId)))) {
      const state = await driver.services.store.getState(expected.clusterId);
      assert.equal(state?.status, 'NonCompliant', expected.clusterId);
      const rows = await driver.services.store.listRemediations(expected.clusterId);
      for (const step of expected.initial.plan.filter((candidate) => candidate.mode === 'approval')) {
        assert.deepEqual(rows.filter((row) => row.stepId === step.id), [], `${expected.clusterId}: ${step.id} was not written without approval`);
      }
    }
  });

  it('wrote only what the plans called for, each write once, as the app', () => {
    const requests = driver.emulator.state.requestsByCaller;
    const mine = requests.get(APP_IDENTITY.objectId);
    assert.ok(mine && mine.writes > 0, 'the app wrote');
    assert.equal(driver.emulator.state.requests.writes, mine.writes, 'nobody else wrote');
    const written = new Map<string, number>();
    for (const write of driver.appWrites) written.set(write.path.toLowerCase(), (written.get(write.path.toLowerCase()) ?? 0) + 1);
    for (const [path, count] of written) assert.equal(count, 1, `${path} was written ${count} times`);
  });

  it('turns its own write events into confirmations that enqueue nothing', () => {
    assert.equal(driver.intakeResults.length, driver.emulator.state.events.emitted, 'every emitted event was delivered');
    assert.ok(driver.intakeResults.length > 0);
    for (const result of driver.intakeResults) assert.equal(result.outcome, 'confirmation', `${result.decision.id}: ${result.reason}`);
    const eventCaused = driver.processed.filter((message) => (message.item as { cause?: { kind?: string } }).cause?.kind === 'event');
    assert.deepEqual(eventCaused, [], 'no evaluation was started by an event');
  });

  it('reports telemetry for evaluations, remediations and the sweep', () => {
    const names = new Set(driver.telemetry.events.map((event) => event.name));
    for (const name of ['ClusterEvaluated', 'RemediationStarted', 'RemediationSucceeded', 'SweepCompleted', 'EventAccepted'] as const) assert.ok(names.has(name), `${name} was sent`);
    const started = driver.telemetry.events.filter((event) => event.name === 'RemediationStarted');
    assert.equal(started.length, appWritesAfterFirstSweep, 'one RemediationStarted per ARM write');
    assert.ok(started.every((event) => event.properties['armCorrelationId']), 'remediations carry the ARM correlation id');
    const token = driver.services.config.arm.token ?? '';
    assert.ok(token.length > 20);
    for (const line of driver.logs) assert.ok(!line.message.includes(token), 'the ARM token never reaches a log');
    for (const event of driver.telemetry.events) assert.ok(!JSON.stringify(event).includes(token), 'the ARM token never reaches telemetry');
  });

  it('changes nothing on a second sweep, and counts the non-compliant clusters', async () => {
    const evaluationsBefore = driver.telemetry.events.filter((event) => event.name === 'ClusterEvaluated').length;
    const second = await driver.sweep();
    await driver.drain({ timeoutMs: 60_000 });
    assert.equal(driver.appWrites.length, appWritesAfterFirstSweep, 'no further ARM writes');
    const evaluationsAfter = driver.telemetry.events.filter((event) => event.name === 'ClusterEvaluated').length;
    assert.equal(evaluationsAfter - evaluationsBefore, 50, 'each cluster evaluated once more');
    const record = await driver.services.store.getSweep(second.sweepId);
    assert.equal(record?.status, 'Completed');
    assert.equal(record?.clustersEnqueued, 50);
    const counts = await driver.services.store.countByStatus();
    const gauge = driver.telemetry.metrics.filter((metric) => metric.name === 'NonCompliantClusters').at(-1);
    assert.equal(gauge?.value, counts.NonCompliant + counts.RemediationFailed);
    assert.ok((gauge?.value ?? 0) > 0);
  });
});
