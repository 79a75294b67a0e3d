// Injected faults: per-route sequences and rates, and a seeded global rate that reproduces.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type GeneratedCluster, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { armRequest, containerService, recordResponses } from '../../support/emulator.js';

describe('fault injection', () => {
  let emulator: RunningEmulator;
  let cluster: GeneratedCluster;

  before(async () => {
    emulator = await startEmulator({ fleet: { clusters: 3, subscriptions: 1, seed: 9, drift: { updating: 0 } }, throttleFactor: 0, lroDurationMs: 20 });
    const first = emulator.fleet?.clusters[0];
    assert.ok(first);
    cluster = first;
  });
  after(() => emulator.stop());

  it('fires a sequence per matching request, and the SDK retries through 500 and 503', async () => {
    emulator.setFaults([
      { route: `GET /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${cluster.name}`, kind: '500', sequence: [true, false] },
      { route: /^GET .*\/managedClusters\/[^/]+$/, kind: '503', sequence: [false, true] },
    ]);
    try {
      const recorder = recordResponses();
      const sdk = containerService(emulator, cluster.subscriptionId, { policies: [recorder.policy], fastRetries: true });
      const got = await sdk.managedClusters.get(cluster.resourceGroup, cluster.name);
      assert.equal(got.name, cluster.name);
      assert.deepEqual(recorder.seen.map((response) => response.status), [500, 503, 200]);
      assert.equal(recorder.seen[1]?.headers['retry-after'], '1');
      const body = await armRequest(emulator, 'GET', `${cluster.id}?api-version=2026-06-01`);
      assert.equal(body.status, 200, 'past the end of its sequence a rule stays quiet');
    } finally {
      emulator.setFaults([]);
    }
  });

  it('resets the connection and the SDK retries', async () => {
    emulator.setFaults([{ route: `GET ${cluster.id}`, kind: 'reset', sequence: [true] }]);
    try {
      await assert.rejects(armRequest(emulator, 'GET', `${cluster.id}?api-version=2026-06-01`), /socket hang up|ECONNRESET/);
      emulator.setFaults([{ route: `GET ${cluster.id}`, kind: 'reset', sequence: [true] }]);
      const recorder = recordResponses();
      const sdk = containerService(emulator, cluster.subscriptionId, { policies: [recorder.policy], fastRetries: true });
      const got = await sdk.managedClusters.get(cluster.resourceGroup, cluster.name);
      assert.equal(got.name, cluster.name);
      assert.deepEqual(recorder.seen.map((response) => response.status), [200], 'the reset attempt produced no response; the retry did');
    } finally {
      emulator.setFaults([]);
    }
  });

  it('holds a slow response for delayMs', async () => {
    emulator.setFaults([{ route: `GET ${cluster.id}`, kind: 'slow', rate: 1, delayMs: 250 }]);
    try {
      const started = Date.now();
      const response = await armRequest(emulator, 'GET', `${cluster.id}?api-version=2026-06-01`);
      assert.equal(response.status, 200);
      assert.ok(Date.now() - started >= 240);
    } finally {
      emulator.setFaults([]);
    }
  });

  it('rejects a rule it cannot apply, naming what is wrong', () => {
    assert.throws(() => emulator.setFaults([{ route: 'GET /x', kind: '500' }]), /needs a rate or a sequence/);
    assert.throws(() => emulator.setFaults([{ route: 'GET /x', kind: '418' as '500', rate: 1 }]), /fault kind '418'/);
    assert.throws(() => emulator.setFaults([{ route: 'nonsense', kind: '500', rate: 1 }]), /must look like/);
  });

  it('reproduces a random fault pattern from the seed', async () => {
    const pattern = async (seed: number): Promise<string[]> => {
      const faulty = await startEmulator({ fleet: { clusters: 1, subscriptions: 1, seed: 1 }, faultRate: 0.5, seed, throttleFactor: 0 });
      try {
        const path = `${faulty.fleet?.clusters[0]?.id ?? ''}?api-version=2026-06-01`;
        const outcomes: string[] = [];
        for (let index = 0; index < 24; index += 1) {
          outcomes.push(await armRequest(faulty, 'GET', path).then((response) => String(response.status), () => 'reset'));
        }
        return outcomes;
      } finally {
        await faulty.stop();
      }
    };
    const first = await pattern(42);
    assert.deepEqual(await pattern(42), first);
    assert.notDeepEqual(await pattern(43), first);
    assert.ok(first.includes('200') && first.some((outcome) => outcome !== '200'), first.join(','));
  });
});
