// The transport: TLS with the emulator's CA, bearer tokens, subscriptions, and ARM-shaped refusals.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { DEFAULT_IDENTITY, type RunningEmulator, startEmulator } from '../../../emulator/index.js';
import { armRequest, containerService } from '../../support/emulator.js';

const EXTRA_SUBSCRIPTION = '0a0b0c0d-1111-4222-8333-444455556666';

describe('transport, tokens and subscriptions', () => {
  let emulator: RunningEmulator;
  let subscriptionId: string;

  before(async () => {
    emulator = await startEmulator({ fleet: { clusters: 3, subscriptions: 2, seed: 6 }, subscriptions: [EXTRA_SUBSCRIPTION], throttleFactor: 0 });
    subscriptionId = emulator.fleet?.subscriptions[0]?.subscriptionId ?? '';
  });
  after(() => emulator.stop());

  it('serves HTTPS on 127.0.0.1 with a CA the client trusts, written to caFile', () => {
    assert.match(emulator.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(readFileSync(emulator.caFile, 'utf8'), emulator.ca);
    assert.match(emulator.ca, /^-----BEGIN CERTIFICATE-----/);
  });

  it('lists subscriptions through @azure/arm-resources-subscriptions', async () => {
    const credential = { getToken: async () => ({ token: emulator.token, expiresOnTimestamp: Date.now() + 3600_000 }) };
    const client = new SubscriptionClient(credential, { endpoint: emulator.endpoint, tlsOptions: { ca: emulator.ca } });
    const ids: string[] = [];
    for await (const subscription of client.subscriptions.list()) {
      assert.equal(subscription.state, 'Enabled');
      assert.equal(subscription.tenantId, DEFAULT_IDENTITY.tenantId);
      ids.push(subscription.subscriptionId ?? '');
    }
    assert.deepEqual(ids, [...(emulator.fleet?.subscriptions.map((subscription) => subscription.subscriptionId) ?? []), EXTRA_SUBSCRIPTION]);
    const one = await client.subscriptions.get(EXTRA_SUBSCRIPTION);
    assert.equal(one.id, `/subscriptions/${EXTRA_SUBSCRIPTION}`);
    let listed = 0;
    for await (const _cluster of containerService(emulator, EXTRA_SUBSCRIPTION).managedClusters.list()) listed += 1;
    assert.equal(listed, 0, 'extra subscriptions are empty');
  });

  it('answers 401 AuthenticationFailed without a bearer token', async () => {
    const response = await armRequest(emulator, 'GET', '/subscriptions?api-version=2022-12-01', { token: null });
    assert.equal(response.status, 401);
    assert.equal((response.body as { error: { code: string } }).error.code, 'AuthenticationFailed');
  });

  it('reads the caller from tokenFor() and derives a stable one from any other token', async () => {
    const path = `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`;
    await armRequest(emulator, 'GET', path, { token: emulator.tokenFor({ appId: 'aaaaaaaa-0000-4000-8000-000000000001', objectId: 'aaaaaaaa-0000-4000-8000-000000000002' }) });
    assert.equal(emulator.state.requestsByCaller.get('aaaaaaaa-0000-4000-8000-000000000002')?.reads, 1);
    const before = emulator.state.requestsByCaller.size;
    await armRequest(emulator, 'GET', path, { token: 'opaque-token-from-somewhere' });
    await armRequest(emulator, 'GET', path, { token: 'opaque-token-from-somewhere' });
    assert.equal(emulator.state.requestsByCaller.size, before + 1, 'the same opaque token is the same caller');
    assert.ok([...emulator.state.requestsByCaller.values()].some((counts) => counts.reads === 2));
  });

  it('refuses malformed requests with ARM error codes', async () => {
    const cluster = emulator.fleet?.clusters[0];
    assert.ok(cluster);
    const cases: [string, string, unknown, number, string][] = [
      ['GET', `${cluster.id}`, undefined, 400, 'MissingApiVersionParameter'],
      ['GET', `/subscriptions/${subscriptionId}/providers/Microsoft.Compute/virtualMachines?api-version=2024-01-01`, undefined, 404, 'NotFound'],
      ['GET', `/subscriptions/ffffffff-0000-4000-8000-000000000000/providers/Microsoft.ContainerService/managedClusters?api-version=2026-06-01`, undefined, 404, 'SubscriptionNotFound'],
      ['PUT', `${cluster.id}?api-version=2026-06-01`, [], 400, 'InvalidRequestContent'],
      ['PUT', `${cluster.id}?api-version=2026-06-01`, { properties: {} }, 400, 'LocationRequired'],
      ['POST', `${cluster.id}?api-version=2026-06-01`, {}, 405, 'HttpMethodNotSupported'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const response = await armRequest(emulator, method, path, { body });
      assert.equal(response.status, status, `${method} ${path}`);
      assert.equal((response.body as { error: { code: string } }).error.code, code, `${method} ${path}`);
    }
  });

  it('validates its options and removes its certificate file on stop', async () => {
    await assert.rejects(startEmulator({ pageSize: 0 }), /pageSize must be an integer >= 1/);
    await assert.rejects(startEmulator({ faultRate: 2 }), /faultRate must be between 0 and 1/);
    await assert.rejects(startEmulator({ subscriptions: ['nope'] }), /'nope' is not a GUID/);
    const short = await startEmulator();
    assert.ok(existsSync(short.caFile));
    await short.stop();
    assert.ok(!existsSync(short.caFile));
  });
});
