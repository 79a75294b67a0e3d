// Storage round trips on the hot path, counted on the wire against Azurite: the intake of a new event and the
// worker's read-evaluate-record of a compliant cluster. The bounds are what keeps an isolated change fast (each round
// trip is milliseconds against Azure Storage), so a change that adds a call to these paths fails here. ARM is the
// in-memory fake: only storage is counted.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startAzurite, type Azurite } from '../../../dev/azurite.js';
import { createStorageClients } from '../../../src/azure/storage/clients.js';
import { loadConfig } from '../../../src/config.js';
import { createServices, type AppServices } from '../../../src/container.js';
import { takeResourceEvent } from '../../../src/pipeline/intake.js';
import { processEvaluationMessage } from '../../../src/pipeline/worker.js';
import type { EvaluationWorkItem, WorkQueue } from '../../../src/ports.js';
import { ALL_IDENTITY_RULES, baselineOf, FLUX, FLUX_OK, snapshotOf, SUBSCRIPTION } from '../../support/builders.js';
import { OTHER_IDENTITY } from '../../support/driver.js';
import { clusterWriteEvent } from '../../support/events.js';
import { FakeArm } from '../../support/fakes/index.js';
import { StorageRequestCounter, type StorageRequest } from '../../support/storage-requests.js';
import { RecordingTelemetry } from '../../support/telemetry.js';

const START_TIMEOUT = 60_000;
const BASELINE = baselineOf({ rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A compliant cluster of its own per test, so no test sees another's rows. */
function compliantCluster(arm: FakeArm, name: string): string {
  const id = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/${name}`;
  const snapshot = snapshotOf({ id }, [{ ...FLUX_OK, clusterId: id }]);
  arm.put(snapshot);
  return snapshot.id;
}

function sweepItem(clusterId: string): EvaluationWorkItem {
  return { clusterId, cause: { kind: 'sweep', id: `sweep-${Math.random()}` }, enqueuedAt: new Date().toISOString() };
}

/** Passes when there were at most `bound` requests; on failure the diff lists every request made. */
function expectAtMost(requests: StorageRequest[], bound: number): void {
  expect(requests.length <= bound ? [] : requests.map((request) => `${request.service} ${request.request}`)).toStrictEqual([]);
}

describe('storage round trips on the hot path', () => {
  let azurite: Azurite;
  let services: AppServices;
  let arm: FakeArm;
  let counter: StorageRequestCounter;
  /** What the intake enqueued, as the worker will receive it. */
  const enqueued: EvaluationWorkItem[] = [];

  beforeAll(async () => {
    azurite = await startAzurite();
    const settings = { AzureWebJobsStorage: azurite.connectionString, TARGET_SUBSCRIPTION_IDS: SUBSCRIPTION };
    const built = await createServices(loadConfig(settings), { env: settings, storageClients: createStorageClients(loadConfig(settings).storage), telemetry: new RecordingTelemetry(), baseline: BASELINE });
    arm = new FakeArm();
    const noting = (queue: WorkQueue): WorkQueue => ({
      enqueue: async (item, options) => {
        await queue.enqueue(item, options);
        enqueued.push(item);
      },
      enqueueMany: (items, options) => queue.enqueueMany(items, options),
    });
    services = { ...built, reader: arm, writer: arm, queue: noting(built.queue), eventQueue: noting(built.eventQueue) };
    counter = new StorageRequestCounter(azurite);
  }, START_TIMEOUT);

  afterAll(async () => {
    counter?.stop();
    await azurite?.stop();
  });

  const intake = (event: unknown) => counter.during(() => takeResourceEvent(services, event, quiet));
  const worker = (item: EvaluationWorkItem, lane: 'events' | 'evaluations') =>
    counter.during(() => processEvaluationMessage(services, structuredClone(item), { invocationId: `invocation-${Math.random()}`, log: quiet, lane }));

  test('the intake takes a new event in at most 2 calls, whether it starts an evaluation or joins a pending one', async () => {
    // Prepare
    const clusterId = compliantCluster(arm, 'intake-new');

    // Act: the first event starts an evaluation; a second one, while it is pending, joins it
    const first = await intake(clusterWriteEvent(clusterId, OTHER_IDENTITY));
    const second = await intake(clusterWriteEvent(clusterId, OTHER_IDENTITY));

    // Assess
    expect([first.result.outcome, second.result.outcome]).toStrictEqual(['enqueued', 'coalesced']);
    expectAtMost(first.requests, 2);
    expectAtMost(second.requests, 2);
  });

  test('the intake drops a duplicate delivery in at most 2 calls', async () => {
    // Prepare
    const clusterId = compliantCluster(arm, 'intake-duplicate');
    const event = clusterWriteEvent(clusterId, OTHER_IDENTITY);
    await intake(structuredClone(event));

    // Act
    const again = await intake(structuredClone(event));

    // Assess
    expect(again.result.outcome).toBe('duplicate');
    expectAtMost(again.requests, 2);
  });

  test("the worker evaluates and records an event's compliant cluster in at most 4 calls", async () => {
    // Prepare: the cluster was evaluated before (the steady state: nothing changes), and an event for it was taken in
    const clusterId = compliantCluster(arm, 'worker-event');
    await worker(sweepItem(clusterId), 'evaluations');
    enqueued.length = 0;
    await intake(clusterWriteEvent(clusterId, OTHER_IDENTITY));
    const [item] = enqueued.splice(0);

    // Act
    const { result, requests } = await worker(item as EvaluationWorkItem, 'events');

    // Assess
    expect(result).toMatchObject({ kind: 'evaluated', run: { status: 'Compliant' }, continued: false });
    expectAtMost(requests, 4);
    expect((await services.store.getState(clusterId))?.lastCause.kind).toBe('event');
  });

  test('the worker records a compliant cluster it has never recorded without reading the remediation log (6 calls with its history)', async () => {
    // Prepare: a new cluster's first event
    const clusterId = compliantCluster(arm, 'worker-first-seen');
    enqueued.length = 0;
    await intake(clusterWriteEvent(clusterId, OTHER_IDENTITY));
    const [item] = enqueued.splice(0);

    // Act
    const { result, requests } = await worker(item as EvaluationWorkItem, 'events');

    // Assess: the lease, the state read, the state row, its history rows and the outbox cleared, the release
    expect(result).toMatchObject({ kind: 'evaluated', run: { status: 'Compliant' } });
    expect(requests.filter((request) => request.request.includes('/Remediations'))).toStrictEqual([]);
    expectAtMost(requests, 6);
  });

  test("the worker evaluates and records a sweep's compliant cluster in at most 4 calls", async () => {
    // Prepare: evaluated once before, by an earlier sweep
    const clusterId = compliantCluster(arm, 'worker-sweep');
    await worker(sweepItem(clusterId), 'evaluations');
    enqueued.length = 0;

    // Act
    const { result, requests } = await worker(sweepItem(clusterId), 'evaluations');

    // Assess
    expect(result).toMatchObject({ kind: 'evaluated', run: { status: 'Compliant' }, continued: false });
    expectAtMost(requests, 4);
  });
});
