// Applying plan steps through the real SDK clients: what goes on the wire, LROs, If-Match races, busy clusters,
// and protected settings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { applyPlanStep, readClusterSnapshot, resumeOperation, type ArmClients } from '../../../src/azure/arm/index.js';
import { clusterPutBody, evaluateCluster, type Baseline, type ClusterSnapshot, type PlanStep } from '../../../src/core/index.js';
import { autoBaseline, captureRequests, clientsFor, getPath, seedCluster, setPath } from '../../support/arm.js';

const NOW = new Date('2026-01-15T12:00:00Z');

/** Read-only in the REST spec, so the SDK leaves them out of a PUT (the core's list is shorter). */
const READ_ONLY_IN_SPEC = [/^properties\.networkProfile\.loadBalancerProfile\.effectiveOutboundIPs\./];
/** What ARM recomputes on every write (the emulator does not recompute effectiveOutboundIPs). */
const SERVER_COMPUTED = [
  /^eTag$/, /^systemData\./, /\.provisioningState$/, /^properties\.agentPoolProfiles\.\d+\.eTag$/, ...READ_ONLY_IN_SPEC,
];
/** Writable in the SDK's model; sent back exactly as read (the core's list treats them as read-only). */
const READ_BACK_UNCHANGED = [/^properties\.agentPoolProfiles\.\d+\.nodeImageVersion$/];

/** Every leaf of a JSON value by dotted path (array items by index). */
function leaves(value: unknown, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value) && value.length > 0) value.forEach((item, index) => leaves(item, `${prefix}${index}.`, into));
  else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, `${prefix}${key}.`, into);
  } else into.set(prefix.slice(0, -1), value);
  return into;
}

/** The SDK turns date-times into Date and back, so `...:00Z` may come back as `...:00.000Z`: compare instants. */
function sameInstant(value: unknown): unknown {
  return typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) ? new Date(value).toISOString() : value;
}

function planOf(snapshot: ClusterSnapshot, baseline: Baseline): PlanStep[] {
  return evaluateCluster(snapshot, baseline, { now: NOW }).plan;
}

function stepFor(snapshot: ClusterSnapshot, baseline: Baseline, action: PlanStep['action']): PlanStep {
  const step = planOf(snapshot, baseline).find((candidate) => candidate.action === action);
  assert.ok(step, `the plan has a ${action} step`);
  return step;
}

async function apply(clients: ArmClients, step: PlanStep, snapshot: ClusterSnapshot, baseline: Baseline, env: Record<string, string> = {}) {
  return applyPlanStep(clients, step, { plannedFrom: snapshot, replan: (fresh) => planOf(fresh, baseline), env });
}

describe('ARM applier (SDK clients against the emulator)', () => {
  let emulator: RunningEmulator;
  const baseline = autoBaseline();

  before(async () => {
    emulator = await startEmulator({ lroDurationMs: 60, busyDurationMs: 400 });
  });
  after(async () => {
    await emulator.stop();
  });

  it('sends the cluster as read, minus read-only fields, with only the planned change', async () => {
    // Prepare: a cluster read back in full, drifted on workload identity
    const id = seedCluster(emulator, 'aks-put-1', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
    });
    const capture = captureRequests();
    const clients = clientsFor(emulator, { additionalPolicies: [capture.policy] });
    const snapshot = await readClusterSnapshot(clients, id);
    const step = stepFor(snapshot, baseline, 'enable-workload-identity');
    capture.requests.length = 0;

    // Act
    const handle = await apply(clients, step, snapshot, baseline);
    const outcome = await handle.wait();

    // Assess: the PUT body is the body read, read-only fields removed, with the step's patch and nothing else
    assert.deepEqual(outcome, { status: 'succeeded' });
    const puts = capture.requests.filter((request) => request.method === 'PUT');
    assert.equal(puts.length, 1);
    const sent = leaves(puts[0]?.body);
    const intended = leaves(clusterPutBody(snapshot.body, step.clusterPatch ?? {}));
    for (const [path, value] of sent) {
      assert.ok(intended.has(path) || READ_BACK_UNCHANGED.some((pattern) => pattern.test(path)), `sent ${path}, which is neither read nor planned`);
      const wanted = intended.get(path) ?? leaves(snapshot.body).get(path);
      assert.deepEqual(sameInstant(value), sameInstant(wanted), `${path} is sent as read (or as planned)`);
    }
    for (const path of intended.keys()) {
      assert.ok(sent.has(path) || READ_ONLY_IN_SPEC.some((pattern) => pattern.test(path)), `${path} was read (and is writable) but not sent`);
    }
    assert.equal(sent.get('properties.securityProfile.workloadIdentity.enabled'), true);
    assert.equal(sent.get('properties.oidcIssuerProfile.enabled'), true);

    // ...and the stored cluster lost nothing: every leaf read is still there, apart from what ARM recomputes
    const stored = leaves(emulator.state.cluster(id));
    const patched = new Set(leaves(step.clusterPatch).keys());
    for (const [path, value] of leaves(snapshot.body)) {
      if (patched.has(path) || SERVER_COMPUTED.some((pattern) => pattern.test(path))) continue;
      assert.ok(stored.has(path), `${path} survived the PUT`);
      assert.deepEqual(sameInstant(stored.get(path)), sameInstant(value), `${path} is unchanged`);
    }
    assert.equal(stored.get('properties.securityProfile.workloadIdentity.enabled'), true);
  });

  it('carries If-Match with the eTag it just read', async () => {
    const id = seedCluster(emulator, 'aks-put-2', (body) => {
      setPath(body, 'properties.podIdentityProfile', { enabled: true, allowNetworkPluginKubenet: true, userAssignedIdentities: [], userAssignedIdentityExceptions: [] });
    });
    const headers: (string | undefined)[] = [];
    const clients = clientsFor(emulator, {
      additionalPolicies: [
        {
          name: 'testCaptureIfMatch',
          sendRequest: (request, next) => {
            if (request.method === 'PUT') headers.push(request.headers.get('if-match'));
            return next(request);
          },
        },
      ],
    });
    const snapshot = await readClusterSnapshot(clients, id);

    const handle = await apply(clients, stepFor(snapshot, baseline, 'disable-pod-identity'), snapshot, baseline);

    assert.equal(handle.started, true);
    assert.deepEqual(headers, [snapshot.eTag]);
    assert.deepEqual(await handle.wait(), { status: 'succeeded' });
  });

  it('returns a handle at once and lets the caller choose when to wait; the state can be stored', async () => {
    const id = seedCluster(emulator, 'aks-lro-1', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
    });
    const clients = clientsFor(emulator);
    const snapshot = await readClusterSnapshot(clients, id);

    const handle = await apply(clients, stepFor(snapshot, baseline, 'enable-workload-identity'), snapshot, baseline);

    assert.equal(handle.started, true);
    assert.equal(getPath(emulator.state.cluster(id), 'properties.provisioningState'), 'Updating', 'not finished yet');
    const stored = await handle.serialize();
    assert.ok(stored && stored.length > 0);
    assert.ok(handle.correlationId, 'the write has a correlation id');
    // Another process (new clients) can pick the stored operation up and wait for it.
    const resumed = resumeOperation(clientsFor(emulator), { target: handle.target, action: handle.action, resourceId: handle.resourceId, state: stored });
    assert.deepEqual(await resumed.wait(), { status: 'succeeded' });
    assert.deepEqual(await handle.wait(), { status: 'succeeded' });
    assert.equal(getPath(emulator.state.cluster(id), 'properties.provisioningState'), 'Succeeded');
    assert.ok(clients.stats.requests['lro-poll'] >= 1, 'the wait polled the operation');
  });

  it('reports an LRO that ends Failed as a failed outcome with the ARM error code', async () => {
    const id = seedCluster(emulator, 'aks-lro-fail', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
    });
    const clients = clientsFor(emulator);
    const snapshot = await readClusterSnapshot(clients, id);
    emulator.setFaults([{ route: 'PUT /subscriptions/**/managedClusters/aks-lro-fail', kind: 'lro-failed', sequence: [true] }]);

    try {
      const handle = await apply(clients, stepFor(snapshot, baseline, 'enable-workload-identity'), snapshot, baseline);
      const outcome = await handle.wait();

      assert.equal(outcome.status, 'failed');
      assert.ok(outcome.status === 'failed' && outcome.failure.kind === 'permanent');
      assert.ok(outcome.status === 'failed' && outcome.failure.message.includes(id));
      assert.ok(outcome.status === 'failed' && outcome.failure.code.length > 0);
    } finally {
      emulator.setFaults([]);
    }
  });

  it('says try later, without writing, when the cluster is not in Succeeded state', async () => {
    const id = seedCluster(emulator, 'aks-busy-1', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      setPath(body, 'properties.provisioningState', 'Updating');
    });
    const clients = clientsFor(emulator);
    const snapshot = await readClusterSnapshot(clients, id);

    const handle = await apply(clients, stepFor(snapshot, baseline, 'enable-workload-identity'), snapshot, baseline);
    const outcome = await handle.wait();

    assert.equal(handle.started, false);
    assert.equal(outcome.status, 'try-later');
    assert.ok(outcome.status === 'try-later' && outcome.failure.kind === 'busy');
    assert.equal(clients.stats.requests.write, 0);
  });

  it('turns an ARM 409 "operation in progress" into try later', async () => {
    // Prepare: a cluster write in flight, and an extension step planned from a snapshot that predates it
    const id = seedCluster(
      emulator,
      'aks-busy-2',
      (body) => {
        setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      },
      { extensions: false },
    );
    const clients = clientsFor(emulator);
    const snapshot = await readClusterSnapshot(clients, id);
    const clusterWrite = await apply(clients, stepFor(snapshot, baseline, 'enable-workload-identity'), snapshot, baseline);
    assert.equal(clusterWrite.started, true);

    // Act
    const install = await apply(clients, stepFor(snapshot, baseline, 'install-extension'), snapshot, baseline);
    const outcome = await install.wait();

    // Assess
    assert.equal(outcome.status, 'try-later');
    assert.ok(outcome.status === 'try-later' && outcome.failure.kind === 'busy', JSON.stringify(outcome));
    assert.ok(outcome.status === 'try-later' && outcome.failure.statusCode === 409);
    assert.deepEqual(await clusterWrite.wait(), { status: 'succeeded' });
  });

  it('lets exactly one of two racing appliers write; the other re-reads, re-plans and never overwrites', async () => {
    // Prepare: two drifts, one applier per fix, both planned from the same read (same eTag)
    const id = seedCluster(emulator, 'aks-race-1', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      setPath(body, 'properties.podIdentityProfile', { enabled: true, allowNetworkPluginKubenet: true, userAssignedIdentities: [], userAssignedIdentityExceptions: [] });
    });
    const first = clientsFor(emulator, { token: emulator.tokenFor({ appId: '11111111-1111-4111-8111-111111111111', objectId: '21111111-1111-4111-8111-111111111111' }) });
    const second = clientsFor(emulator, { token: emulator.tokenFor({ appId: '31111111-1111-4111-8111-111111111111', objectId: '41111111-1111-4111-8111-111111111111' }) });
    const snapshot = await readClusterSnapshot(first, id);
    const enableWorkloadIdentity = stepFor(snapshot, baseline, 'enable-workload-identity');
    const disablePodIdentity = stepFor(snapshot, baseline, 'disable-pod-identity');
    // Both appliers' re-reads are held until both have been made, so both PUTs carry the same eTag.
    emulator.setFaults([{ route: 'GET /subscriptions/**/managedClusters/aks-race-1', kind: 'slow', delayMs: 150, sequence: [true, true] }]);

    // Act
    const [a, b] = await Promise.all([apply(first, enableWorkloadIdentity, snapshot, baseline), apply(second, disablePodIdentity, snapshot, baseline)]);
    emulator.setFaults([]);

    // Assess: one write accepted, the other stood down without writing its stale body
    assert.equal([a, b].filter((handle) => handle.started).length, 1, 'exactly one applier wrote');
    const loser = a.started ? b : a;
    const winner = a.started ? a : b;
    const loserOutcome = await loser.wait();
    assert.ok(loserOutcome.status === 'try-later' || loserOutcome.status === 'not-needed', JSON.stringify(loserOutcome));
    assert.equal(first.stats.requests.write + second.stats.requests.write, 2, 'two PUTs were sent: one won, one got 412');
    assert.deepEqual(await winner.wait(), { status: 'succeeded' });

    // ...and when the loser tries again it builds on the winner's change
    const retry = await apply(a.started ? second : first, loser.step, snapshot, baseline);
    assert.deepEqual(await retry.wait(), { status: 'succeeded' });
    const stored = emulator.state.cluster(id);
    assert.equal(getPath(stored, 'properties.securityProfile.workloadIdentity.enabled'), true);
    assert.equal(getPath(stored, 'properties.podIdentityProfile.enabled'), false);
  });

  it('keeps protected settings on an extension PATCH', async () => {
    // Prepare: Flux pinned to an old version, installed with a protected setting
    const { id } = { id: seedCluster(emulator, 'aks-ext-patch', undefined, { extensions: false }) };
    emulator.putExtension(id, {
      name: 'flux',
      properties: {
        extensionType: 'microsoft.flux',
        autoUpgradeMinorVersion: true,
        releaseTrain: 'Preview',
        scope: { cluster: { releaseNamespace: 'flux-system' } },
        configurationSettings: { 'helm-controller.enabled': 'true' },
        configurationProtectedSettings: { 'ssh-private-key': 'kept-secret' },
        provisioningState: 'Succeeded',
      },
    });
    const capture = captureRequests();
    const clients = clientsFor(emulator, { additionalPolicies: [capture.policy] });
    const snapshot = await readClusterSnapshot(clients, id);
    const step = stepFor(snapshot, baseline, 'update-extension');

    // Act: start the PATCH, then wait through a resumed poller, as a later invocation would
    const handle = await apply(clients, step, snapshot, baseline);
    const state = await handle.serialize();
    assert.ok(state);
    const outcome = await resumeOperation(clientsFor(emulator), { target: 'extension', action: handle.action, resourceId: handle.resourceId, state }).wait();

    // Assess
    assert.deepEqual(outcome, { status: 'succeeded' });
    assert.equal(getPath(emulator.state.extension(id, 'flux'), 'properties.provisioningState'), 'Succeeded');
    const patch = capture.requests.find((request) => request.method === 'PATCH');
    assert.ok(patch, 'a PATCH was sent');
    assert.doesNotMatch(JSON.stringify(patch.body), /configurationProtectedSettings/);
    assert.deepEqual(emulator.state.protectedSettingNames(id, 'flux'), ['ssh-private-key']);
    assert.equal(getPath(emulator.state.extension(id, 'flux'), 'properties.releaseTrain'), 'Stable');
  });

  it('installs an extension with protected settings taken from app settings at apply time', async () => {
    const fluxWithSecret = autoBaseline({
      requiredExtensions: [
        {
          name: 'flux',
          extensionType: 'microsoft.flux',
          releaseTrain: 'Stable',
          autoUpgradeMinorVersion: true,
          mode: 'auto',
          protectedSettings: { 'ssh-private-key': { appSetting: 'FLUX_SSH_KEY' } },
        },
      ],
    });
    const id = seedCluster(emulator, 'aks-ext-install', undefined, { extensions: false });
    const capture = captureRequests();
    const clients = clientsFor(emulator, { additionalPolicies: [capture.policy] });
    const snapshot = await readClusterSnapshot(clients, id);
    const step = stepFor(snapshot, fluxWithSecret, 'install-extension');
    assert.doesNotMatch(JSON.stringify(step), /value-from-app-setting/, 'the plan holds references, never values');

    const outcome = await (await apply(clients, step, snapshot, fluxWithSecret, { FLUX_SSH_KEY: 'value-from-app-setting' })).wait();

    assert.deepEqual(outcome, { status: 'succeeded' });
    assert.deepEqual(emulator.state.protectedSettingNames(id, 'flux'), ['ssh-private-key']);
    const put = capture.requests.find((request) => request.method === 'PUT');
    assert.equal((getPath(put?.body, 'properties.configurationProtectedSettings') as Record<string, string> | undefined)?.['ssh-private-key'], 'value-from-app-setting');
  });

  it('refuses, before writing, an install whose protected setting cannot be resolved', async () => {
    const fluxWithSecret = autoBaseline({
      requiredExtensions: [
        {
          name: 'flux',
          extensionType: 'microsoft.flux',
          releaseTrain: 'Stable',
          mode: 'auto',
          protectedSettings: { token: { appSetting: 'NOT_SET_ANYWHERE' } },
        },
      ],
    });
    const fluxFromKeyVault = autoBaseline({
      requiredExtensions: [
        { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', protectedSettings: { token: { keyVaultSecretUri: 'https://kv1.vault.azure.net/secrets/flux-token' } } },
      ],
    });
    const id = seedCluster(emulator, 'aks-ext-missing', undefined, { extensions: false });
    const clients = clientsFor(emulator);
    const snapshot = await readClusterSnapshot(clients, id);

    const missing = await (await apply(clients, stepFor(snapshot, fluxWithSecret, 'install-extension'), snapshot, fluxWithSecret)).wait();
    const keyVault = await (await apply(clients, stepFor(snapshot, fluxFromKeyVault, 'install-extension'), snapshot, fluxFromKeyVault)).wait();

    assert.ok(missing.status === 'failed' && missing.failure.code === 'ProtectedSettingMissing', JSON.stringify(missing));
    assert.match(missing.status === 'failed' ? missing.failure.message : '', /NOT_SET_ANYWHERE/);
    assert.ok(keyVault.status === 'failed' && keyVault.failure.code === 'ProtectedSettingUnsupported', JSON.stringify(keyVault));
    assert.equal(clients.stats.requests.write, 0);
    assert.equal(emulator.state.extension(id, 'flux'), undefined);
  });
});
