// A rollout of enable-managed-identity across 200 service principal clusters in three waves, on the in-memory ports:
// the real worker (processEvaluationMessage), the real HTTP routes for approve and resume, a clock that only moves
// when the queue has nothing visible (so maintenance windows open and close as in days), ARM refusing the write on
// four clusters. Checks: nothing starts before its wave is approved, every write starts inside a window long enough,
// the failure budget halts the rollout and nothing new starts until a person resumes it, then it completes.
import { describe, expect, test } from '@jest/globals';
import { windowAt, parseMaintenanceConfig } from '../../../src/core/maintenance-windows.js';
import { EVENT_TYPES, type ComplianceCloudEvent } from '../../../src/events-out/events.js';
import { changeRolloutRoute, getRolloutRoute, type ApiRequest } from '../../../src/http/routes.js';
import { afterRolloutRun, rolloutStatus, type RolloutStatusView } from '../../../src/pipeline/rollouts.js';
import { rolloutDeps } from '../../../src/pipeline/services.js';
import { processEvaluationMessage, RetryLaterError } from '../../../src/pipeline/worker.js';
import { baselineOf, snapshotOf } from '../../support/builders.js';
import { fakeServices, type FakeServices } from '../../support/fakes/index.js';

const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
const ROLLOUT = 'mi-migration';
const STEP = 'managed-identity:enable-managed-identity';
const START = new Date('2026-01-15T12:00:00Z'); // a Thursday, outside the 02:00-06:00 UTC windows
/** Every cluster's window: daily 02:00 UTC for 4 hours (aksManagedAutoUpgradeSchedule). */
const WINDOW = {
  name: 'aksManagedAutoUpgradeSchedule',
  properties: { maintenanceWindow: { schedule: { daily: { intervalDays: 1 } }, durationHours: 4, utcOffset: '+00:00', startTime: '02:00', startDate: '2026-01-01' } },
};
const WINDOW_CONFIG = parseMaintenanceConfig(WINDOW);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function clusterId(i: number): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-${Math.floor(i / 50)}/providers/Microsoft.ContainerService/managedClusters/aks-${String(i).padStart(3, '0')}`;
}

/** 10 canary clusters, 60 early ones, 130 for the remaining wave. */
function ringOf(i: number): string | undefined {
  return i < 10 ? 'canary' : i < 70 ? 'early' : undefined;
}

const baseline = baselineOf({
  rules: { managedIdentity: { mode: 'approval' } },
  rollouts: [
    {
      name: ROLLOUT,
      actions: ['enable-managed-identity'],
      waves: [
        { name: 'canary', match: { tags: { ring: 'canary' } } },
        { name: 'early', match: { tags: { ring: 'early' } } },
      ],
      maxConcurrent: 20,
      maxFailures: 3,
      respectMaintenanceWindow: true,
      allowWithoutWindow: false,
      stepMinutes: 60,
    },
  ],
});

/** Failing on purpose: the first four clusters of the early wave. */
const FAILING = new Set([10, 11, 12, 13].map((i) => clusterId(i).toLowerCase()));

interface World {
  services: FakeServices;
  /** Every ARM write accepted or refused, in order, with the simulated time. */
  writes: { clusterId: string; at: Date; failed: boolean }[];
  events: ComplianceCloudEvent[];
  /** Messages waiting, with the time they become visible. */
  waiting: { item: unknown; visibleAt: number }[];
  /** The most members Running at once in one wave. */
  maxRunning: number;
  /** The last blockedBy of the governed step, per cluster. */
  blocked: Map<string, unknown>;
}

function world(): World {
  const services = fakeServices({ baseline, now: START });
  const writes: World['writes'] = [];
  const events: ComplianceCloudEvent[] = [];
  services.publishEvents = async (published) => {
    events.push(...published);
  };
  for (let i = 0; i < 200; i++) {
    const ring = ringOf(i);
    const snapshot = snapshotOf({ id: clusterId(i), identityType: null, spClientId: `sp-${i}`, tags: ring ? { ring, team: 'payments' } : { team: 'payments' } });
    services.arm.put(snapshot);
    services.arm.maintenance.set(clusterId(i).toLowerCase(), [WINDOW]);
  }
  services.arm.answer = (step) => {
    const id = step.change.path.toLowerCase();
    const failed = FAILING.has(id);
    writes.push({ clusterId: id, at: services.clock(), failed });
    return failed ? { status: 'failed', failure: { kind: 'permanent', code: 'LinkedAuthorizationFailed', message: `${step.change.path}: LinkedAuthorizationFailed (HTTP 403)`, statusCode: 403 } } : 'accept';
  };
  const w: World = { services, writes, events, waiting: [], maxRunning: 0, blocked: new Map() };
  const put = services.store.putMember.bind(services.store);
  services.store.putMember = async (rolloutId, member) => {
    await put(rolloutId, member);
    const running = (await services.store.listMembers(rolloutId)).filter((m) => m.wave === member.wave && m.status === 'Running').length;
    w.maxRunning = Math.max(w.maxRunning, running);
  };
  return w;
}

/** Runs the queue until nothing is left, moving the clock to the next visible message when none is visible now. */
async function drain(w: World, until?: () => boolean): Promise<void> {
  const { services } = w;
  for (let guard = 0; guard < 20_000; guard++) {
    const now = services.clock().getTime();
    for (const queued of services.queue.take()) w.waiting.push({ item: queued.item, visibleAt: now + queued.delaySeconds * 1000 });
    if (until?.()) return;
    const index = w.waiting.findIndex((entry) => entry.visibleAt <= now);
    if (index < 0) {
      if (w.waiting.length === 0) return;
      const next = Math.min(...w.waiting.map((entry) => entry.visibleAt));
      services.advance(next - now);
      continue;
    }
    const [entry] = w.waiting.splice(index, 1);
    try {
      const outcome = await processEvaluationMessage(services, entry?.item, { invocationId: `inv-${guard}`, log: silent });
      if (outcome.kind === 'evaluated') {
        const report = outcome.run.steps.find((step) => step.step.id === STEP);
        if (report?.blockedBy) w.blocked.set(outcome.run.clusterId, report.blockedBy);
      }
    } catch (error) {
      if (!(error instanceof RetryLaterError)) throw error;
      w.waiting.push({ item: entry?.item, visibleAt: now + 1000 });
    }
  }
  throw new Error('the queue did not drain');
}

function request(path: { rolloutId: string }, body?: unknown): ApiRequest {
  return { params: path, query: new URLSearchParams(), bodyText: body === undefined ? undefined : JSON.stringify(body), principalHeader: null, requestId: 'req-1', log: silent };
}

async function status(w: World): Promise<RolloutStatusView> {
  return rolloutStatus({ store: w.services.store, baseline }, ROLLOUT, w.services.clock());
}

function sweep(w: World): Promise<void> {
  return Promise.all(
    Array.from({ length: 200 }, (_, i) => w.services.queue.enqueue({ clusterId: clusterId(i), cause: { kind: 'sweep', id: 'sweep-1' }, enqueuedAt: START.toISOString() })),
  ).then(() => undefined);
}

const typesOf = (events: readonly ComplianceCloudEvent[]) => events.map((event) => `${event.type.replace('AksBaselineGuard.', '')}:${(event.data as { wave?: { name: string } }).wave?.name ?? ''}`);

describe('a rollout of enable-managed-identity across 200 clusters in three waves', () => {
  test('waits for each wave, starts only inside windows, halts at the failure budget, resumes when a person says so, and completes', async () => {
    const w = world();

    // A sweep finds every cluster: each joins its wave, and the first wave waits for approval. Nothing is written.
    await sweep(w);
    await drain(w);
    let view = await status(w);
    expect(view.waves.map((wave) => [wave.name, wave.clusters, wave.pending])).toStrictEqual([
      ['canary', 10, 10],
      ['early', 60, 60],
      ['remaining', 130, 130],
    ]);
    expect(view.waves[0]?.awaitingApproval).toBe(true);
    expect(w.writes).toHaveLength(0);
    expect(typesOf(w.events)).toStrictEqual(['RolloutWaveReady:canary']);

    // The canary wave is approved once, over HTTP; the approver is recorded. Its clusters wait for their window.
    const approved = await changeRolloutRoute(w.services, request({ rolloutId: ROLLOUT }), 'approve');
    expect(approved.status).toBe(200);
    expect(approved.jsonBody).toMatchObject({ approved: { wave: 'canary', index: 0, by: 'function-key' } });
    await drain(w, () => w.services.clock().getTime() > START.getTime());
    expect(w.writes).toHaveLength(0);
    expect(w.services.clock().toISOString()).toBe('2026-01-16T02:00:00.000Z');
    expect(w.blocked.get(clusterId(0))).toStrictEqual({
      reason: 'OutsideMaintenanceWindow',
      nextWindowStart: '2026-01-16T02:00:00.000Z',
      message: expect.stringContaining('No maintenance window is open at 2026-01-15T12:00:00.000Z'),
    });
    await drain(w);
    view = await status(w);
    expect(view.waves[0]).toMatchObject({ complete: true, succeeded: 10, approvedBy: 'function-key' });
    expect(view.waves[1]).toMatchObject({ awaitingApproval: true, pending: 60 });
    expect(w.writes.filter((write) => !FAILING.has(write.clusterId))).toHaveLength(10);
    expect(typesOf(w.events)).toStrictEqual(['RolloutWaveReady:canary', 'RolloutWaveCompleted:canary', 'RolloutWaveReady:early']);

    // The early wave: four clusters fail, one more than maxFailures allows. The rollout halts; nothing new starts.
    await changeRolloutRoute(w.services, request({ rolloutId: ROLLOUT }), 'approve');
    await drain(w);
    view = await status(w);
    expect(view.status).toBe('Halted');
    expect(view.halt).toMatchObject({ by: 'failure-budget' });
    expect(view.failures).toBe(4);
    const halted = w.events.filter((event) => event.type === EVENT_TYPES.rolloutHalted);
    expect(halted).toHaveLength(1);
    expect(halted[0]?.data).toMatchObject({ rolloutId: ROLLOUT, by: 'failure-budget', failures: 4, budget: 3 });
    const writesAtHalt = w.writes.length;
    const startedEarly = view.waves[1]?.running ?? 0;
    expect((view.waves[1]?.pending ?? 0) + (view.waves[1]?.succeeded ?? 0) + startedEarly + 4).toBe(60);
    expect(view.waves[1]?.pending).toBeGreaterThan(0);
    // Days pass: still nothing new starts while halted.
    for (let i = 0; i < 60; i++) await w.services.queue.enqueue({ clusterId: clusterId(10 + i), cause: { kind: 'sweep', id: 'sweep-2' }, enqueuedAt: START.toISOString() });
    w.services.advance(2 * 24 * 60 * 60 * 1000);
    await drain(w);
    expect(w.writes).toHaveLength(writesAtHalt);
    const getView = await getRolloutRoute(w.services, request({ rolloutId: ROLLOUT }));
    expect(getView.jsonBody).toMatchObject({ status: 'Halted' });

    // A person resumes it: recorded, the failures so far no longer count, and the early wave finishes.
    const resumed = await changeRolloutRoute(w.services, request({ rolloutId: ROLLOUT }), 'resume');
    expect(resumed.status).toBe(200);
    expect(resumed.jsonBody).toMatchObject({ status: 'Running', resume: { by: 'function-key', failuresBefore: 4 } });
    await drain(w);
    view = await status(w);
    expect(view.waves[1]).toMatchObject({ complete: true, succeeded: 56, failed: 4 });
    expect(view.waves[2]).toMatchObject({ awaitingApproval: true, pending: 130 });

    // The last wave.
    await changeRolloutRoute(w.services, request({ rolloutId: ROLLOUT }), 'approve');
    await drain(w);
    view = await status(w);
    expect(view.waves.map((wave) => [wave.name, wave.succeeded, wave.failed, wave.complete])).toStrictEqual([
      ['canary', 10, 0, true],
      ['early', 56, 4, true],
      ['remaining', 130, 0, true],
    ]);
    expect(typesOf(w.events)).toStrictEqual([
      'RolloutWaveReady:canary',
      'RolloutWaveCompleted:canary',
      'RolloutWaveReady:early',
      'RolloutHalted:',
      'RolloutWaveCompleted:early',
      'RolloutWaveReady:remaining',
      'RolloutWaveCompleted:remaining',
    ]);

    // Every write started inside a window with at least the step's 60 minutes left, and every wave's writes came
    // after the wave before it had finished.
    for (const write of w.writes) {
      const open = windowAt(WINDOW_CONFIG, write.at);
      expect(open).toBeDefined();
      expect(Date.parse(open?.end ?? '') - write.at.getTime()).toBeGreaterThanOrEqual(60 * 60 * 1000);
    }
    const succeeded = new Set(w.writes.filter((write) => !write.failed).map((write) => write.clusterId));
    expect(succeeded.size).toBe(196);
    // No more than maxConcurrent (20) clusters of a wave ran at once, and the limit was reached.
    expect(w.maxRunning).toBe(20);
  });
});

describe('a cluster of a rollout', () => {
  const now = new Date('2026-01-16T02:00:00Z');
  const id = clusterId(0);
  const setup = async () => {
    const services = fakeServices({ baseline, now });
    const deps = rolloutDeps(services);
    await services.store.createRollout({ rolloutId: ROLLOUT, status: 'Running', createdAt: now.toISOString(), waves: [{ name: 'canary' }, { name: 'early' }, { name: 'remaining' }] });
    await services.store.putMember(ROLLOUT, { clusterId: id, wave: 0, status: 'Running', slot: 0, registeredAt: now.toISOString(), startedAt: now.toISOString() });
    await services.store.claimSlot(ROLLOUT, 0, 20, id);
    return { services, deps };
  };

  test('is not Succeeded while AKS still runs the operation, though the cluster already shows the new settings', async () => {
    const { services, deps } = await setup();
    await afterRolloutRun(deps, { clusterId: id, settled: false, plan: [], steps: [] }, now);
    expect(await services.store.getMember(ROLLOUT, id)).toMatchObject({ status: 'Running', slot: 0 });

    await afterRolloutRun(deps, { clusterId: id, settled: true, plan: [], steps: [] }, now);
    const member = await services.store.getMember(ROLLOUT, id);
    expect(member).toMatchObject({ status: 'Succeeded', finishedAt: now.toISOString() });
    expect(member).not.toHaveProperty('slot');
    expect(await services.store.claimSlot(ROLLOUT, 0, 1, clusterId(1))).toBe(0);
  });

  test('waiting for its window is not offered a freed slot before the window opens', async () => {
    const { services, deps } = await setup();
    await services.store.updateRollout(ROLLOUT, (record) => ({ ...record, waves: record.waves.map((wave, i) => (i === 0 ? { ...wave, approvedAt: now.toISOString(), approvedBy: 'ops' } : wave)) }));
    await services.store.putMember(ROLLOUT, { clusterId: clusterId(1), wave: 0, status: 'Pending', registeredAt: now.toISOString(), notBefore: '2026-01-17T02:00:00.000Z' });
    await services.store.putMember(ROLLOUT, { clusterId: clusterId(2), wave: 0, status: 'Pending', registeredAt: now.toISOString() });

    await afterRolloutRun(deps, { clusterId: id, settled: true, plan: [], steps: [] }, now);

    expect(services.queue.items.map((queued) => queued.item.clusterId)).toStrictEqual([clusterId(2)]);
  });
});
