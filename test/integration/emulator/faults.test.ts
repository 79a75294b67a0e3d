// Injected faults: per-route sequences and rates, and a seeded global rate that reproduces.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type GeneratedCluster, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { EMULATOR_START_TIMEOUT_MS, armRequest, containerService, recordResponses } from '../../support/emulator.js';

describe('fault injection', () => {
  let emulator: RunningEmulator;
  let cluster: GeneratedCluster;

  beforeAll(async () => {
    emulator = await startEmulator({ fleet: { clusters: 3, subscriptions: 1, seed: 9, drift: { updating: 0 } }, throttleFactor: 0, lroDurationMs: 20 });
    const first = emulator.fleet?.clusters[0];
    if (!first) throw new Error('the seeded fleet has no cluster');
    cluster = first;
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('fires a sequence per matching request, and the SDK retries through 500 and 503', async () => {
    // Prepare: a 500 on the first matching GET, a 503 on the second
    emulator.setFaults([
      { route: `GET /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${cluster.name}`, kind: '500', sequence: [true, false] },
      { route: /^GET .*\/managedClusters\/[^/]+$/, kind: '503', sequence: [false, true] },
    ]);
    try {
      const recorder = recordResponses();
      const sdk = containerService(emulator, cluster.subscriptionId, { policies: [recorder.policy], fastRetries: true });

      // Act
      const got = await sdk.managedClusters.get(cluster.resourceGroup, cluster.name);
      const body = await armRequest(emulator, 'GET', `${cluster.id}?api-version=2026-06-01`);

      // Assess
      expect(got.name).toBe(cluster.name);
      expect(recorder.seen.map((response) => response.status)).toStrictEqual([500, 503, 200]);
      expect(recorder.seen[1]?.headers['retry-after']).toBe('1');
      // Past the end of its sequence a rule stays quiet.
      expect(body.status).toBe(200);
    } finally {
      emulator.setFaults([]);
    }
  });

  test('answers a 429 storm as ARM throttles, and the SDK waits out its Retry-After', async () => {
    // Prepare: the next two GETs of the cluster are throttled
    emulator.setFaults([{ route: `GET ${cluster.id}`, kind: '429', sequence: [true, true] }]);
    try {
      const recorder = recordResponses();
      const sdk = containerService(emulator, cluster.subscriptionId, { policies: [recorder.policy], fastRetries: true });

      // Act
      const got = await sdk.managedClusters.get(cluster.resourceGroup, cluster.name);

      // Assess
      expect(got.name).toBe(cluster.name);
      expect(recorder.seen.map((response) => response.status)).toStrictEqual([429, 429, 200]);
      expect(recorder.seen[0]?.headers['retry-after']).toBe('1');
      // A plain request sees ARM's throttling error.
      emulator.setFaults([{ route: `GET ${cluster.id}`, kind: '429', sequence: [true] }]);
      const plain = await armRequest(emulator, 'GET', `${cluster.id}?api-version=2026-06-01`);
      expect(plain.status).toBe(429);
      expect(plain.body).toMatchObject({ error: { code: 'SubscriptionRequestsThrottled' } });
    } finally {
      emulator.setFaults([]);
    }
  });

  test('resets the connection and the SDK retries', async () => {
    emulator.setFaults([{ route: `GET ${cluster.id}`, kind: 'reset', sequence: [true] }]);
    try {
      // Act and assess: a plain request sees the reset
      await expect(armRequest(emulator, 'GET', `${cluster.id}?api-version=2026-06-01`)).rejects.toThrow(/socket hang up|ECONNRESET/);

      // Act and assess: the SDK retries through it
      emulator.setFaults([{ route: `GET ${cluster.id}`, kind: 'reset', sequence: [true] }]);
      const recorder = recordResponses();
      const sdk = containerService(emulator, cluster.subscriptionId, { policies: [recorder.policy], fastRetries: true });
      const got = await sdk.managedClusters.get(cluster.resourceGroup, cluster.name);
      expect(got.name).toBe(cluster.name);
      // The reset attempt produced no response; the retry did.
      expect(recorder.seen.map((response) => response.status)).toStrictEqual([200]);
    } finally {
      emulator.setFaults([]);
    }
  });

  test('holds a slow response for delayMs', async () => {
    emulator.setFaults([{ route: `GET ${cluster.id}`, kind: 'slow', rate: 1, delayMs: 250 }]);
    try {
      const started = Date.now();

      const response = await armRequest(emulator, 'GET', `${cluster.id}?api-version=2026-06-01`);

      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    } finally {
      emulator.setFaults([]);
    }
  });

  test('rejects a rule it cannot apply, naming what is wrong', () => {
    expect(() => emulator.setFaults([{ route: 'GET /x', kind: '500' }])).toThrow(/needs a rate or a sequence/);
    expect(() => emulator.setFaults([{ route: 'GET /x', kind: '418' as '500', rate: 1 }])).toThrow(/fault kind '418'/);
    expect(() => emulator.setFaults([{ route: 'nonsense', kind: '500', rate: 1 }])).toThrow(/must look like/);
  });

  test('reproduces a random fault pattern from the seed', async () => {
    // Prepare: 24 reads against a fresh emulator with half its answers faulty
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

    // Act
    const first = await pattern(42);
    const again = await pattern(42);
    const other = await pattern(43);

    // Assess: the same seed gives the same mix of successes and faults; another seed another
    expect(again).toStrictEqual(first);
    expect(other).not.toStrictEqual(first);
    expect(first).toContain('200');
    expect(first.filter((outcome) => outcome !== '200').length).toBeGreaterThan(0);
  });
});
