// The queue worker: one message through the real evaluateCluster function on in-memory ports (scope, lease, the
// pipeline, a continuation, a retry), the path it takes through the code, and continuationOf, the work item a
// worker enqueues to evaluate a cluster again once a started write has had time.
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import azureFunctions from '@azure/functions';
import { resetServices, useServices } from '../../../src/container.js';
import { evaluateCluster } from '../../../src/functions/evaluateCluster.js';
import { LanePriority } from '../../../src/pipeline/lane-priority.js';
import { continuationOf, processEvaluationMessage, RetryLaterError } from '../../../src/pipeline/worker.js';
import type { EvaluationWorkItem } from '../../../src/ports.js';
import { ALL_IDENTITY_RULES, baselineOf, CLUSTER_ID, FLUX, FLUX_OK, snapshotOf, SUBSCRIPTION } from '../../support/builders.js';
import { fakeServices } from '../../support/fakes/index.js';
import { REPO_ROOT } from '../../support/paths.js';

const NOW = new Date('2026-01-15T12:00:25.000Z');

const ITEM: EvaluationWorkItem = {
  clusterId: CLUSTER_ID,
  cause: { kind: 'http', id: 'req-1', correlationId: 'corr-1', caller: 'Ops Engineer (9f0c1d2e)' },
  enqueuedAt: '2026-01-15T12:00:00.000Z',
  approvals: ['managed-identity:enable-managed-identity'],
  attempt: 2,
};

describe('continuationOf', () => {
  test('continues the same cluster with the cause kept but marked continuation, enqueued now, one attempt further', () => {
    const next = continuationOf(ITEM, NOW);

    expect(next).toStrictEqual({
      clusterId: CLUSTER_ID,
      cause: { kind: 'continuation', id: 'req-1', correlationId: 'corr-1', caller: 'Ops Engineer (9f0c1d2e)' },
      enqueuedAt: '2026-01-15T12:00:25.000Z',
      approvals: ['managed-identity:enable-managed-identity'],
      attempt: 3,
    });
  });

  test('counts the first continuation as attempt 1 when the item has no attempt yet', () => {
    const { attempt: _attempt, ...first } = ITEM;

    expect(continuationOf(first, NOW).attempt).toBe(1);
    expect(continuationOf({ ...ITEM, attempt: 0 }, NOW).attempt).toBe(1);
  });

  test('keeps approvals as a copy, so the chain carries them without sharing the list', () => {
    const next = continuationOf(ITEM, NOW);

    expect(next.approvals).toStrictEqual(ITEM.approvals);
    expect(next.approvals).not.toBe(ITEM.approvals);
  });

  test('leaves approvals out when there are none', () => {
    const { approvals: _approvals, ...withoutApprovals } = ITEM;

    expect(continuationOf(withoutApprovals, NOW)).not.toHaveProperty('approvals');
    expect(continuationOf({ ...ITEM, approvals: [] }, NOW)).not.toHaveProperty('approvals');
  });

  test('does not change the item it continues', () => {
    const before = structuredClone(ITEM);

    continuationOf(ITEM, NOW);

    expect(ITEM).toStrictEqual(before);
  });

  test('a continuation of a continuation stays a continuation of the original cause', () => {
    const second = continuationOf(continuationOf(ITEM, NOW), new Date('2026-01-15T12:00:50.000Z'));

    expect(second).toMatchObject({ cause: { kind: 'continuation', id: 'req-1', correlationId: 'corr-1' }, enqueuedAt: '2026-01-15T12:00:50.000Z', attempt: 4 });
  });
});

const BASELINE = baselineOf({ rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries += 1) {
    if (tries > 200) throw new Error('waitFor: the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function message(cause: EvaluationWorkItem['cause'] = { kind: 'event', id: 'event-1' }): EvaluationWorkItem {
  return { clusterId: CLUSTER_ID, cause, enqueuedAt: '2026-01-15T11:59:59.000Z' };
}

/** The files of src/ a stack passes through, outermost first, each run of frames in one file counted once. */
function srcFilesOf(stack: string): string[] {
  const files = [...stack.matchAll(/\(?(?:file:\/\/)?([^\s()]+\.ts):\d+:\d+\)?/g)]
    .map((match) => path.relative(REPO_ROOT, match[1] as string).split(path.sep).join('/'))
    .filter((file) => file.startsWith('src/'))
    .reverse();
  return files.filter((file, index) => file !== files[index - 1]);
}

describe('processEvaluationMessage', () => {
  afterEach(() => resetServices());

  test('follows one queue message from evaluateCluster to the ARM write and the state row through each file at most once', async () => {
    // Prepare: a cluster with one auto fix; the fakes note the stack at the write and at the state row
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ workloadIdentity: false }, [FLUX_OK])] });
    const stacks: Record<string, string[]> = {};
    const { arm, store } = services;
    const startStep = arm.startStep.bind(arm);
    arm.startStep = (step, context) => {
      stacks['write'] = srcFilesOf(new Error('write').stack ?? '');
      return startStep(step, context);
    };
    const recordEvaluation = store.recordEvaluation.bind(store);
    store.recordEvaluation = (...args) => {
      stacks['state'] = srcFilesOf(new Error('state').stack ?? '');
      return recordEvaluation(...args);
    };
    useServices(services);
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;

    // Act
    let outcome;
    try {
      outcome = await evaluateCluster(message(), new azureFunctions.InvocationContext({ invocationId: 'invocation-1', functionName: 'evaluateCluster', logHandler: () => undefined }));
    } finally {
      Error.stackTraceLimit = limit;
    }

    // Assess: down through the function, the worker and the pipeline, and no file entered twice on the way
    const path = ['src/functions/evaluateCluster.ts', 'src/pipeline/worker.ts', 'src/pipeline/evaluation.ts'];
    expect(outcome).toMatchObject({ kind: 'evaluated', continued: true });
    expect(stacks['write']).toStrictEqual(path);
    expect(stacks['state']).toStrictEqual(path);
  });

  test('runs the pipeline under the lease taken from the pending mark, then enqueues a continuation to confirm the write it started', async () => {
    // Prepare: the intake marked the cluster pending and enqueued the message under the mark
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ workloadIdentity: false }, [FLUX_OK])] });
    const claim = await services.store.claimChange(CLUSTER_ID, { id: 'event-1', time: '2026-01-15T11:59:59.000Z' }, services.clock());
    if (claim.outcome !== 'first') throw new Error(`the first event was ${claim.outcome}`);

    // Act
    const outcome = await processEvaluationMessage(services, { ...message(), pendingEtag: claim.pending.etag }, { invocationId: 'invocation-1', log: quiet });

    // Assess
    expect(outcome).toMatchObject({ kind: 'evaluated', continued: true, followedUp: false, run: { status: 'NonCompliant' } });
    expect(services.arm.writes).toHaveLength(1);
    // The mark became the lease, and the lease is released.
    expect(services.store.leases.size).toBe(0);
    expect(services.queue.take()).toStrictEqual([
      { item: { clusterId: CLUSTER_ID, cause: { kind: 'continuation', id: 'event-1' }, enqueuedAt: services.clock().toISOString(), attempt: 1 }, delaySeconds: 25 },
    ]);
    expect(services.telemetry.metrics.map((metric) => [metric.name, metric.value])).toStrictEqual([['EventToRecordLatencyMs', 1000]]);
  });

  describe('reads beside the lease: a fresh event under its pending mark', () => {
    async function markedEvent(cluster = snapshotOf({}, [FLUX_OK])) {
      const services = fakeServices({ baseline: BASELINE, clusters: [cluster] });
      const claim = await services.store.claimChange(CLUSTER_ID, { id: 'event-1', time: services.clock().toISOString() }, services.clock());
      if (claim.outcome !== 'first') throw new Error(`the first event was ${claim.outcome}`);
      const item: EvaluationWorkItem = { clusterId: CLUSTER_ID, cause: { kind: 'event', id: 'event-1' }, enqueuedAt: services.clock().toISOString(), pendingEtag: claim.pending.etag };
      return { services, item };
    }

    test('reads the cluster while the write that takes over the mark is under way, and reads it once', async () => {
      // Prepare: the lease's write waits until told; the read notes when it starts
      const { services, item } = await markedEvent();
      const order: string[] = [];
      let finishLease: () => void = () => undefined;
      const acquireLease = services.store.acquireLease.bind(services.store);
      services.store.acquireLease = async (...args) => {
        order.push('lease sent');
        await new Promise<void>((resolve) => (finishLease = resolve));
        order.push('lease taken');
        return acquireLease(...args);
      };
      const readCluster = services.arm.readCluster.bind(services.arm);
      services.arm.readCluster = (clusterId) => {
        order.push('read');
        return readCluster(clusterId);
      };

      // Act
      const running = processEvaluationMessage(services, item, { invocationId: 'invocation-1', log: quiet, lane: 'events' });
      await waitFor(() => order.includes('read') && order.includes('lease sent'));
      finishLease();
      const outcome = await running;

      // Assess
      expect(order).toStrictEqual(['read', 'lease sent', 'lease taken']);
      expect(outcome).toMatchObject({ kind: 'evaluated', run: { status: 'Compliant' } });
      expect(services.arm.reads.get(CLUSTER_ID.toLowerCase())).toBe(1);
      expect(services.store.leases.size).toBe(0);
    });

    test('reads again under the lease when another evaluation took the mark and ended in between, and records what that read saw', async () => {
      // Prepare: the early read sees a cluster without workload identity; then a sweep evaluation takes the mark,
      // fixes it and ends before this message's lease is taken
      const { services, item } = await markedEvent(snapshotOf({ workloadIdentity: false }, [FLUX_OK]));
      const acquireLease = services.store.acquireLease.bind(services.store);
      services.store.acquireLease = async (clusterId, owner, ttlMs, now, pending) => {
        if (owner === 'invocation-1') {
          const sweep = await acquireLease(clusterId, 'sweep-worker', ttlMs, now);
          services.arm.put(snapshotOf({}, [FLUX_OK]));
          if (sweep) await services.store.releaseLease(sweep);
        }
        return acquireLease(clusterId, owner, ttlMs, now, pending);
      };

      // Act
      const outcome = await processEvaluationMessage(services, item, { invocationId: 'invocation-1', log: quiet, lane: 'events' });

      // Assess: two reads; the second (under the lease) decided: compliant, nothing written
      expect(services.arm.reads.get(CLUSTER_ID.toLowerCase())).toBe(2);
      expect(outcome).toMatchObject({ kind: 'evaluated', run: { status: 'Compliant' } });
      expect(services.arm.writes).toHaveLength(0);
    });

    test('a sweep message, which carries no mark, reads only under its lease', async () => {
      const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({}, [FLUX_OK])] });
      const order: string[] = [];
      const acquireLease = services.store.acquireLease.bind(services.store);
      services.store.acquireLease = async (...args) => {
        const lease = await acquireLease(...args);
        order.push('lease taken');
        return lease;
      };
      const readCluster = services.arm.readCluster.bind(services.arm);
      services.arm.readCluster = (clusterId) => {
        order.push('read');
        return readCluster(clusterId);
      };

      await processEvaluationMessage(services, message({ kind: 'sweep', id: 'sweep-1' }), { invocationId: 'invocation-1', log: quiet });

      expect(order).toStrictEqual(['lease taken', 'read']);
    });
  });

  describe('the trailing edge: events that join while the evaluation runs', () => {
    /** Runs one event-lane message for a compliant cluster while `during` delivers more events (at the read). */
    async function evaluateWhile(during: (services: ReturnType<typeof fakeServices>) => Promise<void>, cluster = snapshotOf({}, [FLUX_OK])) {
      const services = fakeServices({ baseline: BASELINE, clusters: [cluster], settings: { COALESCE_WINDOW_SECONDS: '3' } });
      const claim = await services.store.claimChange(CLUSTER_ID, { id: 'event-1', time: '2026-01-15T11:59:59.000Z' }, services.clock());
      if (claim.outcome !== 'first') throw new Error(`the first event was ${claim.outcome}`);
      const readCluster = services.arm.readCluster.bind(services.arm);
      services.arm.readCluster = async (clusterId) => {
        await during(services);
        return readCluster(clusterId);
      };
      const outcome = await processEvaluationMessage(services, { ...message(), pendingEtag: claim.pending.etag }, { invocationId: 'invocation-1', log: quiet, lane: 'events' });
      return { services, outcome };
    }
    const join = (services: ReturnType<typeof fakeServices>, id: string, secondsFromNow: number) =>
      services.store.claimChange(CLUSTER_ID, { id, time: new Date(services.clock().getTime() + secondsFromNow * 1000).toISOString() }, services.clock());

    test('evaluates again, once, after COALESCE_WINDOW_SECONDS and under a pending mark, when the newest event may postdate the read', async () => {
      // Act: two events join during the read, one from before it and one from after it
      const { services, outcome } = await evaluateWhile(async (s) => {
        expect((await join(s, 'event-2', -30)).outcome).toBe('joined');
        expect((await join(s, 'event-3', 2)).outcome).toBe('joined');
      });

      // Assess: one follow-up, for the newest event, on the events lane, delayed by the window
      expect(outcome).toMatchObject({ kind: 'evaluated', continued: false, followedUp: true });
      const [followUp, ...more] = services.eventQueue.take();
      expect(more).toStrictEqual([]);
      expect(followUp).toMatchObject({ item: { clusterId: CLUSTER_ID, cause: { kind: 'event', id: 'event-3' }, enqueuedAt: '2026-01-15T12:00:02.000Z' }, delaySeconds: 3 });
      // The lease became the pending mark the follow-up carries: a later event joins it instead of enqueueing.
      expect(services.store.leases.get(CLUSTER_ID.toLowerCase())).toMatchObject({ state: 'pending', etag: followUp?.item.pendingEtag });
      expect((await join(services, 'event-4', 5)).outcome).toBe('joined');
    });

    test('does not evaluate again when every event that joined happened before the read (a late delivery)', async () => {
      // Act
      const { services, outcome } = await evaluateWhile(async (s) => {
        await join(s, 'event-2', -5);
        await join(s, 'event-3', -2);
      });

      // Assess
      expect(outcome).toMatchObject({ kind: 'evaluated', followedUp: false });
      expect(services.eventQueue.take()).toStrictEqual([]);
      expect(services.store.leases.size).toBe(0);
    });

    test('leaves events that join a run which continues anyway to that continuation', async () => {
      // Act: the run starts a write, so a continuation reads again
      const { services, outcome } = await evaluateWhile(async (s) => {
        await join(s, 'event-2', 2);
      }, snapshotOf({ workloadIdentity: false }, [FLUX_OK]));

      // Assess: the continuation, on the events lane it came from, and nothing else
      expect(outcome).toMatchObject({ kind: 'evaluated', continued: true, followedUp: false });
      expect(services.eventQueue.take().map((queued) => queued.item.cause.kind)).toStrictEqual(['continuation']);
      expect(services.store.leases.size).toBe(0);
    });

    test('the duplicate of an event is dropped, and the first event of an idle cluster starts an evaluation again', async () => {
      // Prepare: a finished evaluation
      const { services } = await evaluateWhile(async () => undefined);

      // Act
      const again = await services.store.claimChange(CLUSTER_ID, { id: 'event-1', time: '2026-01-15T11:59:59.000Z' }, services.clock());
      const next = await join(services, 'event-9', 1);

      // Assess
      expect(again.outcome).toBe('duplicate');
      expect(next.outcome).toBe('first');
    });
  });

  describe('the leading edge of a storm delivered slowly: a change a later read already saw', () => {
    /** An event-lane message under a fresh pending mark, for a change made at `changedAt`. */
    async function deliver(services: ReturnType<typeof fakeServices>, id: string, changedAt: string) {
      const claim = await services.store.claimChange(CLUSTER_ID, { id, time: changedAt }, services.clock());
      if (claim.outcome !== 'first') throw new Error(`${id} was ${claim.outcome}`);
      const item: EvaluationWorkItem = { clusterId: CLUSTER_ID, cause: { kind: 'event', id }, enqueuedAt: changedAt, pendingEtag: claim.pending.etag };
      return processEvaluationMessage(services, item, { invocationId: `invocation-${id}`, log: quiet, lane: 'events' });
    }

    test('is not read again when the recorded read began after the change, and the lease is released', async () => {
      // Prepare: a storm's first event is evaluated at 12:00:00 (a read of the cluster, recorded)
      const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({}, [FLUX_OK])] });
      expect(await deliver(services, 'event-1', '2026-01-15T11:59:50.000Z')).toMatchObject({ kind: 'evaluated' });

      // Act: a minute later another event of the same storm arrives, its change made before that read
      services.advance(60_000);
      const outcome = await deliver(services, 'event-2', '2026-01-15T11:59:55.000Z');

      // Assess: covered by the 12:00:00 read, one ARM read in all, nothing enqueued, no lease left
      expect(outcome).toStrictEqual({ kind: 'covered', clusterId: CLUSTER_ID, readAt: '2026-01-15T12:00:00.000Z' });
      expect(services.arm.reads.get(CLUSTER_ID.toLowerCase())).toBe(1);
      expect(services.eventQueue.take()).toStrictEqual([]);
      expect(services.store.leases.size).toBe(0);
    });

    test('is read again when the recorded run may have left writes to confirm (its record says remediations are open)', async () => {
      // Prepare: flux is missing, so the 12:00:00 evaluation records the drift and starts an install before writing it
      const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({}, [])] });
      expect(await deliver(services, 'event-1', '2026-01-15T11:59:50.000Z')).toMatchObject({ kind: 'evaluated' });
      expect((await services.store.readBasis(CLUSTER_ID)).remediationsOpen).toBe(true);
      services.advance(60_000);

      // Act: a change made before that read, delivered a minute later
      const outcome = await deliver(services, 'event-2', '2026-01-15T11:59:55.000Z');

      // Assess: read again (that run may have died after its write), not covered
      expect(outcome).toMatchObject({ kind: 'evaluated' });
      expect(services.arm.reads.get(CLUSTER_ID.toLowerCase())).toBe(2);
    });

    test('is read again when its change may postdate the recorded read (within the clock margin, or after it)', async () => {
      // Prepare
      const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({}, [FLUX_OK])] });
      await deliver(services, 'event-1', '2026-01-15T11:59:50.000Z');
      services.advance(60_000);

      // Act: a change 0.5 s before the read (inside the 1 s margin), read at 12:01:00; then one after that read
      const close = await deliver(services, 'event-2', '2026-01-15T11:59:59.500Z');
      services.advance(60_000);
      const later = await deliver(services, 'event-3', '2026-01-15T12:01:30.000Z');

      // Assess
      expect([close.kind, later.kind]).toStrictEqual(['evaluated', 'evaluated']);
      expect(services.arm.reads.get(CLUSTER_ID.toLowerCase())).toBe(3);
    });
  });

  test('on an instance with both lanes, an event evaluation runs at once while sweep evaluations start one at a time', async () => {
    // Prepare: four clusters; each ARM read hangs until the test lets it go
    const ids = ['c1', 'c2', 'c3', 'c4'].map((name) => CLUSTER_ID.replace(/c1$/, name));
    const services = { ...fakeServices({ baseline: BASELINE, clusters: ids.map((id) => snapshotOf({ id }, [{ ...FLUX_OK, clusterId: id }])) }), lanes: new LanePriority({ sweepSlotsWhileEventsBusy: 1, eventsQuietAfterMs: 0 }) };
    const readCluster = services.arm.readCluster.bind(services.arm);
    const held = new Map<string, () => void>();
    services.arm.readCluster = async (clusterId) => {
      await new Promise<void>((resolve) => held.set(clusterId, resolve));
      return readCluster(clusterId);
    };
    const letRead = async (id: string): Promise<void> => {
      await waitFor(() => held.has(id));
      held.get(id)!();
    };
    const invocation = (lane: 'events' | 'evaluations', id: string) => ({ invocationId: id, log: quiet, lane });
    const item = (clusterId: string, cause: EvaluationWorkItem['cause']): EvaluationWorkItem => ({ ...message(cause), clusterId });

    // Act: an event on c1, then sweep messages for c2, c3 and c4
    const event = processEvaluationMessage(services, item(ids[0]!, { kind: 'event', id: 'event-1' }), invocation('events', 'event'));
    const sweeps = ids.slice(1).map((id, n) => processEvaluationMessage(services, item(id, { kind: 'sweep', id: `sweep-${n}` }), invocation('evaluations', `sweep-${n}`)));
    await waitFor(() => held.size === 2);

    // Assess: the event reads, one sweep evaluation reads beside it, and two wait
    expect([...held.keys()]).toStrictEqual([ids[0], ids[1]]);
    expect(services.lanes.sweepLoad).toStrictEqual({ running: 1, waiting: 2 });
    await letRead(ids[1]!);
    await waitFor(() => held.has(ids[2]!));
    expect(services.lanes.sweepLoad).toStrictEqual({ running: 1, waiting: 1 });
    // The event ends: the lane is quiet, and the last sweep evaluation starts beside the running one.
    await letRead(ids[0]!);
    await expect(event).resolves.toMatchObject({ kind: 'evaluated' });
    await waitFor(() => held.has(ids[3]!));
    expect(services.lanes.sweepLoad).toStrictEqual({ running: 2, waiting: 0 });
    await letRead(ids[2]!);
    await letRead(ids[3]!);
    expect((await Promise.all(sweeps)).map((outcome) => outcome.kind)).toStrictEqual(['evaluated', 'evaluated', 'evaluated']);
  });

  test('puts the message back when another worker holds the lease, and does not evaluate', async () => {
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ workloadIdentity: false }, [FLUX_OK])] });
    await services.store.acquireLease(CLUSTER_ID, 'someone-else', 60_000, services.clock());

    const outcome = await processEvaluationMessage(services, message({ kind: 'sweep', id: 'sweep-1' }), { invocationId: 'invocation-1', log: quiet });

    expect(outcome).toStrictEqual({ kind: 'lease-busy', clusterId: CLUSTER_ID });
    expect(services.arm.reads.size).toBe(0);
    expect(services.queue.take().map((queued) => queued.delaySeconds)).toStrictEqual([15]);
  });

  test('leaves a cluster outside TARGET_SUBSCRIPTION_IDS alone', async () => {
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({}, [FLUX_OK])], settings: { TARGET_SUBSCRIPTION_IDS: '11111111-1111-1111-1111-111111111111' } });

    const outcome = await processEvaluationMessage(services, message(), { invocationId: 'invocation-1', log: quiet });

    expect(outcome).toStrictEqual({ kind: 'out-of-scope', clusterId: CLUSTER_ID, reason: `subscription ${SUBSCRIPTION} is not in TARGET_SUBSCRIPTION_IDS` });
    expect(services.arm.reads.size).toBe(0);
  });

  test('throws RetryLaterError after recording, when a write was throttled', async () => {
    // Prepare
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ workloadIdentity: false }, [FLUX_OK])] });
    services.arm.answer = () => ({ status: 'try-later', failure: { kind: 'transient', code: 'Http503', message: `${CLUSTER_ID}: Http503 (HTTP 503): later`, statusCode: 503 } });

    // Act
    const thrown = await processEvaluationMessage(services, message(), { invocationId: 'invocation-1', log: quiet }).catch((error: unknown) => error);

    // Assess
    expect(thrown).toBeInstanceOf(RetryLaterError);
    expect((thrown as RetryLaterError).failure.code).toBe('Http503');
    expect((await services.store.getState(CLUSTER_ID))?.status).toBe('NonCompliant');
    expect(services.queue.take()).toStrictEqual([]);
  });

  test('records a deleted cluster and enqueues nothing', async () => {
    const services = fakeServices({ baseline: BASELINE });

    const outcome = await processEvaluationMessage(services, message(), { invocationId: 'invocation-1', log: quiet });

    expect(outcome).toStrictEqual({ kind: 'deleted', clusterId: CLUSTER_ID });
    expect(services.queue.take()).toStrictEqual([]);
  });
});
