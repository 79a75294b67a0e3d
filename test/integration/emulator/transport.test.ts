// The transport: TLS with the emulator's CA, bearer tokens, subscriptions, and ARM-shaped refusals.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { DEFAULT_IDENTITY, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { EMULATOR_START_TIMEOUT_MS, armRequest, containerService } from '../../support/emulator.js';

const EXTRA_SUBSCRIPTION = '0a0b0c0d-1111-4222-8333-444455556666';

describe('transport, tokens and subscriptions', () => {
  let emulator: RunningEmulator;
  let subscriptionId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ fleet: { clusters: 3, subscriptions: 2, seed: 6 }, subscriptions: [EXTRA_SUBSCRIPTION], throttleFactor: 0 });
    subscriptionId = emulator.fleet?.subscriptions[0]?.subscriptionId ?? '';
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(() => emulator?.stop());

  test('serves HTTPS on 127.0.0.1 with a CA the client trusts, written to caFile', () => {
    expect(emulator.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(emulator.caFile, 'utf8')).toBe(emulator.ca);
    expect(emulator.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  test('lists subscriptions through @azure/arm-resources-subscriptions', async () => {
    // Prepare
    const credential = { getToken: async () => ({ token: emulator.token, expiresOnTimestamp: Date.now() + 3600_000 }) };
    const client = new SubscriptionClient(credential, { endpoint: emulator.endpoint, tlsOptions: { ca: emulator.ca } });

    // Act
    const subscriptions = [];
    for await (const subscription of client.subscriptions.list()) subscriptions.push(subscription);
    const one = await client.subscriptions.get(EXTRA_SUBSCRIPTION);
    let listed = 0;
    for await (const _cluster of containerService(emulator, EXTRA_SUBSCRIPTION).managedClusters.list()) listed += 1;

    // Assess
    expect(subscriptions.map((subscription) => [subscription.subscriptionId, subscription.state, subscription.tenantId])).toStrictEqual(
      [...(emulator.fleet?.subscriptions.map((subscription) => subscription.subscriptionId) ?? []), EXTRA_SUBSCRIPTION].map((id) => [id, 'Enabled', DEFAULT_IDENTITY.tenantId]),
    );
    expect(one.id).toBe(`/subscriptions/${EXTRA_SUBSCRIPTION}`);
    // Extra subscriptions are empty.
    expect(listed).toBe(0);
  });

  test('answers 401 AuthenticationFailed without a bearer token', async () => {
    const response = await armRequest(emulator, 'GET', '/subscriptions?api-version=2022-12-01', { token: null });

    expect(response.status).toBe(401);
    expect((response.body as { error: { code: string } }).error.code).toBe('AuthenticationFailed');
  });

  test('reads the caller from tokenFor() and derives a stable one from any other token', async () => {
    // Prepare
    const path = `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`;

    // Act and assess: a tokenFor() caller is counted under its object id
    await armRequest(emulator, 'GET', path, { token: emulator.tokenFor({ appId: 'aaaaaaaa-0000-4000-8000-000000000001', objectId: 'aaaaaaaa-0000-4000-8000-000000000002' }) });
    expect(emulator.state.requestsByCaller.get('aaaaaaaa-0000-4000-8000-000000000002')?.reads).toBe(1);

    // Act and assess: the same opaque token is the same caller
    const before = emulator.state.requestsByCaller.size;
    await armRequest(emulator, 'GET', path, { token: 'opaque-token-from-somewhere' });
    await armRequest(emulator, 'GET', path, { token: 'opaque-token-from-somewhere' });
    expect(emulator.state.requestsByCaller.size).toBe(before + 1);
    expect([...emulator.state.requestsByCaller.values()].map((counts) => counts.reads)).toContain(2);
  });

  test('refuses malformed requests with ARM error codes', async () => {
    // Prepare
    const cluster = emulator.fleet?.clusters[0];
    if (!cluster) throw new Error('the seeded fleet has no cluster');
    const cases: [string, string, unknown, number, string][] = [
      ['GET', `${cluster.id}`, undefined, 400, 'MissingApiVersionParameter'],
      ['GET', `/subscriptions/${subscriptionId}/providers/Microsoft.Compute/virtualMachines?api-version=2024-01-01`, undefined, 404, 'NotFound'],
      ['GET', `/subscriptions/ffffffff-0000-4000-8000-000000000000/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`, undefined, 404, 'SubscriptionNotFound'],
      ['PUT', `${cluster.id}?api-version=2026-06-01`, [], 400, 'InvalidRequestContent'],
      ['PUT', `${cluster.id}?api-version=2026-06-01`, { properties: {} }, 400, 'LocationRequired'],
      ['POST', `${cluster.id}?api-version=2026-06-01`, {}, 405, 'HttpMethodNotSupported'],
    ];

    // Act
    const answers: [string, number, string][] = [];
    for (const [method, path, body] of cases) {
      const response = await armRequest(emulator, method, path, { body });
      answers.push([`${method} ${path}`, response.status, (response.body as { error: { code: string } }).error.code]);
    }

    // Assess: each request (named, so a failure shows which) got its status and code
    expect(answers).toStrictEqual(cases.map(([method, path, , status, code]) => [`${method} ${path}`, status, code]));
  });

  test('validates its options and removes its certificate file on stop', async () => {
    await expect(startEmulator({ pageSize: 0 })).rejects.toThrow(/pageSize must be an integer >= 1/);
    await expect(startEmulator({ faultRate: 2 })).rejects.toThrow(/faultRate must be between 0 and 1/);
    await expect(startEmulator({ subscriptions: ['nope'] })).rejects.toThrow(/'nope' is not a GUID/);

    const short = await startEmulator();
    expect(existsSync(short.caFile)).toBe(true);
    await short.stop();
    expect(existsSync(short.caFile)).toBe(false);
  });
});
