// The rollout routes on in-memory ports: the same authorization as the other routes (Compliance.Read for the GET,
// Compliance.Remediate for the POSTs), strict validation naming the field, 404 for a rollout the baseline does not
// have or that has not started, and 409 for what cannot be done now.
import { describe, expect, test } from '@jest/globals';
import { changeRolloutRoute, getRolloutRoute, type ApiRequest, type RolloutAction } from '../../../src/http/routes.js';
import { baselineOf } from '../../support/builders.js';
import { fakeServices, type FakeServices } from '../../support/fakes/index.js';

const ROLLOUT = 'mi-migration';
const POLICY = { name: ROLLOUT, actions: ['enable-managed-identity'], waves: [{ name: 'canary', match: { tags: { ring: 'canary' } } }] };
const baseline = baselineOf({ rules: { managedIdentity: { mode: 'approval' } }, rollouts: [POLICY] });
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function principal(roles: string[]): string {
  const claims = [{ typ: 'name', val: 'Ops Engineer' }, { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: '9f0c1d2e' }, ...roles.map((val) => ({ typ: 'roles', val }))];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', role_typ: 'roles', claims })).toString('base64');
}

function request(options: { rolloutId?: string; body?: string; query?: string; roles?: string[] | null } = {}): ApiRequest {
  return {
    params: { rolloutId: options.rolloutId ?? ROLLOUT },
    query: new URLSearchParams(options.query ?? ''),
    bodyText: options.body,
    principalHeader: options.roles === null ? null : principal(options.roles ?? ['Compliance.Remediate']),
    requestId: 'req-1',
    log: silent,
  };
}

async function started(): Promise<FakeServices> {
  const services = fakeServices({ baseline, settings: { ENTRA_AUTH_REQUIRED: 'true' } });
  const now = services.clock().toISOString();
  await services.store.createRollout({ rolloutId: ROLLOUT, status: 'Running', createdAt: now, waves: [{ name: 'canary' }, { name: 'remaining' }] });
  await services.store.putMember(ROLLOUT, { clusterId: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1', wave: 0, status: 'Pending', registeredAt: now });
  return services;
}

const change = (services: FakeServices, action: RolloutAction, options: Parameters<typeof request>[0] = {}) => changeRolloutRoute(services, request(options), action);
const detail = (result: { jsonBody?: unknown }) => (result.jsonBody as { detail?: string }).detail;

describe('the rollout routes', () => {
  test.each([
    ['no principal', null, 401],
    ['read only, for a POST', ['Compliance.Read'], 403],
  ])('refuse a caller with %s', async (_what, roles, status) => {
    const services = await started();
    expect((await change(services, 'approve', { roles })).status).toBe(status);
    expect(services.store.rollouts.get(ROLLOUT)?.waves[0]?.approvedAt).toBeUndefined();
  });

  test('let a reader see the status', async () => {
    const result = await getRolloutRoute(await started(), request({ roles: ['Compliance.Read'] }));
    expect(result.status).toBe(200);
    expect(result.jsonBody).toMatchObject({ rolloutId: ROLLOUT, status: 'Running', approvalPerWave: true, currentWave: 'canary', waves: [{ name: 'canary', clusters: 1, awaitingApproval: true }, { name: 'remaining' }] });
  });

  test.each([
    ['a name that is not a rollout name', { rolloutId: 'MI Migration' }, 'rolloutId: "MI Migration" is not a rollout name (1-63 lower-case letters, digits and hyphens)'],
    ['an unknown query parameter', { query: 'wave=2' }, 'query parameter "wave" is not supported (supported: none)'],
    ['a body on approve', { body: '{"wave":"canary"}' }, 'body.wave: unknown field (this route takes no body)'],
  ])('answer 400 for %s', async (_what, options, problem) => {
    const result = await change(await started(), 'approve', options);
    expect(result.status).toBe(400);
    expect(detail(result)).toBe(problem);
  });

  test('answer 400 for a halt reason that is not one short string', async () => {
    const result = await change(await started(), 'halt', { body: JSON.stringify({ reason: '', by: 'x' }) });
    expect(result.status).toBe(400);
    expect((result.jsonBody as { errors: string[] }).errors).toStrictEqual(['body.by: unknown field (supported: reason)', 'body.reason: must be a non-empty string of at most 500 characters']);
  });

  test('answer 404 for a rollout the baseline does not have, and for one that has not started', async () => {
    const unknown = await change(await started(), 'approve', { rolloutId: 'other' });
    expect(unknown.status).toBe(404);
    expect(detail(unknown)).toBe('the baseline has no rollout "other"; it has mi-migration');
    const notStarted = await change(fakeServices({ baseline, settings: { ENTRA_AUTH_REQUIRED: 'true' } }), 'approve');
    expect(notStarted.status).toBe(404);
    expect(detail(notStarted)).toContain('has not started');
    expect((await getRolloutRoute(fakeServices({ baseline }), request())).jsonBody).toMatchObject({ status: 'NotStarted' });
  });

  test('approve the waiting wave once, with the caller recorded, and answer 409 after that', async () => {
    const services = await started();
    const first = await change(services, 'approve');
    expect(first.status).toBe(200);
    expect(first.jsonBody).toMatchObject({ approved: { wave: 'canary', index: 0, by: 'Ops Engineer (9f0c1d2e)' } });
    expect(services.queue.items.map((queued) => queued.item.cause)).toStrictEqual([{ kind: 'rollout', id: ROLLOUT }]);
    const second = await change(services, 'approve');
    expect(second.status).toBe(409);
    expect(detail(second)).toBe('rollout mi-migration: wave canary is already approved and running; the next wave can be approved once it completes');
  });

  test('halt once and resume once, each with the caller, and 409 for the second of each', async () => {
    const services = await started();
    const halted = await change(services, 'halt', { body: JSON.stringify({ reason: ' change\nfreeze ' }) });
    expect(halted.jsonBody).toMatchObject({ status: 'Halted', halt: { by: 'Ops Engineer (9f0c1d2e)', reason: 'change freeze' } });
    expect((await change(services, 'halt')).status).toBe(409);
    const resumed = await change(services, 'resume');
    expect(resumed.jsonBody).toMatchObject({ status: 'Running', resume: { by: 'Ops Engineer (9f0c1d2e)', failuresBefore: 0 } });
    expect(resumed.jsonBody).not.toHaveProperty('halt');
    const again = await change(services, 'resume');
    expect(again.status).toBe(409);
    expect(detail(again)).toBe('rollout mi-migration is not halted');
  });

  test('answer 409 to approve in auto mode: the waves follow one another by themselves', async () => {
    const auto = baselineOf({ rules: { managedIdentity: { mode: 'auto' } }, rollouts: [POLICY] });
    const services = fakeServices({ baseline: auto });
    await services.store.createRollout({ rolloutId: ROLLOUT, status: 'Running', createdAt: services.clock().toISOString(), waves: [{ name: 'canary' }, { name: 'remaining' }] });
    const result = await changeRolloutRoute(services, request(), 'approve');
    expect(result.status).toBe(409);
    expect(detail(result)).toContain('auto mode');
  });
});
