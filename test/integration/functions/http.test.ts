// The HTTP routes through their real handlers (the @azure/functions test constructors), with Entra ID roles
// required: the authorization matrix, strict validation of ids, bodies and queries (400 problem+json naming
// the field), scope (403), unknown clusters (404), a busy cluster (409), approval with the approver recorded,
// and ARM's error texts kept out of every response.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import azureFunctions, { type HttpResponseInit } from '@azure/functions';
import { evaluateChangedClusterOptions } from '../../../src/functions/evaluateChangedCluster.js';
import { evaluateClusterOptions } from '../../../src/functions/evaluateCluster.js';
import { getClusterCompliance, getClusterComplianceOptions } from '../../../src/functions/getClusterCompliance.js';
import { getFleetCompliance, getFleetComplianceOptions } from '../../../src/functions/getFleetCompliance.js';
import { onResourceEventOptions } from '../../../src/functions/onResourceEvent.js';
import { remediateCluster, remediateClusterOptions } from '../../../src/functions/remediateCluster.js';
import { startSweep, startSweepOptions } from '../../../src/functions/startSweep.js';
import { sweepOptions } from '../../../src/functions/sweep.js';
import { QUEUE_NAMES } from '../../../src/names.js';
import { Driver } from '../../support/driver.js';
import { NO_DRIFT } from '../../support/events.js';

const READ = 'Compliance.Read';
const REMEDIATE = 'Compliance.Remediate';
const OUTSIDE_SUBSCRIPTION = '99999999-8888-4777-8666-555555555555';
const APPROVER = { name: 'alex.kim@contoso.com', objectId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d' };
/** Starting the driver: Azurite (which gives up after 30 s) and the emulator. */
const START_TIMEOUT = 60_000;
/** A test that drains the queue: longer than the driver's own 60 s drain limit, so that limit names what is stuck. */
const DRAIN_TIMEOUT = 90_000;

/** App Service authentication's x-ms-client-principal header for a caller with these app roles. */
function principal(roles: string[]): string {
  const claims = [
    { typ: 'name', val: APPROVER.name },
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: APPROVER.objectId },
    ...roles.map((role) => ({ typ: 'roles', val: role })),
  ];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims })).toString('base64');
}

interface Call {
  roles?: string[] | null;
  params?: Record<string, string>;
  query?: string;
  body?: string;
  /** The raw x-ms-client-principal header, instead of one built from `roles`. */
  principalHeader?: string;
}

type Handler = typeof remediateCluster;

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: string[];
}

describe('the HTTP routes', () => {
  let driver: Driver;
  let ids: { subscriptionId: string; resourceGroup: string; clusterName: string; id: string }[];

  const call = async (handler: Handler, path: string, options: Call = {}): Promise<HttpResponseInit> => {
    const headers: Record<string, string> = {};
    if (options.principalHeader !== undefined) headers['x-ms-client-principal'] = options.principalHeader;
    else if (options.roles !== null) headers['x-ms-client-principal'] = principal(options.roles ?? [READ, REMEDIATE]);
    return handler(
      new azureFunctions.HttpRequest({
        method: handler === remediateCluster || handler === startSweep ? 'POST' : 'GET',
        url: `http://localhost/api/${path}${options.query ? `?${options.query}` : ''}`,
        params: options.params ?? {},
        headers,
        ...(options.body !== undefined ? { body: { string: options.body } } : {}),
      }),
      driver.context('http'),
    );
  };
  const params = (index: number, change: Partial<Record<'subscriptionId' | 'resourceGroup' | 'clusterName', string>> = {}): Record<string, string> => {
    const found = ids[index];
    if (!found) throw new Error(`no cluster ${index}`);
    return { subscriptionId: found.subscriptionId, resourceGroup: found.resourceGroup, clusterName: found.clusterName, ...change };
  };
  const remediate = (index: number, body: unknown, options: Call = {}) =>
    call(remediateCluster, 'clusters/remediate', { params: params(index), body: typeof body === 'string' ? body : JSON.stringify(body), ...options });
  const compliance = (index: number, options: Call = {}) => call(getClusterCompliance, 'clusters/compliance', { params: params(index), ...options });

  /** A problem+json answer with this status whose detail or errors match `detail` (by default: any). */
  const expectProblem = (response: HttpResponseInit, status: number, detail = /(?:)/): Problem => {
    // The body is in the failure message when the status is not the one expected.
    expect({ status: response.status, body: response.jsonBody as unknown }).toStrictEqual(expect.objectContaining({ status }));
    expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
    const body = response.jsonBody as Problem;
    expect(body.status).toBe(status);
    expect(body.type).toMatch(/^https:\/\//);
    expect(`${body.detail} ${(body.errors ?? []).join(' ')}`).toMatch(detail);
    return body;
  };

  beforeAll(async () => {
    driver = await Driver.start({ fleet: { clusters: 3, subscriptions: 1, seed: 17, drift: NO_DRIFT }, settings: { ENTRA_AUTH_REQUIRED: 'true' } });
    ids = (driver.emulator.fleet?.clusters ?? []).map((c) => ({ subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, clusterName: c.name, id: c.id }));
    // Cluster 0 runs AAD pod identity (fixed only on approval); cluster 1 has workload identity off (fixed automatically).
    const podIdentity = driver.emulator.state.cluster(ids[0]?.id ?? '') as { properties: Record<string, unknown> };
    podIdentity.properties['podIdentityProfile'] = { enabled: true, allowNetworkPluginKubenet: true, userAssignedIdentities: [], userAssignedIdentityExceptions: [] };
    driver.emulator.putCluster(podIdentity);
    const noWorkloadIdentity = driver.emulator.state.cluster(ids[1]?.id ?? '') as { properties: { securityProfile?: Record<string, unknown> } };
    noWorkloadIdentity.properties.securityProfile = { ...noWorkloadIdentity.properties.securityProfile, workloadIdentity: { enabled: false } };
    driver.emulator.putCluster(noWorkloadIdentity);
  }, START_TIMEOUT);

  afterAll(async () => driver?.stop());

  test('registers every HTTP route with authLevel function, and the triggers with their settings', () => {
    // Every route needs a function key.
    const routes = [remediateClusterOptions, getClusterComplianceOptions, getFleetComplianceOptions, startSweepOptions];
    expect(routes.map((options) => [options.route, options.authLevel])).toStrictEqual(routes.map((options) => [options.route, 'function']));
    expect(remediateClusterOptions.methods).toStrictEqual(['POST']);
    expect(remediateClusterOptions.route).toBe('clusters/{subscriptionId}/{resourceGroup}/{clusterName}/remediate');
    expect(getClusterComplianceOptions.methods).toStrictEqual(['GET']);
    expect(getClusterComplianceOptions.route).toBe('clusters/{subscriptionId}/{resourceGroup}/{clusterName}/compliance');
    expect(getFleetComplianceOptions.route).toBe('compliance');
    expect(startSweepOptions.route).toBe('sweeps');
    expect(evaluateClusterOptions.queueName).toBe(QUEUE_NAMES.evaluations);
    expect(evaluateClusterOptions.connection).toBe('AzureWebJobsStorage');
    // Changed clusters have a lane of their own, never behind a sweep.
    expect(evaluateChangedClusterOptions.queueName).toBe(QUEUE_NAMES.events);
    expect(evaluateChangedClusterOptions.connection).toBe('AzureWebJobsStorage');
    expect(sweepOptions.schedule).toBe('%SWEEP_SCHEDULE%');
    expect(typeof onResourceEventOptions.handler).toBe('function');
  });

  test('answers 401 without a principal, and 403 without the right role', async () => {
    expectProblem(await remediate(1, {}, { roles: null }), 401, /x-ms-client-principal/);
    expectProblem(await compliance(1, { roles: null }), 401);
    expectProblem(await call(getFleetCompliance, 'compliance', { roles: null }), 401);
    expectProblem(await call(startSweep, 'sweeps', { roles: null }), 401);

    for (const roles of [[], ['Some.Other.Role']]) {
      expectProblem(await remediate(1, {}, { roles }), 403, /Compliance\.Remediate/);
      expectProblem(await compliance(1, { roles }), 403, /Compliance\.Read/);
      expectProblem(await call(getFleetCompliance, 'compliance', { roles }), 403);
      expectProblem(await call(startSweep, 'sweeps', { roles }), 403);
    }

    // A malformed principal is 401 too (issue 17: JSON [] was 403 "unknown-principal lacks the app role").
    for (const principalHeader of [Buffer.from('[]').toString('base64'), Buffer.from('"aad"').toString('base64'), '%%%']) {
      expectProblem(await remediate(1, {}, { principalHeader }), 401, /x-ms-client-principal/);
      expectProblem(await compliance(1, { principalHeader }), 401);
    }

    // Reading does not allow remediating or sweeping.
    expectProblem(await remediate(1, { dryRun: true }, { roles: [READ] }), 403, /Compliance\.Remediate/);
    expectProblem(await call(startSweep, 'sweeps', { roles: [READ] }), 403);
    // Nothing was written.
    expect(driver.appWrites).toHaveLength(0);
  });

  test('rejects bad ids with 400 naming the part', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [params(1, { subscriptionId: 'not-a-guid' }), /subscriptionId/],
      [params(1, { resourceGroup: 'rg-ends-with.' }), /resourceGroup/],
      [params(1, { resourceGroup: 'rg/with/slash' }), /resourceGroup/],
      [params(1, { clusterName: '-starts-with-dash' }), /clusterName/],
      [params(1, { clusterName: 'a'.repeat(64) }), /clusterName/],
      [params(1, { clusterName: 'has space' }), /clusterName/],
    ];

    for (const [bad, field] of cases) {
      expectProblem(await call(remediateCluster, 'clusters/remediate', { params: bad, body: '{}' }), 400, field);
      expectProblem(await call(getClusterCompliance, 'clusters/compliance', { params: bad }), 400, field);
    }
  });

  test('rejects bad bodies and queries with 400 naming the field', async () => {
    const bodies: [string, RegExp][] = [
      ['{', /body: not valid JSON/],
      ['[]', /body: must be a JSON object/],
      ['"approve"', /body: must be a JSON object/],
      ['{"force": true}', /body\.force: unknown field/],
      ['{"dryRun": "yes"}', /body\.dryRun: must be true or false/],
      ['{"approve": "no-pod-identity"}', /body\.approve: must be a list/],
      ['{"approve": [1]}', /body\.approve\[0\]/],
      ['{"approve": [""]}', /body\.approve\[0\]/],
    ];
    for (const [body, field] of bodies) expectProblem(await remediate(1, body), 400, field);
    // Every problem is listed.
    const both = expectProblem(await remediate(1, '{"dryRun": 1, "extra": 2}'), 400);
    expect(both.errors).toHaveLength(2);

    const queries: [string, RegExp][] = [
      ['status=Bogus', /status: "Bogus" is not one of/],
      ['subscription=xyz', /subscription: "xyz" is not a subscription id/],
      ['pageSize=0', /pageSize/],
      ['pageSize=1001', /pageSize/],
      ['colour=blue', /query parameter "colour" is not supported/],
      ['continuationToken=not-a-token', /continuationToken/],
    ];
    for (const [query, field] of queries) expectProblem(await call(getFleetCompliance, 'compliance', { query }), 400, field);
    expectProblem(await call(startSweep, 'sweeps', { body: '{"now": true}' }), 400, /body\.now: unknown field/);
    expect(driver.appWrites).toHaveLength(0);
  });

  test('answers 403 for a cluster outside the configured scope and 404 for an unknown one', async () => {
    expectProblem(await remediate(1, {}, { params: params(1, { subscriptionId: OUTSIDE_SUBSCRIPTION }) }), 403, /TARGET_SUBSCRIPTION_IDS/);
    expectProblem(await compliance(1, { params: params(1, { subscriptionId: OUTSIDE_SUBSCRIPTION }) }), 403, /TARGET_SUBSCRIPTION_IDS/);
    expectProblem(await call(getFleetCompliance, 'compliance', { query: `subscription=${OUTSIDE_SUBSCRIPTION}` }), 403);
    expectProblem(await remediate(1, {}, { params: params(1, { clusterName: 'aks-does-not-exist' }) }), 404, /does not exist/);
    expectProblem(await compliance(1, { params: params(1, { clusterName: 'aks-does-not-exist' }) }), 404);
    expectProblem(await compliance(2), 404, /never been evaluated/);
  });

  test('previews with dryRun without writing anything', async () => {
    // Act
    const response = await remediate(0, { dryRun: true, approve: ['no-pod-identity'] });

    // Assess
    expect(response.status).toBe(200);
    const body = response.jsonBody as { dryRun: boolean; status: string; plan: { id: string; mode: string }[]; steps: { stepId: string; outcome: string }[] };
    expect(body.dryRun).toBe(true);
    expect(body.status).toBe('NonCompliant');
    expect(body.plan.map((step) => [step.id, step.mode])).toStrictEqual([['no-pod-identity:disable-pod-identity', 'approval']]);
    expect(body.steps.map((step) => [step.stepId, step.outcome])).toStrictEqual([['no-pod-identity:disable-pod-identity', 'skipped-dry-run']]);
    expect(driver.appWrites).toHaveLength(0);
    // A dry run records nothing.
    expect(await driver.services.store.getState(ids[0]?.id ?? '')).toBeUndefined();
  });

  test('waits for approval, then runs the approved step and records the approver', async () => {
    // Act: no approval
    const waiting = await remediate(0, {});

    // Assess: nothing written
    expect(waiting.status).toBe(200);
    expect((waiting.jsonBody as { steps: { outcome: string }[] }).steps.map((step) => step.outcome)).toStrictEqual(['awaiting-approval']);
    expect(driver.appWrites).toHaveLength(0);

    // Act: the step approved (and one that does not exist)
    const approved = await remediate(0, { approve: ['no-pod-identity:disable-pod-identity', 'no-such-step'] }, { roles: [REMEDIATE] });

    // Assess: started, with the approver and the unused approval named
    expect(approved.status).toBe(200);
    const body = approved.jsonBody as { approvedBy: string; unusedApprovals: string[]; steps: { outcome: string; armCorrelationId?: string }[]; nextEvaluationInSeconds?: number };
    expect(body.steps.map((step) => step.outcome)).toStrictEqual(['started']);
    expect(body.steps[0]?.armCorrelationId).toBeTruthy();
    expect(body.approvedBy).toMatch(new RegExp(APPROVER.name.replace('.', '\\.')));
    expect(body.unusedApprovals).toStrictEqual(['no-such-step']);
    // A continuation confirms the write.
    expect(body.nextEvaluationInSeconds ?? 0).toBeGreaterThan(0);

    // Act: the continuation runs, then a reader looks
    await driver.drain();
    const read = await compliance(0, { roles: [READ] });

    // Assess
    expect(read.status).toBe(200);
    const state = read.jsonBody as { state: { status: string }; history: { to: string | null }[]; remediations: { stepId: string; status: string; cause: { kind: string; caller?: string } }[] };
    expect(state.state.status).toBe('Compliant');
    // The history shows the change.
    expect(state.history.length).toBeGreaterThanOrEqual(2);
    const [row] = state.remediations;
    expect(row?.stepId).toBe('no-pod-identity:disable-pod-identity');
    expect(row?.status).toBe('Succeeded');
    expect(row?.cause.kind).toBe('http');
    // The approver is in the remediation log.
    expect(row?.cause.caller).toMatch(new RegExp(APPROVER.objectId));
  }, DRAIN_TIMEOUT);

  test('answers 409 with Retry-After while another worker holds the cluster', async () => {
    // Prepare: another worker holds the lease
    const id = ids[1]?.id ?? '';
    const lease = await driver.services.store.acquireLease(id, 'another-worker', 60_000, new Date());
    expect(lease).toBeTruthy();

    try {
      // Act
      const response = await remediate(1, {});

      // Assess
      expectProblem(response, 409, /retry in/);
      expect(Number((response.headers as Record<string, string>)['retry-after'])).toBeGreaterThan(0);
    } finally {
      await driver.services.store.releaseLease(lease!);
    }
  });

  test("keeps ARM's error texts out of responses", async () => {
    const [, , , , , , , , name] = (ids[1]?.id ?? '').split('/');

    // Reading the cluster fails.
    driver.emulator.setFaults([{ route: `GET /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${name ?? ''}`, kind: '500', rate: 1 }]);
    try {
      const readFailure = await remediate(1, {});
      expectProblem(readFailure, 503, /ARM failed or could not be reached; retry later \(InternalServerError\)/);
      expect(JSON.stringify(readFailure.jsonBody)).not.toContain('injected fault');
    } finally {
      driver.emulator.setFaults([]);
    }

    // Writing the fix fails.
    driver.emulator.setFaults([{ route: `PUT /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${name ?? ''}`, kind: '500', rate: 1 }]);
    try {
      const writeFailure = await remediate(1, {});
      expect(writeFailure.status).toBe(200);
      const body = writeFailure.jsonBody as { steps: { outcome: string; reason: string; error?: { kind: string; code: string } }[] };
      expect(body.steps.map((step) => [step.outcome, step.error?.code])).toStrictEqual([['try-later', 'InternalServerError']]);
      expect(body.steps[0]?.reason).toMatch(/^ARM failed or could not be reached; the change is tried again later \(InternalServerError\)$/);
      // The ARM message is not echoed.
      expect(JSON.stringify(body)).not.toContain('injected fault');
    } finally {
      driver.emulator.setFaults([]);
    }

    // The queued retry fixed it once ARM recovered.
    await driver.drain();
    expect((await driver.services.store.getState(ids[1]?.id ?? ''))?.status).toBe('Compliant');
  }, DRAIN_TIMEOUT);

  test('starts a sweep on demand, and pages through the fleet', async () => {
    // Act: a sweep through the route
    const started = await call(startSweep, 'sweeps', { roles: [REMEDIATE] });
    await driver.drain();

    // Assess
    expect(started.status).toBe(202);
    const sweep = started.jsonBody as { sweepId: string; clustersEnqueued: number };
    expect(sweep.clustersEnqueued).toBe(3);
    expect((await driver.services.store.getSweep(sweep.sweepId))?.trigger).toBe('http');

    // Act and assess: page through the fleet, one cluster a page
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await call(getFleetCompliance, 'compliance', { roles: [READ], query: `pageSize=1${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}&code=function-key` });
      expect({ status: response.status, body: response.jsonBody as unknown }).toStrictEqual(expect.objectContaining({ status: 200 }));
      const body = response.jsonBody as { summary: { total: number; Compliant: number }; items: { clusterId: string }[]; continuationToken?: string };
      expect(body.summary.total).toBe(3);
      expect(body.summary.Compliant).toBe(3);
      seen.push(...body.items.map((item) => item.clusterId.toLowerCase()));
      token = body.continuationToken;
      pages += 1;
    } while (token && pages < 10);
    expect(seen.sort()).toStrictEqual(ids.map((c) => c.id.toLowerCase()).sort());

    // Act and assess: a filter that matches nothing
    const filtered = await call(getFleetCompliance, 'compliance', { query: `status=noncompliant&subscription=${ids[0]?.subscriptionId ?? ''}` });
    expect(filtered.status).toBe(200);
    expect((filtered.jsonBody as { items: unknown[] }).items).toStrictEqual([]);
  }, DRAIN_TIMEOUT);
});
