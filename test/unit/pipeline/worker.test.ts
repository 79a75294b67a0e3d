// The queue worker: one message through the real evaluateCluster function on in-memory ports (scope, lease, the
// pipeline, a continuation, a retry), the path it takes through the code, and continuationOf, the work item a
// worker enqueues to evaluate a cluster again once a started write has had time.
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import azureFunctions from '@azure/functions';
import { resetServices, useServices } from '../../../src/container.js';
import { evaluateCluster } from '../../../src/functions/evaluateCluster.js';
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

  test('runs the pipeline under the lease, then enqueues a continuation to confirm the write it started', async () => {
    // Prepare
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ workloadIdentity: false }, [FLUX_OK])] });
    await services.store.claimPendingEvaluation(CLUSTER_ID, 10, services.clock());

    // Act
    const outcome = await processEvaluationMessage(services, message(), { invocationId: 'invocation-1', log: quiet });

    // Assess
    expect(outcome).toMatchObject({ kind: 'evaluated', continued: true, run: { status: 'NonCompliant' } });
    expect(services.arm.writes).toHaveLength(1);
    // The pending mark is cleared and the lease released.
    expect(services.store.pending.size).toBe(0);
    expect(services.store.leases.size).toBe(0);
    expect(services.queue.take()).toStrictEqual([
      { item: { clusterId: CLUSTER_ID, cause: { kind: 'continuation', id: 'event-1' }, enqueuedAt: services.clock().toISOString(), attempt: 1 }, delaySeconds: 25 },
    ]);
    expect(services.telemetry.metrics.map((metric) => [metric.name, metric.value])).toStrictEqual([['EventToRecordLatencyMs', 1000]]);
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
