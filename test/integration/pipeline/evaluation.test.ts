// The evaluation pipeline end to end on the ARM adapters: the real core, the real SDK clients, the emulator.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { ArmClusterReader, ArmStepWriter, type ArmClients } from '../../../src/azure/arm/index.js';
import { noTelemetry } from '../../../src/azure/telemetry.js';
import type { Baseline } from '../../../src/core/index.js';
import { runEvaluation, type EvaluationRecords, type EvaluationRun, type StepReport } from '../../../src/pipeline/evaluation.js';
import { scanPolicy } from '../../../src/pipeline/policies.js';
import type { StepWriter } from '../../../src/ports.js';
import { autoBaseline, clientsFor, seedCluster, setPath } from '../../support/arm.js';
import { EMULATOR_START_TIMEOUT_MS } from '../../support/emulator.js';
import { InMemoryStore } from '../../support/fakes/index.js';
import { crashAfterIntent, crashAfterWrite } from '../../support/faults.js';

const NOW = new Date('2026-01-15T12:00:00Z');

/** Managed identity and pod identity need approval; workload identity and Flux are fixed automatically. */
const baseline = autoBaseline({
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } },
});

/** A service-principal cluster with pod identity on, workload identity off and no Flux. */
function seedDriftedCluster(emulator: RunningEmulator, name: string): string {
  return seedCluster(
    emulator,
    name,
    (body) => {
      setPath(body, 'identity', undefined);
      setPath(body, 'properties.servicePrincipalProfile', { clientId: '0f6f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b' });
      setPath(body, 'properties.identityProfile', undefined);
      setPath(body, 'properties.podIdentityProfile', { enabled: true, allowNetworkPluginKubenet: true, userAssignedIdentities: [], userAssignedIdentityExceptions: [] });
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
    },
    { extensions: false },
  );
}

interface Run {
  approvals: string[];
  apply: boolean;
  wait: boolean;
  baseline?: Baseline;
  records?: EvaluationRecords;
  writer?: StepWriter;
}

/** One run of the pipeline as the CLI scan runs it (no store unless `records` is given). */
async function evaluate(clusterId: string, arm: ArmClients, options: Run): Promise<EvaluationRun> {
  const result = await runEvaluation(
    {
      reader: new ArmClusterReader(() => arm),
      writer: options.writer ?? new ArmStepWriter(() => arm, {}),
      telemetry: noTelemetry,
      baseline: options.baseline ?? baseline,
      ...(options.records ? { records: options.records } : {}),
    },
    scanPolicy({ apply: options.apply, wait: options.wait, record: options.records !== undefined, approvals: options.approvals }),
    { clusterId, cause: { kind: 'cli', id: 'scan-test', caller: 'tester' }, now: NOW, log: { info: () => undefined, warn: () => undefined, error: () => undefined } },
  );
  if (!result.found) throw new Error(`${clusterId} was not found`);
  return result;
}

function outcomes(steps: StepReport[]): Record<string, string> {
  return Object.fromEntries(steps.map((report) => [report.step.action, report.outcome]));
}

describe('runEvaluation (core + ARM adapters + emulator)', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ lroDurationMs: 50 });
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => {
    await emulator?.stop();
  });

  test('is a dry run unless asked to apply: it reports what would run and writes nothing', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-dry');
    const arm = clientsFor(emulator);

    const result = await evaluate(id, arm, { approvals: ['managed-identity'], apply: false, wait: true });

    expect(result.evaluation.status).toBe('NonCompliant');
    expect(outcomes(result.steps)).toStrictEqual({
      'enable-managed-identity': 'skipped-dry-run',
      'enable-workload-identity': 'skipped-dry-run',
      'disable-pod-identity': 'awaiting-approval',
      'install-extension': 'skipped-dry-run',
    });
    expect(arm.stats.requests.write).toBe(0);
    expect(result.after).toBeUndefined();
  });

  test('runs auto and approved steps in order, holds back the rest, and re-evaluates after waiting', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-apply');
    const arm = clientsFor(emulator);

    const result = await evaluate(id, arm, { approvals: ['managed-identity'], apply: true, wait: true });

    expect(outcomes(result.steps)).toStrictEqual({
      'enable-managed-identity': 'applied',
      'enable-workload-identity': 'applied',
      'disable-pod-identity': 'awaiting-approval',
      'install-extension': 'applied',
    });
    // The cluster was evaluated again.
    expect(result.after).toBeDefined();
    const after = Object.fromEntries((result.after?.evaluation.results ?? []).map((r) => [r.ruleId, r.status]));
    expect(after).toMatchObject({
      'managed-identity': 'Compliant',
      'workload-identity': 'Compliant',
      'no-pod-identity': 'NonCompliant',
      'required-extension/flux': 'Compliant',
    });
    const stored = emulator.state.cluster(id) as { identity?: { type?: string } };
    expect(stored.identity?.type).toBe('SystemAssigned');
  });

  test('approves by step id as well as by rule id, and blocks what depends on an unapproved step', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-blocked');
    const arm = clientsFor(emulator);

    const result = await evaluate(id, arm, { approvals: ['no-pod-identity:disable-pod-identity'], apply: true, wait: true });

    const byAction = Object.fromEntries(result.steps.map((report) => [report.step.action, report]));
    expect(byAction['enable-managed-identity']).toMatchObject({ outcome: 'awaiting-approval', reason: expect.stringMatching(/approve/) });
    expect(byAction['disable-pod-identity']).toMatchObject({ outcome: 'blocked', reason: expect.stringMatching(/depends on/) });
    expect(arm.stats.requests.write).toBe(0);
  });

  test('without waiting, starts what it can and blocks what would need it finished', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-nowait');
    const arm = clientsFor(emulator);

    const result = await evaluate(id, arm, { approvals: ['managed-identity'], apply: true, wait: false });

    const byAction = Object.fromEntries(result.steps.map((report) => [report.step.action, report]));
    expect(byAction['enable-managed-identity']?.outcome).toBe('started');
    expect(byAction['enable-managed-identity']?.operation?.correlationId).toBeTruthy();
    expect(byAction['enable-workload-identity']?.outcome).toBe('blocked');
    expect(byAction['install-extension']?.outcome).toBe('blocked');
    expect(result.after).toBeUndefined();
    expect(arm.stats.requests.write).toBe(1);
  });

  test('never fixes an audit rule', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-audit');
    const arm = clientsFor(emulator);
    const auditOnly = autoBaseline({ rules: { managedIdentity: { mode: 'audit' } }, requiredExtensions: [] });

    const result = await evaluate(id, arm, { approvals: ['managed-identity'], apply: true, wait: true, baseline: auditOnly });

    expect(outcomes(result.steps)).toStrictEqual({ 'enable-managed-identity': 'audit-only' });
    expect(arm.stats.requests.write).toBe(0);
  });

  test('keeps the intent protocol over real ARM: an intent row before each write, none while an earlier write may be in flight', async () => {
    // Prepare: a store whose log has an open intent, seconds old, for the Flux install; every intent and write noted
    const id = seedDriftedCluster(emulator, 'aks-svc-intents');
    const arm = clientsFor(emulator);
    const store = new InMemoryStore();
    await store.startRemediation({
      clusterId: id,
      stepId: 'required-extension/flux:install-extension',
      ruleId: 'required-extension/flux',
      action: 'install-extension',
      attempt: 1,
      cause: { kind: 'event', id: 'earlier' },
      request: { method: 'PUT', path: `${id}/providers/Microsoft.KubernetesConfiguration/extensions/flux` },
      now: new Date(NOW.getTime() - 10_000),
    });
    const calls: string[] = [];
    const log = crashAfterIntent(store, { afterIntent: async (stepId) => void calls.push(`intent ${stepId}`) });
    const writer = crashAfterWrite(new ArmStepWriter(() => arm, {}), { afterWrite: async (step, handle) => void calls.push(`write ${step.id} ${handle.started ? 'accepted' : 'not sent'}`) });

    // Act
    const result = await evaluate(id, arm, { approvals: ['managed-identity'], apply: true, wait: true, records: { state: store, remediations: log, attempts: store }, writer });

    // Assess
    expect(calls).toStrictEqual([
      'intent managed-identity:enable-managed-identity',
      'write managed-identity:enable-managed-identity accepted',
      'intent workload-identity:enable-workload-identity',
      'write workload-identity:enable-workload-identity accepted',
    ]);
    expect(outcomes(result.steps)).toStrictEqual({
      'enable-managed-identity': 'applied',
      'enable-workload-identity': 'applied',
      'disable-pod-identity': 'awaiting-approval',
      'install-extension': 'started',
    });
    // The write that may be in flight was not made again.
    expect(emulator.state.extension(id, 'flux')).toBeUndefined();
    expect(store.rowsOf(id)).toStrictEqual([
      ['required-extension/flux:install-extension', 'Started', 1],
      ['managed-identity:enable-managed-identity', 'Succeeded', 1],
      ['workload-identity:enable-workload-identity', 'Succeeded', 1],
    ]);
    expect((await store.getState(id))?.status).toBe('NonCompliant');
  });
});
