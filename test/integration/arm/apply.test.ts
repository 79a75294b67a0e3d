// Applying plan steps through the real SDK clients: what goes on the wire, LROs, If-Match races, busy clusters,
// and protected settings.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { applyPlanStep, readClusterSnapshot, type ArmClients } from '../../../src/azure/arm/index.js';
import { clusterPutBody, evaluateSnapshot, type Baseline, type ClusterSnapshot, type PlanStep } from '../../../src/core/index.js';
import { autoBaseline, captureRequests, clientsFor, getPath, seedCluster, setPath } from '../../support/arm.js';
import { EMULATOR_START_TIMEOUT_MS } from '../../support/emulator.js';

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
  return evaluateSnapshot(snapshot, baseline, { now: NOW }).plan;
}

function stepFor(snapshot: ClusterSnapshot, baseline: Baseline, action: PlanStep['action']): PlanStep {
  const plan = planOf(snapshot, baseline);
  const step = plan.find((candidate) => candidate.action === action);
  if (!step) throw new Error(`the plan has no ${action} step (it has ${plan.map((candidate) => candidate.action).join(', ') || 'none'})`);
  return step;
}

async function apply(clients: ArmClients, step: PlanStep, snapshot: ClusterSnapshot, baseline: Baseline, env: Record<string, string> = {}) {
  return applyPlanStep(clients, step, { plannedFrom: snapshot, baseline, now: NOW, env });
}

/**
 * A rendezvous for racing clients: each client's first GET of cluster `name` returns only once `parties` clients have
 * had their answer (or after 5 s, so a client that never reads cannot hang the test). Later reads pass straight on.
 */
function readBarrier(name: string, parties: number): { policy: () => PipelinePolicy } {
  let answered = 0;
  let release: () => void = () => undefined;
  const everyone = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    policy: () => {
      let held = false;
      return {
        name: 'testReadBarrier',
        sendRequest: async (request, next) => {
          const response = await next(request);
          if (!held && request.method === 'GET' && new URL(request.url).pathname.endsWith(`/managedClusters/${name}`)) {
            held = true;
            answered += 1;
            if (answered === parties) release();
            await Promise.race([everyone, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
          }
          return response;
        },
      };
    },
  };
}

/** How long a write runs on the frozen emulator, in the emulator's time. */
const FROZEN_LRO_MS = 60;

/** An emulator whose clock stands still until a test advances it: a write stays in flight however slow the machine. */
async function startFrozenEmulator(): Promise<RunningEmulator> {
  const frozenAt = new Date();
  return startEmulator({ lroDurationMs: FROZEN_LRO_MS, now: () => frozenAt });
}

describe('ARM applier (SDK clients against the emulator)', () => {
  let emulator: RunningEmulator;
  const baseline = autoBaseline();

  beforeAll(async () => {
    emulator = await startEmulator({ lroDurationMs: 60, busyDurationMs: 400 });
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => {
    await emulator?.stop();
  });

  test('sends the cluster as read, minus read-only fields, with only the planned change', async () => {
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
    expect(outcome).toStrictEqual({ status: 'succeeded' });
    const puts = capture.requests.filter((request) => request.method === 'PUT');
    expect(puts).toHaveLength(1);
    const sent = leaves(puts[0]?.body);
    const read = leaves(snapshot.body);
    const intended = leaves(clusterPutBody(snapshot.body, step.clusterPatch ?? {}));
    // Nothing is sent that is neither read nor planned ...
    expect([...sent.keys()].filter((path) => !intended.has(path) && !READ_BACK_UNCHANGED.some((pattern) => pattern.test(path)))).toStrictEqual([]);
    // ... every leaf is sent as read (or as planned) ...
    expect(new Map([...sent].map(([path, value]) => [path, sameInstant(value)]))).toStrictEqual(
      new Map([...sent.keys()].map((path) => [path, sameInstant(intended.get(path) ?? read.get(path))])),
    );
    // ... and nothing that was read, and is writable, is left out.
    expect([...intended.keys()].filter((path) => !sent.has(path) && !READ_ONLY_IN_SPEC.some((pattern) => pattern.test(path)))).toStrictEqual([]);
    expect(sent.get('properties.securityProfile.workloadIdentity.enabled')).toBe(true);
    expect(sent.get('properties.oidcIssuerProfile.enabled')).toBe(true);

    // Assess: the stored cluster lost nothing: every leaf read is still there, apart from what was patched and what ARM recomputes
    const stored = leaves(emulator.state.cluster(id));
    const patched = new Set(leaves(step.clusterPatch).keys());
    const kept = [...read].filter(([path]) => !patched.has(path) && !SERVER_COMPUTED.some((pattern) => pattern.test(path)));
    expect(kept.map(([path]) => path).filter((path) => !stored.has(path))).toStrictEqual([]);
    expect(new Map(kept.map(([path]) => [path, sameInstant(stored.get(path))]))).toStrictEqual(new Map(kept.map(([path, value]) => [path, sameInstant(value)])));
    expect(stored.get('properties.securityProfile.workloadIdentity.enabled')).toBe(true);
  });

  test('carries If-Match with the eTag it just read', async () => {
    // Prepare
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

    // Act
    const handle = await apply(clients, stepFor(snapshot, baseline, 'disable-pod-identity'), snapshot, baseline);

    // Assess
    expect(handle.started).toBe(true);
    expect(headers).toStrictEqual([snapshot.eTag]);
    expect(await handle.wait()).toStrictEqual({ status: 'succeeded' });
  });

  test('returns a handle at once and lets the caller choose when to wait', async () => {
    // Prepare: time stands still, so the write is still running when the handle comes back however slow the machine
    const frozen = await startFrozenEmulator();
    try {
      const id = seedCluster(frozen, 'aks-lro-1', (body) => {
        setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      });
      const clients = clientsFor(frozen);
      const snapshot = await readClusterSnapshot(clients, id);

      // Act
      const handle = await apply(clients, stepFor(snapshot, baseline, 'enable-workload-identity'), snapshot, baseline);

      // Assess: started, not finished yet, with a correlation id
      expect(handle.started).toBe(true);
      expect(getPath(frozen.state.cluster(id), 'properties.provisioningState')).toBe('Updating');
      expect(handle.correlationId).toBeTruthy();

      // Act and assess: once the operation's time has passed, waiting polls it to its end
      frozen.clock.advance(FROZEN_LRO_MS);
      expect(await handle.wait()).toStrictEqual({ status: 'succeeded' });
      expect(getPath(frozen.state.cluster(id), 'properties.provisioningState')).toBe('Succeeded');
      // The wait polled the operation.
      expect(clients.stats.requests['lro-poll']).toBeGreaterThanOrEqual(1);
    } finally {
      await frozen.stop();
    }
  });

  test('reports an LRO that ends Failed as a failed outcome with the ARM error code', async () => {
    // Prepare
    const id = seedCluster(emulator, 'aks-lro-fail', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
    });
    const clients = clientsFor(emulator);
    const snapshot = await readClusterSnapshot(clients, id);
    emulator.setFaults([{ route: 'PUT /subscriptions/**/managedClusters/aks-lro-fail', kind: 'lro-failed', sequence: [true] }]);

    try {
      // Act
      const handle = await apply(clients, stepFor(snapshot, baseline, 'enable-workload-identity'), snapshot, baseline);
      const outcome = await handle.wait();

      // Assess
      expect(outcome).toMatchObject({
        status: 'failed',
        failure: { kind: 'permanent', message: expect.stringContaining(id), code: expect.stringMatching(/./) },
      });
    } finally {
      emulator.setFaults([]);
    }
  });

  /** Seeds a cluster without workload identity in `provisioningState`, then applies the step that enables it. */
  async function enableWorkloadIdentityOn(name: string, provisioningState: string) {
    const id = seedCluster(emulator, name, (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      setPath(body, 'properties.provisioningState', provisioningState);
    });
    const clients = clientsFor(emulator);
    const snapshot = await readClusterSnapshot(clients, id);
    const handle = await apply(clients, stepFor(snapshot, baseline, 'enable-workload-identity'), snapshot, baseline);
    return { id, clients, handle, outcome: await handle.wait() };
  }

  test('writes to a cluster whose last operation Failed: Failed is settled, and the write reconciles it', async () => {
    const { id, handle, outcome } = await enableWorkloadIdentityOn('aks-failed-1', 'Failed');

    expect(handle.started).toBe(true);
    expect(outcome).toStrictEqual({ status: 'succeeded' });
    expect(getPath(emulator.state.cluster(id), 'properties.provisioningState')).toBe('Succeeded');
  });

  test('says try later, without writing, while an operation runs on the cluster', async () => {
    const { clients, handle, outcome } = await enableWorkloadIdentityOn('aks-busy-1', 'Updating');

    expect(handle.started).toBe(false);
    expect(outcome).toMatchObject({ status: 'try-later', failure: { kind: 'busy' } });
    expect(clients.stats.requests.write).toBe(0);
  });

  test('turns an ARM 409 "operation in progress" into try later', async () => {
    // Prepare: a cluster write in flight (time stands still until the test moves it), and an extension step planned
    // from a snapshot that predates it
    const frozen = await startFrozenEmulator();
    try {
      const id = seedCluster(
        frozen,
        'aks-busy-2',
        (body) => {
          setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
        },
        { extensions: false },
      );
      const clients = clientsFor(frozen);
      const snapshot = await readClusterSnapshot(clients, id);
      const clusterWrite = await apply(clients, stepFor(snapshot, baseline, 'enable-workload-identity'), snapshot, baseline);
      expect(clusterWrite.started).toBe(true);

      // Act
      const install = await apply(clients, stepFor(snapshot, baseline, 'install-extension'), snapshot, baseline);
      const outcome = await install.wait();

      // Assess
      expect(outcome).toMatchObject({ status: 'try-later', failure: { kind: 'busy', statusCode: 409 } });
      frozen.clock.advance(FROZEN_LRO_MS);
      expect(await clusterWrite.wait()).toStrictEqual({ status: 'succeeded' });
    } finally {
      await frozen.stop();
    }
  });

  test('lets exactly one of two racing appliers write; the other re-reads, re-plans and never overwrites', async () => {
    // Prepare: an emulator of its own whose writes stay Updating for a second, so the loser's re-read after its 412
    // finds the winner's write still running however slow the machine (with the file's 60 ms LRO it sometimes found
    // it finished, and then rightly wrote its own change on top)
    const racing = await startEmulator({ lroDurationMs: 1_000 });
    try {
      // Prepare: two drifts, one applier per fix, both planned from the same read (same eTag)
      const id = seedCluster(racing, 'aks-race-1', (body) => {
        setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
        setPath(body, 'properties.podIdentityProfile', { enabled: true, allowNetworkPluginKubenet: true, userAssignedIdentities: [], userAssignedIdentityExceptions: [] });
      });
      // Both appliers' re-reads are held until both have been answered, so both PUTs carry the same eTag (a fixed
      // delay on the reads was not enough: on a busy machine the second read could arrive after the first PUT).
      const barrier = readBarrier('aks-race-1', 2);
      const first = clientsFor(racing, {
        token: racing.tokenFor({ appId: '11111111-1111-4111-8111-111111111111', objectId: '21111111-1111-4111-8111-111111111111' }),
        additionalPolicies: [barrier.policy()],
      });
      const second = clientsFor(racing, {
        token: racing.tokenFor({ appId: '31111111-1111-4111-8111-111111111111', objectId: '41111111-1111-4111-8111-111111111111' }),
        additionalPolicies: [barrier.policy()],
      });
      // Planned from a read by other clients, so the barrier holds the appliers' own re-reads.
      const snapshot = await readClusterSnapshot(clientsFor(racing), id);
      const enableWorkloadIdentity = stepFor(snapshot, baseline, 'enable-workload-identity');
      const disablePodIdentity = stepFor(snapshot, baseline, 'disable-pod-identity');

      // Act
      const [a, b] = await Promise.all([apply(first, enableWorkloadIdentity, snapshot, baseline), apply(second, disablePodIdentity, snapshot, baseline)]);

      // Assess: one write accepted, the other stood down without writing its stale body
      expect([a, b].filter((handle) => handle.started)).toHaveLength(1);
      const loser = a.started ? b : a;
      const winner = a.started ? a : b;
      expect(await loser.wait()).toMatchObject({ status: expect.stringMatching(/^(try-later|not-needed)$/) });
      // Two PUTs were sent: one won, one got 412.
      expect(first.stats.requests.write + second.stats.requests.write).toBe(2);
      expect(await winner.wait()).toStrictEqual({ status: 'succeeded' });

      // Act and assess: when the loser tries again it builds on the winner's change
      const retry = await apply(a.started ? second : first, loser.step, snapshot, baseline);
      expect(await retry.wait()).toStrictEqual({ status: 'succeeded' });
      const stored = racing.state.cluster(id);
      expect(getPath(stored, 'properties.securityProfile.workloadIdentity.enabled')).toBe(true);
      expect(getPath(stored, 'properties.podIdentityProfile.enabled')).toBe(false);
    } finally {
      await racing.stop();
    }
  });

  test('keeps protected settings on an extension PATCH', async () => {
    // Prepare: Flux on the wrong release train, installed with a protected setting
    const id = seedCluster(emulator, 'aks-ext-patch', undefined, { extensions: false });
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

    // Act: start the PATCH and wait for it
    const handle = await apply(clients, step, snapshot, baseline);
    const outcome = await handle.wait();

    // Assess
    expect(outcome).toStrictEqual({ status: 'succeeded' });
    expect(getPath(emulator.state.extension(id, 'flux'), 'properties.provisioningState')).toBe('Succeeded');
    const patch = capture.requests.find((request) => request.method === 'PATCH');
    // A PATCH was sent, without the protected settings, and they are still there.
    expect(patch).toBeDefined();
    expect(JSON.stringify(patch?.body)).not.toMatch(/configurationProtectedSettings/);
    expect(emulator.state.protectedSettingNames(id, 'flux')).toStrictEqual(['ssh-private-key']);
    expect(getPath(emulator.state.extension(id, 'flux'), 'properties.releaseTrain')).toBe('Stable');
  });

  test('installs an extension with protected settings taken from app settings at apply time', async () => {
    // Prepare
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
    // The plan holds references, never values.
    expect(JSON.stringify(step)).not.toMatch(/value-from-app-setting/);

    // Act
    const outcome = await (await apply(clients, step, snapshot, fluxWithSecret, { FLUX_SSH_KEY: 'value-from-app-setting' })).wait();

    // Assess
    expect(outcome).toStrictEqual({ status: 'succeeded' });
    expect(emulator.state.protectedSettingNames(id, 'flux')).toStrictEqual(['ssh-private-key']);
    const put = capture.requests.find((request) => request.method === 'PUT');
    expect((getPath(put?.body, 'properties.configurationProtectedSettings') as Record<string, string> | undefined)?.['ssh-private-key']).toBe('value-from-app-setting');
  });

  test('refuses, before writing, an install whose protected setting cannot be resolved', async () => {
    // Prepare: one baseline names an app setting that is not set, the other a Key Vault secret
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

    // Act
    const missing = await (await apply(clients, stepFor(snapshot, fluxWithSecret, 'install-extension'), snapshot, fluxWithSecret)).wait();
    const keyVault = await (await apply(clients, stepFor(snapshot, fluxFromKeyVault, 'install-extension'), snapshot, fluxFromKeyVault)).wait();

    // Assess
    expect(missing).toMatchObject({ status: 'failed', failure: { code: 'ProtectedSettingMissing', message: expect.stringMatching(/NOT_SET_ANYWHERE/) } });
    expect(keyVault).toMatchObject({ status: 'failed', failure: { code: 'ProtectedSettingUnsupported' } });
    expect(clients.stats.requests.write).toBe(0);
    expect(emulator.state.extension(id, 'flux')).toBeUndefined();
  });
});
