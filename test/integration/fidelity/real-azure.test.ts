// Issue 14's table, one case per row, end to end on the real SDK clients: the emulator (which models what real Azure
// does, docs/emulator.md), the ARM adapters (reader at api-version 2025-03-01, applier) and the evaluation pipeline
// with the scan's policy (it waits for each operation and evaluates again). What goes on the wire is captured.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SPEC_MARKETPLACE_PLAN, startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { ArmClusterReader, ArmStepWriter, EXTENSIONS_API_VERSION, type ArmClients } from '../../../src/azure/arm/index.js';
import { noTelemetry } from '../../../src/azure/telemetry.js';
import { validateBaseline, type Baseline } from '../../../src/core/index.js';
import { runEvaluation, type EvaluationRun } from '../../../src/pipeline/evaluation.js';
import { scanPolicy } from '../../../src/pipeline/policies.js';
import { captureRequests, clientsFor, getPath, seedCluster, setPath, type CapturedRequest, type Json } from '../../support/arm.js';
import { CLUSTER_RP, CLUSTER_TYPE, EMULATOR_START_TIMEOUT_MS, POLL, extensionsClient } from '../../support/emulator.js';
import { InMemoryStore } from '../../support/fakes/index.js';

const NOW = new Date('2026-03-02T09:00:00Z');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const TOKEN_SETTING = 'FLUX_GIT_TOKEN';
const ENV = { [TOKEN_SETTING]: 'ghp-example-value' };

/** A baseline with the identity rules off (unless given) and the required extensions given. */
function baselineWith(requiredExtensions: Json[], rules: Json = {}): Baseline {
  return validateBaseline({ version: 1, rules, requiredExtensions });
}

const FLUX = { name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' };
const DAPR_HA = { name: 'dapr', extensionType: 'microsoft.dapr', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, configurationSettings: { 'global.ha.enabled': 'true' } };

interface Harness {
  arm: ArmClients;
  requests: CapturedRequest[];
}

describe("issue 14's cases over the real SDK clients", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ lroDurationMs: 30, throttleFactor: 0 });
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => emulator?.stop());

  /** Seeds an extension as ARM would show it once installed (Succeeded unless the body says otherwise). */
  function seedExtension(clusterId: string, body: Json & { properties: Json }): void {
    emulator.putExtension(clusterId, { ...body, properties: { provisioningState: 'Succeeded', ...body.properties } });
  }

  function harness(): Harness {
    const captured = captureRequests();
    return { arm: clientsFor(emulator, { additionalPolicies: [captured.policy] }), requests: captured.requests };
  }

  async function evaluate(clusterId: string, baseline: Baseline, options: { arm: ArmClients; apply?: boolean; approvals?: string[]; store?: InMemoryStore }): Promise<EvaluationRun> {
    const result = await runEvaluation(
      {
        reader: new ArmClusterReader(() => options.arm),
        writer: new ArmStepWriter(() => options.arm, ENV),
        telemetry: noTelemetry,
        baseline,
        ...(options.store ? { records: { state: options.store, remediations: options.store, attempts: options.store } } : {}),
      },
      scanPolicy({ apply: options.apply ?? true, wait: true, record: options.store !== undefined, approvals: options.approvals ?? [] }),
      { clusterId, cause: { kind: 'cli', id: 'fidelity', caller: 'tester' }, now: NOW, log: quiet },
    );
    if (!result.found) throw new Error(`${clusterId} was not found`);
    return result;
  }

  const writes = (requests: CapturedRequest[]) => requests.filter((request) => request.method !== 'GET');
  const outcomeOf = (run: EvaluationRun) => Object.fromEntries(run.steps.map((report) => [report.step.action, report.outcome]));
  const extensionBody = (clusterId: string, name: string) => emulator.state.extension(clusterId, name);

  test('a stopped cluster: the drift is reported, every write step is blocked ClusterStopped, nothing is sent; once started, the fix runs', async () => {
    // Prepare: workload identity off, and the cluster stopped
    const id = seedCluster(emulator, 'aks-stopped', (body) => {
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      setPath(body, 'properties.powerState', { code: 'Stopped' });
    });
    const baseline = baselineWith([FLUX], { workloadIdentity: { mode: 'auto' } });
    const { arm, requests } = harness();
    const store = new InMemoryStore();

    // Act
    const stopped = await evaluate(id, baseline, { arm, store });

    // Assess
    expect(stopped.status).toBe('NonCompliant');
    expect(stopped.steps.map((report) => [report.step.action, report.outcome, report.blockedBy?.reason])).toStrictEqual([['enable-workload-identity', 'blocked', 'ClusterStopped']]);
    expect(stopped.steps[0]?.reason).toMatch(/az aks start --resource-group rg-test --name aks-stopped/);
    expect(writes(requests)).toStrictEqual([]);
    expect(store.rowsOf(id)).toStrictEqual([]);
    expect(stopped.followUp).toBeUndefined();

    // Act: someone starts it; the next evaluation fixes it
    await arm.containerService(id.split('/')[2] as string).managedClusters.beginStartAndWait('rg-test', 'aks-stopped', POLL);
    const started = await evaluate(id, baseline, { arm, store });

    expect(outcomeOf(started)).toStrictEqual({ 'enable-workload-identity': 'applied' });
    expect(started.after?.evaluation.status).toBe('Compliant');
  });

  test('a Failed cluster is settled, not busy: its steps run and the write reconciles it', async () => {
    const id = seedCluster(emulator, 'aks-failed', (body) => {
      setPath(body, 'properties.provisioningState', 'Failed');
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
    });
    const { arm, requests } = harness();

    const run = await evaluate(id, baselineWith([FLUX], { workloadIdentity: { mode: 'auto' } }), { arm });

    expect(outcomeOf(run)).toStrictEqual({ 'enable-workload-identity': 'applied' });
    expect(writes(requests).map((request) => request.method)).toStrictEqual(['PUT']);
    expect(getPath(emulator.state.cluster(id), 'properties.provisioningState')).toBe('Succeeded');
    expect(run.after?.evaluation.status).toBe('Compliant');
  });

  test('an AKS-managed extension is read at 2025-03-01 with managedBy and managementDetails, reported, blocked ManagedByAks and never written', async () => {
    // Prepare: flux managed by AKS, on a release train the baseline does not want
    const id = seedCluster(emulator, 'aks-managed-ext', () => undefined, { extensions: false });
    seedExtension(id, {
      name: 'flux',
      managedBy: id,
      properties: { extensionType: 'microsoft.flux', releaseTrain: 'Preview', autoUpgradeMinorVersion: true, managementDetails: { category: 'managed', accessDetails: [] } },
    });
    const { arm, requests } = harness();

    // Act
    const snapshot = await new ArmClusterReader(() => arm).readCluster(id);
    const run = await evaluate(id, baselineWith([FLUX]), { arm });

    // Assess
    expect(requests.filter((request) => request.url.includes('/extensions')).every((request) => request.url.includes(`api-version=${EXTENSIONS_API_VERSION}`))).toBe(true);
    expect(snapshot.extensions[0]).toMatchObject({ name: 'flux', managedBy: id, managementDetails: { category: 'managed' } });
    expect(run.status).toBe('NonCompliant');
    expect(run.steps.map((report) => [report.outcome, report.blockedBy?.reason])).toStrictEqual([['blocked', 'ManagedByAks']]);
    expect(writes(requests)).toStrictEqual([]);
  });

  test('writes still work at api-version 2025-03-01: an install (PUT) and an update (PATCH)', async () => {
    const id = seedCluster(emulator, 'aks-writes-2025', () => undefined, { extensions: false });
    const { arm, requests } = harness();

    const installed = await evaluate(id, baselineWith([FLUX]), { arm });
    await extensionsClient(emulator, id.split('/')[2] as string).extensions.beginUpdateAndWait('rg-test', CLUSTER_RP, CLUSTER_TYPE, 'aks-writes-2025', 'flux', { releaseTrain: 'Preview' }, POLL);
    const updated = await evaluate(id, baselineWith([FLUX]), { arm });

    expect(outcomeOf(installed)).toStrictEqual({ 'install-extension': 'applied' });
    expect(outcomeOf(updated)).toStrictEqual({ 'update-extension': 'applied' });
    expect(writes(requests).map((request) => [request.method, new URL(request.url).searchParams.get('api-version')])).toStrictEqual([
      ['PUT', EXTENSIONS_API_VERSION],
      ['PATCH', EXTENSIONS_API_VERSION],
    ]);
    expect(updated.after?.evaluation.status).toBe('Compliant');
  });

  test('protected settings are never lost: installed with them, failed, repaired by the app (a PATCH that carries them all), still there', async () => {
    // Prepare: the app installs flux with a protected setting from an app setting
    const id = seedCluster(emulator, 'aks-protected', () => undefined, { extensions: false });
    const baseline = baselineWith([{ ...FLUX, protectedSettings: { 'git.token': { appSetting: TOKEN_SETTING } } }]);
    const { arm, requests } = harness();
    await evaluate(id, baseline, { arm });
    expect(emulator.state.protectedSettingNames(id, 'flux')).toStrictEqual(['git.token']);
    // ... then someone's write fails, and the extension is Failed
    emulator.setFaults([{ route: 'PATCH /**/extensions/flux', kind: 'lro-failed', sequence: [true] }]);
    await expect(
      extensionsClient(emulator, id.split('/')[2] as string).extensions.beginUpdateAndWait('rg-test', CLUSTER_RP, CLUSTER_TYPE, 'aks-protected', 'flux', { configurationSettings: { 'x.y': 'z' } }, POLL),
    ).rejects.toThrow();
    emulator.setFaults([]);
    expect(getPath(extensionBody(id, 'flux'), 'properties.provisioningState')).toBe('Failed');
    requests.length = 0;

    // Act: the app repairs it
    const run = await evaluate(id, baseline, { arm });

    // Assess
    expect(outcomeOf(run)).toStrictEqual({ 'repair-extension': 'applied' });
    const [repair] = writes(requests);
    expect(repair?.method).toBe('PATCH');
    expect(getPath(repair?.body, 'properties.configurationProtectedSettings')).toStrictEqual({ 'git.token': ENV[TOKEN_SETTING] });
    expect(getPath(extensionBody(id, 'flux'), 'properties.provisioningState')).toBe('Succeeded');
    expect(emulator.state.protectedSettingNames(id, 'flux')).toStrictEqual(['git.token']);
  });

  test('an update of an extension whose baseline declares no protected settings sends none, and the service keeps what it has', async () => {
    const id = seedCluster(emulator, 'aks-protected-kept', () => undefined, { extensions: false });
    await extensionsClient(emulator, id.split('/')[2] as string).extensions.beginCreateAndWait(
      'rg-test', CLUSTER_RP, CLUSTER_TYPE, 'aks-protected-kept', 'flux',
      { extensionType: 'microsoft.flux', releaseTrain: 'Preview', autoUpgradeMinorVersion: true, configurationProtectedSettings: { 'git.password': 'set-by-hand' } },
      POLL,
    );
    const { arm, requests } = harness();

    const run = await evaluate(id, baselineWith([FLUX]), { arm });

    expect(outcomeOf(run)).toStrictEqual({ 'update-extension': 'applied' });
    expect(getPath(writes(requests)[0]?.body, 'properties.configurationProtectedSettings')).toBeUndefined();
    expect(emulator.state.protectedSettingNames(id, 'flux')).toStrictEqual(['git.password']);
  });

  describe('Dapr global.ha.enabled cannot change after creation: recreate', () => {
    function seedDapr(name: string): string {
      const id = seedCluster(emulator, name, (body) => setPath(body, 'location', 'westeurope'), { extensions: false });
      seedExtension(id, { name: 'dapr', properties: { extensionType: 'microsoft.dapr', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, configurationSettings: { 'global.ha.enabled': 'false' } } });
      return id;
    }

    test('in auto mode the recreate is blocked ImmutableSetting and nothing is sent', async () => {
      const id = seedDapr('aks-dapr-auto');
      const { arm, requests } = harness();

      const run = await evaluate(id, baselineWith([{ ...DAPR_HA, mode: 'auto' }]), { arm });

      expect(run.steps.map((report) => [report.step.action, report.outcome, report.blockedBy?.reason])).toStrictEqual([['recreate-extension', 'blocked', 'ImmutableSetting']]);
      expect(run.steps[0]?.step.disrupts).toMatch(/delet/i);
      expect(writes(requests)).toStrictEqual([]);
    });

    test('in approval mode, approved: DELETE, wait until gone, then PUT; one intent; the extension runs with the new setting', async () => {
      const id = seedDapr('aks-dapr-approved');
      const { arm, requests } = harness();
      const store = new InMemoryStore();
      const baseline = baselineWith([{ ...DAPR_HA, mode: 'approval' }]);

      const waiting = await evaluate(id, baseline, { arm, store });
      const approved = await evaluate(id, baseline, { arm, store, approvals: ['required-extension/dapr:recreate-extension'] });

      expect(outcomeOf(waiting)).toStrictEqual({ 'recreate-extension': 'awaiting-approval' });
      expect(outcomeOf(approved)).toStrictEqual({ 'recreate-extension': 'applied' });
      const sent = writes(requests);
      expect(sent.map((request) => request.method)).toStrictEqual(['DELETE', 'PUT']);
      // Between them, the applier looked for the extension and found it gone.
      const deleteAt = requests.indexOf(sent[0] as CapturedRequest);
      const putAt = requests.indexOf(sent[1] as CapturedRequest);
      expect(requests.slice(deleteAt, putAt).some((request) => request.method === 'GET' && request.url.includes('/extensions/dapr?'))).toBe(true);
      expect(extensionBody(id, 'dapr')).toMatchObject({ properties: { provisioningState: 'Succeeded', configurationSettings: { 'global.ha.enabled': 'true' } } });
      expect(store.rowsOf(id)).toStrictEqual([['required-extension/dapr:recreate-extension', 'Succeeded', 1]]);
      const [row] = await store.listRemediations(id);
      expect(row?.request.method).toBe('DELETE+PUT');
      expect(approved.after?.evaluation.status).toBe('Compliant');
    });
  });

  test('Azure Container Storage v2 installed satisfies a requirement for v1 or v2, and no v1 install is planned or sent', async () => {
    const id = seedCluster(emulator, 'aks-acstor-v2', () => undefined, { extensions: false });
    seedExtension(id, { name: 'acstor', properties: { extensionType: 'microsoft.azurecontainerstoragev2', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, scope: { cluster: { releaseNamespace: 'kube-system' } } } });
    const { arm, requests } = harness();
    const v1 = { name: 'azurecontainerstorage', extensionType: 'microsoft.azurecontainerstorage', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' };
    const v2 = { name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' };

    const forV1 = await evaluate(id, baselineWith([v1]), { arm });
    const forV2 = await evaluate(id, baselineWith([v2]), { arm });

    for (const run of [forV1, forV2]) {
      expect(run.status).toBe('Compliant');
      expect(run.evaluation.plan).toStrictEqual([]);
    }
    expect(forV1.evaluation.results[0]?.message).toMatch(/v2|azurecontainerstoragev2/i);
    expect(writes(requests)).toStrictEqual([]);
  });

  describe('Marketplace plans (REST spec 2025-03-01 CreateExtensionWithPlan)', () => {
    const VOTE = { name: 'azure-vote', extensionType: 'azure-vote', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto', plan: { ...SPEC_MARKETPLACE_PLAN } };

    test('an install sends the plan, and the emulator (which refuses a Marketplace PUT without it) creates it', async () => {
      const id = seedCluster(emulator, 'aks-vote', () => undefined, { extensions: false });
      const { arm, requests } = harness();

      const run = await evaluate(id, baselineWith([VOTE]), { arm });

      expect(outcomeOf(run)).toStrictEqual({ 'install-extension': 'applied' });
      expect(writes(requests)[0]?.body).toMatchObject({ plan: SPEC_MARKETPLACE_PLAN });
      expect(extensionBody(id, 'azure-vote')).toMatchObject({ plan: SPEC_MARKETPLACE_PLAN, properties: { provisioningState: 'Succeeded' } });
      expect(run.after?.evaluation.status).toBe('Compliant');
    });

    test('a plan that differs from the installed one is drift', async () => {
      const id = seedCluster(emulator, 'aks-vote-other-plan', () => undefined, { extensions: false });
      seedExtension(id, { name: 'azure-vote', plan: { ...SPEC_MARKETPLACE_PLAN, name: 'azure-vote-premium' }, properties: { extensionType: 'azure-vote', releaseTrain: 'Stable', autoUpgradeMinorVersion: true } });
      const { arm } = harness();

      const run = await evaluate(id, baselineWith([VOTE]), { arm, apply: false });

      expect(run.status).toBe('NonCompliant');
      expect(run.evaluation.results[0]?.message).toMatch(/plan/i);
    });
  });

  test('a pinned 1.14.4-msft.10 is not met by 1.14.4-msft.9: the version is updated', async () => {
    const id = seedCluster(emulator, 'aks-dapr-pinned', (body) => setPath(body, 'location', 'westeurope'), { extensions: false });
    seedExtension(id, { name: 'dapr', properties: { extensionType: 'microsoft.dapr', releaseTrain: 'Stable', autoUpgradeMinorVersion: false, version: '1.14.4-msft.9', currentVersion: '1.14.4-msft.9' } });
    const { arm, requests } = harness();
    const pinned = { name: 'dapr', extensionType: 'microsoft.dapr', releaseTrain: 'Stable', autoUpgradeMinorVersion: false, version: '1.14.4-msft.10', mode: 'auto' };

    const run = await evaluate(id, baselineWith([pinned]), { arm });

    expect(run.evaluation.status).toBe('NonCompliant');
    expect(outcomeOf(run)).toStrictEqual({ 'update-extension': 'applied' });
    expect(getPath(writes(requests)[0]?.body, 'properties.version')).toBe('1.14.4-msft.10');
    expect(getPath(extensionBody(id, 'dapr'), 'properties.version')).toBe('1.14.4-msft.10');
  });

  test('disabling pod identity sends the profile as exactly { enabled: false }, after recording what it removes', async () => {
    // Prepare: a cluster with one pod identity and one exception (workload identity already on)
    const identity = {
      resourceId: '/subscriptions/6b3ea2d4-1f0c-4e5a-9b7d-2c8e1f4a6d90/resourceGroups/rg-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shop',
      clientId: '5e8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
      objectId: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
    };
    const id = seedCluster(emulator, 'aks-pod-identity', (body) =>
      setPath(body, 'properties.podIdentityProfile', {
        enabled: true,
        allowNetworkPluginKubenet: true,
        userAssignedIdentities: [{ name: 'shop', namespace: 'shop', identity }],
        userAssignedIdentityExceptions: [{ name: 'probe', namespace: 'kube-system', podLabels: { app: 'probe' } }],
      }),
    );
    const { arm, requests } = harness();
    const store = new InMemoryStore();

    // Act
    const run = await evaluate(id, baselineWith([FLUX], { podIdentityDisabled: { mode: 'approval' } }), { arm, store, approvals: ['no-pod-identity:disable-pod-identity'] });

    // Assess: the wire body, and ARM's state after it
    expect(outcomeOf(run)).toStrictEqual({ 'disable-pod-identity': 'applied' });
    const [put] = writes(requests);
    expect(put?.method).toBe('PUT');
    expect(getPath(put?.body, 'properties.podIdentityProfile')).toStrictEqual({ enabled: false });
    expect(getPath(emulator.state.cluster(id), 'properties.podIdentityProfile.userAssignedIdentities')).toBeUndefined();
    // ... and the record kept what ARM no longer has
    const [row] = await store.listRemediations(id);
    expect(row?.removes).toStrictEqual({
      podIdentities: [{ name: 'shop', namespace: 'shop', identityResourceId: identity.resourceId, clientId: identity.clientId }],
      podIdentityExceptions: [{ name: 'probe', namespace: 'kube-system', podLabels: { app: 'probe' } }],
    });
    expect(row?.disrupts).toMatch(/pod identit/i);
  });
});
