// evaluateAndRemediate end to end: the real core, the real SDK clients, the emulator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import type { OperationHandle } from '../../../src/azure/arm/index.js';
import type { PlanStep } from '../../../src/core/index.js';
import { evaluateAndRemediate, type StepReport } from '../../../src/services/remediation.js';
import { autoBaseline, clientsFor, seedCluster, setPath } from '../../support/arm.js';

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
  before(async () => {
    emulator = await startEmulator({ lroDurationMs: 50 });
  });
  after(async () => {
    await emulator.stop();
  });

  it('is a dry run unless asked to apply: it reports what would run and writes nothing', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-dry');
    const arm = clientsFor(emulator);

    const result = await evaluateAndRemediate({ clusterId: id, baseline, arm, approvals: ['managed-identity'], apply: false, wait: true, now: NOW });

    assert.equal(result.evaluation.status, 'NonCompliant');
    assert.deepEqual(outcomes(result.steps), {
      'enable-managed-identity': 'skipped-dry-run',
      'enable-workload-identity': 'skipped-dry-run',
      'disable-pod-identity': 'awaiting-approval',
      'install-extension': 'skipped-dry-run',
    });
    assert.equal(arm.stats.requests.write, 0);
    assert.equal(result.after, undefined);
  });

  it('runs auto and approved steps in order, holds back the rest, and re-evaluates after waiting', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-apply');
    const arm = clientsFor(emulator);

    const result = await evaluateAndRemediate({ clusterId: id, baseline, arm, approvals: ['managed-identity'], apply: true, wait: true, now: NOW });

    assert.deepEqual(outcomes(result.steps), {
      'enable-managed-identity': 'applied',
      'enable-workload-identity': 'applied',
      'disable-pod-identity': 'awaiting-approval',
      'install-extension': 'applied',
    });
    assert.ok(result.after, 'the cluster was evaluated again');
    const after = Object.fromEntries(result.after.results.map((r) => [r.ruleId, r.status]));
    assert.equal(after['managed-identity'], 'Compliant');
    assert.equal(after['workload-identity'], 'Compliant');
    assert.equal(after['no-pod-identity'], 'NonCompliant');
    assert.equal(after['required-extension/flux'], 'Compliant');
    const stored = emulator.state.cluster(id) as { identity?: { type?: string } };
    assert.equal(stored.identity?.type, 'SystemAssigned');
  });

  it('approves by step id as well as by rule id, and blocks what depends on an unapproved step', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-blocked');
    const arm = clientsFor(emulator);

    const result = await evaluateAndRemediate({ clusterId: id, baseline, arm, approvals: ['no-pod-identity:disable-pod-identity'], apply: true, wait: true, now: NOW });

    const byAction = Object.fromEntries(result.steps.map((report) => [report.step.action, report]));
    assert.equal(byAction['enable-managed-identity']?.outcome, 'awaiting-approval');
    assert.match(byAction['enable-managed-identity']?.reason ?? '', /approve/);
    assert.equal(byAction['disable-pod-identity']?.outcome, 'blocked');
    assert.match(byAction['disable-pod-identity']?.reason ?? '', /depends on/);
    assert.equal(arm.stats.requests.write, 0);
  });

  it('without waiting, starts what it can and blocks what would need it finished', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-nowait');
    const arm = clientsFor(emulator);

    const result = await evaluateAndRemediate({ clusterId: id, baseline, arm, approvals: ['managed-identity'], apply: true, wait: false, now: NOW });

    const byAction = Object.fromEntries(result.steps.map((report) => [report.step.action, report]));
    assert.equal(byAction['enable-managed-identity']?.outcome, 'started');
    assert.ok(byAction['enable-managed-identity']?.operation?.correlationId);
    assert.equal(byAction['enable-workload-identity']?.outcome, 'blocked');
    assert.equal(byAction['install-extension']?.outcome, 'blocked');
    assert.equal(result.after, undefined);
    assert.equal(arm.stats.requests.write, 1);
  });

  it('never fixes an audit rule', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-audit');
    const arm = clientsFor(emulator);
    const auditOnly = autoBaseline({ rules: { managedIdentity: { mode: 'audit' } }, requiredExtensions: [] });

    const result = await evaluateAndRemediate({ clusterId: id, baseline: auditOnly, arm, approvals: ['managed-identity'], apply: true, wait: true, now: NOW });

    assert.deepEqual(outcomes(result.steps), { 'enable-managed-identity': 'audit-only' });
    assert.equal(arm.stats.requests.write, 0);
  });

  it('lets a caller wrap every write: record it, or skip one a previous run already made', async () => {
    const id = seedDriftedCluster(emulator, 'aks-svc-hooks');
    const arm = clientsFor(emulator);
    const calls: string[] = [];
    const handles: OperationHandle[] = [];

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

    assert.deepEqual(calls, [
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
    assert.equal(emulator.state.extension(id, 'flux'), undefined, 'the skipped write was not made');
    assert.ok(handles.every((handle) => handle.started));
    assert.ok((await handles[0]?.serialize())?.length, 'the operation state was available to store');
    assert.equal(result.steps.length, 4);
  });
});
