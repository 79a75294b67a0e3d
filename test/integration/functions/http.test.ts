// The HTTP routes through their real handlers (the @azure/functions test constructors), with Entra ID roles
// required: the authorization matrix, strict validation of ids, bodies and queries (400 problem+json naming
// the field), scope (403), unknown clusters (404), a busy cluster (409), approval with the approver recorded,
// and ARM's error texts kept out of every response.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import azureFunctions, { type HttpResponseInit } from '@azure/functions';
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
}

type Handler = typeof remediateCluster;

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: string[];
}

describe('the HTTP routes', { timeout: 120_000 }, () => {
  let driver: Driver;
  let ids: { subscriptionId: string; resourceGroup: string; clusterName: string; id: string }[];

  const call = async (handler: Handler, path: string, options: Call = {}): Promise<HttpResponseInit> => {
    const headers: Record<string, string> = {};
    if (options.roles !== null) headers['x-ms-client-principal'] = principal(options.roles ?? [READ, REMEDIATE]);
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

  const expectProblem = (response: HttpResponseInit, status: number, detail?: RegExp): Problem => {
    assert.equal(response.status, status, JSON.stringify(response.jsonBody));
    assert.equal((response.headers as Record<string, string>)['content-type'], 'application/problem+json');
    const body = response.jsonBody as Problem;
    assert.equal(body.status, status);
    assert.match(body.type, /^https:\/\//);
    if (detail) assert.match(`${body.detail} ${(body.errors ?? []).join(' ')}`, detail);
    return body;
  };

  before(async () => {
    driver = await Driver.start({ fleet: { clusters: 3, subscriptions: 1, seed: 17, drift: NO_DRIFT }, settings: { ENTRA_AUTH_REQUIRED: 'true' } });
    ids = (driver.emulator.fleet?.clusters ?? []).map((c) => ({ subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, clusterName: c.name, id: c.id }));
    // Cluster 0 runs AAD pod identity (fixed only on approval); cluster 1 has workload identity off (fixed automatically).
    const podIdentity = driver.emulator.state.cluster(ids[0]?.id ?? '') as { properties: Record<string, unknown> };
    podIdentity.properties['podIdentityProfile'] = { enabled: true, allowNetworkPluginKubenet: true, userAssignedIdentities: [], userAssignedIdentityExceptions: [] };
    driver.emulator.putCluster(podIdentity);
    const noWorkloadIdentity = driver.emulator.state.cluster(ids[1]?.id ?? '') as { properties: { securityProfile?: Record<string, unknown> } };
    noWorkloadIdentity.properties.securityProfile = { ...noWorkloadIdentity.properties.securityProfile, workloadIdentity: { enabled: false } };
    driver.emulator.putCluster(noWorkloadIdentity);
  });

  after(async () => driver?.stop());

  it('registers every HTTP route with authLevel function, and the triggers with their settings', () => {
    for (const options of [remediateClusterOptions, getClusterComplianceOptions, getFleetComplianceOptions, startSweepOptions]) {
      assert.equal(options.authLevel, 'function', `${options.route ?? ''} needs a function key`);
    }
    assert.deepEqual(remediateClusterOptions.methods, ['POST']);
    assert.equal(remediateClusterOptions.route, 'clusters/{subscriptionId}/{resourceGroup}/{clusterName}/remediate');
    assert.deepEqual(getClusterComplianceOptions.methods, ['GET']);
    assert.equal(getClusterComplianceOptions.route, 'clusters/{subscriptionId}/{resourceGroup}/{clusterName}/compliance');
    assert.equal(getFleetComplianceOptions.route, 'compliance');
    assert.equal(startSweepOptions.route, 'sweeps');
    assert.equal(evaluateClusterOptions.queueName, QUEUE_NAMES.evaluations);
    assert.equal(evaluateClusterOptions.connection, 'AzureWebJobsStorage');
    assert.equal(sweepOptions.schedule, '%SWEEP_SCHEDULE%');
    assert.equal(typeof onResourceEventOptions.handler, 'function');
  });

  it('answers 401 without a principal, and 403 without the right role', async () => {
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
    // Reading does not allow remediating or sweeping.
    expectProblem(await remediate(1, { dryRun: true }, { roles: [READ] }), 403, /Compliance\.Remediate/);
    expectProblem(await call(startSweep, 'sweeps', { roles: [READ] }), 403);
    assert.equal(driver.appWrites.length, 0, 'nothing was written');
  });

  it('rejects bad ids with 400 naming the part', async () => {
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

  it('rejects bad bodies and queries with 400 naming the field', async () => {
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
    const both = expectProblem(await remediate(1, '{"dryRun": 1, "extra": 2}'), 400);
    assert.equal(both.errors?.length, 2, 'every problem is listed');

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
    assert.equal(driver.appWrites.length, 0);
  });

  it('answers 403 for a cluster outside the configured scope and 404 for an unknown one', async () => {
    expectProblem(await remediate(1, {}, { params: params(1, { subscriptionId: OUTSIDE_SUBSCRIPTION }) }), 403, /TARGET_SUBSCRIPTION_IDS/);
    expectProblem(await compliance(1, { params: params(1, { subscriptionId: OUTSIDE_SUBSCRIPTION }) }), 403, /TARGET_SUBSCRIPTION_IDS/);
    expectProblem(await call(getFleetCompliance, 'compliance', { query: `subscription=${OUTSIDE_SUBSCRIPTION}` }), 403);
    expectProblem(await remediate(1, {}, { params: params(1, { clusterName: 'aks-does-not-exist' }) }), 404, /does not exist/);
    expectProblem(await compliance(1, { params: params(1, { clusterName: 'aks-does-not-exist' }) }), 404);
    expectProblem(await compliance(2), 404, /never been evaluated/);
  });

  it('previews with dryRun without writing anything', async () => {
    const response = await remediate(0, { dryRun: true, approve: ['no-pod-identity'] });
    assert.equal(response.status, 200);
    const body = response.jsonBody as { dryRun: boolean; status: string; plan: { id: string; mode: string }[]; steps: { stepId: string; outcome: string }[] };
    assert.equal(body.dryRun, true);
    assert.equal(body.status, 'NonCompliant');
    assert.deepEqual(body.plan.map((step) => [step.id, step.mode]), [['no-pod-identity:disable-pod-identity', 'approval']]);
    assert.deepEqual(body.steps.map((step) => [step.stepId, step.outcome]), [['no-pod-identity:disable-pod-identity', 'skipped-dry-run']]);
    assert.equal(driver.appWrites.length, 0);
    assert.equal(await driver.services.store.getState(ids[0]?.id ?? ''), undefined, 'a dry run records nothing');
  });

  it('waits for approval, then runs the approved step and records the approver', async () => {
    const waiting = await remediate(0, {});
    assert.equal(waiting.status, 200);
    assert.deepEqual((waiting.jsonBody as { steps: { outcome: string }[] }).steps.map((step) => step.outcome), ['awaiting-approval']);
    assert.equal(driver.appWrites.length, 0);

    const approved = await remediate(0, { approve: ['no-pod-identity:disable-pod-identity', 'no-such-step'] }, { roles: [REMEDIATE] });
    assert.equal(approved.status, 200);
    const body = approved.jsonBody as { approvedBy: string; unusedApprovals: string[]; steps: { outcome: string; armCorrelationId?: string }[]; nextEvaluationInSeconds?: number };
    assert.deepEqual(body.steps.map((step) => step.outcome), ['started']);
    assert.ok(body.steps[0]?.armCorrelationId);
    assert.match(body.approvedBy, new RegExp(APPROVER.name.replace('.', '\\.')));
    assert.deepEqual(body.unusedApprovals, ['no-such-step']);
    assert.ok((body.nextEvaluationInSeconds ?? 0) > 0, 'a continuation confirms the write');
    await driver.drain();

    const read = await compliance(0, { roles: [READ] });
    assert.equal(read.status, 200);
    const state = read.jsonBody as { state: { status: string }; history: { to: string | null }[]; remediations: { stepId: string; status: string; cause: { kind: string; caller?: string } }[] };
    assert.equal(state.state.status, 'Compliant');
    assert.ok(state.history.length >= 2, 'history shows the change');
    const [row] = state.remediations;
    assert.equal(row?.stepId, 'no-pod-identity:disable-pod-identity');
    assert.equal(row?.status, 'Succeeded');
    assert.equal(row?.cause.kind, 'http');
    assert.match(row?.cause.caller ?? '', new RegExp(APPROVER.objectId), 'the approver is in the remediation log');
  });

  it('answers 409 with Retry-After while another worker holds the cluster', async () => {
    const id = ids[1]?.id ?? '';
    const lease = await driver.services.store.acquireLease(id, 'another-worker', 60_000, new Date());
    assert.ok(lease);
    try {
      const response = await remediate(1, {});
      expectProblem(response, 409, /retry in/);
      assert.ok(Number((response.headers as Record<string, string>)['retry-after']) > 0);
    } finally {
      await driver.services.store.releaseLease(lease);
    }
  });

  it("keeps ARM's error texts out of responses", async () => {
    const [, , , , , , , , name] = (ids[1]?.id ?? '').split('/');
    driver.emulator.setFaults([{ route: `GET /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${name ?? ''}`, kind: '500', rate: 1 }]);
    try {
      const readFailure = await remediate(1, {});
      expectProblem(readFailure, 503, /ARM failed or could not be reached; retry later \(InternalServerError\)/);
      assert.ok(!JSON.stringify(readFailure.jsonBody).includes('injected fault'));
    } finally {
      driver.emulator.setFaults([]);
    }
    driver.emulator.setFaults([{ route: `PUT /subscriptions/*/resourceGroups/*/providers/Microsoft.ContainerService/managedClusters/${name ?? ''}`, kind: '500', rate: 1 }]);
    try {
      const writeFailure = await remediate(1, {});
      assert.equal(writeFailure.status, 200);
      const body = writeFailure.jsonBody as { steps: { outcome: string; reason: string; error?: { kind: string; code: string } }[] };
      assert.deepEqual(body.steps.map((step) => [step.outcome, step.error?.code]), [['try-later', 'InternalServerError']]);
      assert.match(body.steps[0]?.reason ?? '', /^ARM failed or could not be reached; the change is tried again later \(InternalServerError\)$/);
      assert.ok(!JSON.stringify(body).includes('injected fault'), 'the ARM message is not echoed');
    } finally {
      driver.emulator.setFaults([]);
    }
    await driver.drain();
    assert.equal((await driver.services.store.getState(ids[1]?.id ?? ''))?.status, 'Compliant', 'the queued retry fixed it once ARM recovered');
  });

  it('starts a sweep on demand, and pages through the fleet', async () => {
    const started = await call(startSweep, 'sweeps', { roles: [REMEDIATE] });
    assert.equal(started.status, 202);
    const sweep = started.jsonBody as { sweepId: string; clustersEnqueued: number };
    assert.equal(sweep.clustersEnqueued, 3);
    assert.equal((await driver.services.store.getSweep(sweep.sweepId))?.trigger, 'http');
    await driver.drain();

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await call(getFleetCompliance, 'compliance', { roles: [READ], query: `pageSize=1${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}&code=function-key` });
      assert.equal(response.status, 200, JSON.stringify(response.jsonBody));
      const body = response.jsonBody as { summary: { total: number; Compliant: number }; items: { clusterId: string }[]; continuationToken?: string };
      assert.equal(body.summary.total, 3);
      assert.equal(body.summary.Compliant, 3);
      seen.push(...body.items.map((item) => item.clusterId.toLowerCase()));
      token = body.continuationToken;
      pages += 1;
    } while (token && pages < 10);
    assert.deepEqual(seen.sort(), ids.map((c) => c.id.toLowerCase()).sort());

    const filtered = await call(getFleetCompliance, 'compliance', { query: `status=noncompliant&subscription=${ids[0]?.subscriptionId ?? ''}` });
    assert.equal(filtered.status, 200);
    assert.deepEqual((filtered.jsonBody as { items: unknown[] }).items, []);
  });
});
