// evaluateAndRemediate end to end: the real core, the real SDK clients, the emulator.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import type { OperationHandle } from '../../../src/azure/arm/index.js';
import type { PlanStep } from '../../../src/core/index.js';
import { evaluateAndRemediate, type StepReport } from '../../../src/services/remediation.js';
import { autoBaseline, clientsFor, seedCluster, setPath } from '../../support/arm.js';
import { EMULATOR_START_TIMEOUT_MS } from '../../support/emulator.js';

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

function outcomes(steps: StepReport[]): Record<string, string> {
  return Object.fromEntries(steps.map((report) => [report.step.action, report.outcome]));
}

describe('evaluateAndRemediate (core + SDK clients + emulator)', () => {
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

    const result = await evaluateAndRemediate({ clusterId: id, baseline, arm, approvals: ['managed-identity'], apply: false, wait: true, now: NOW });

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

    const result = await evaluateAndRemediate({ clusterId: id, baseline, arm, approvals: ['managed-identity'], apply: true, wait: true, now: NOW });

    expect(outcomes(result.steps)).toStrictEqual({
      'enable-managed-identity': 'applied',
      'enable-workload-identity': 'applied',
      'disable-pod-identity': 'awaiting-approval',
      'install-extension': 'applied',
    });
    // The cluster was evaluated again.
    expect(result.after).toBeDefined();
    const after = Object.fromEntries((result.after?.results ?? []).map((r) => [r.ruleId, r.status]));
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

    const result = await evaluateAndRemediate({ clusterId: id, baseline, arm, approvals: ['no-pod-identity:disable-pod-identity'], apply: true, wait: true, now: NOW });

    const byAction = Object.fromEntries(result.steps.map((report) => [report.step.action, report]));
    expect(byAction['enable-managed-identity']).toMatchObject({ outcome: 'awaiting-approval', reason: expect.stringMatching(/approve/) });
    expect(byAction['disable-pod-identity']).toMatchObject({ outcome: 'blocked', reason: expect.stringMatching(/depends on/) });
    expect(arm.stats.requests.write).toBe(0);
  });

  test('without waiting, starts what it can and blocks what would need it finished', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-nowait');
    const arm = clientsFor(emulator);

    const result = await evaluateAndRemediate({ clusterId: id, baseline, arm, approvals: ['managed-identity'], apply: true, wait: false, now: NOW });

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

    const result = await evaluateAndRemediate({ clusterId: id, baseline: auditOnly, arm, approvals: ['managed-identity'], apply: true, wait: true, now: NOW });

    expect(outcomes(result.steps)).toStrictEqual({ 'enable-managed-identity': 'audit-only' });
    expect(arm.stats.requests.write).toBe(0);
  });

  test('lets a caller wrap every write: record it, or skip one a previous run already made', async () => {
    // Prepare: hooks that record every call and skip the extension install
    const id = seedDriftedCluster(emulator, 'aks-svc-hooks');
    const arm = clientsFor(emulator);
    const calls: string[] = [];
    const handles: OperationHandle[] = [];

    // Act
    const result = await evaluateAndRemediate({
      clusterId: id,
      baseline,
      arm,
      approvals: ['managed-identity'],
      apply: true,
      wait: true,
      now: NOW,
      hooks: {
        beforeWrite: async (step: PlanStep) => {
          calls.push(`before ${step.action}`);
          if (step.action === 'install-extension') return { skip: { outcome: 'try-later', reason: 'an earlier run started this write; waiting for it' } };
          return undefined;
        },
        afterWrite: async (step, handle) => {
          calls.push(`after ${step.action}`);
          handles.push(handle);
        },
        afterStep: async (report) => {
          calls.push(`report ${report.step.action} ${report.outcome}`);
        },
      },
    });

    // Assess
    expect(calls).toStrictEqual([
      'before enable-managed-identity',
      'after enable-managed-identity',
      'report enable-managed-identity applied',
      'before enable-workload-identity',
      'after enable-workload-identity',
      'report enable-workload-identity applied',
      'report disable-pod-identity awaiting-approval',
      'before install-extension',
      'report install-extension try-later',
    ]);
    // The skipped write was not made.
    expect(emulator.state.extension(id, 'flux')).toBeUndefined();
    expect(handles.map((handle) => handle.started)).toStrictEqual(handles.map(() => true));
    expect(result.steps).toHaveLength(4);
  });
});
