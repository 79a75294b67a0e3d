// The evaluate table in words: blocked steps, what a step disrupts and what it removes, under the plan.
import { describe, expect, test } from '@jest/globals';
import { renderEvaluationTable } from '../../../src/cli/format.js';
import { evaluateSnapshot } from '../../../src/core/index.js';
import { baselineOf, FLUX, snapshotOf } from '../../support/builders.js';

const NOW = new Date('2026-03-02T09:00:00Z');

describe('renderEvaluationTable', () => {
  test('says in plain words why a step cannot run, and what the command to start the cluster is', () => {
    const evaluation = evaluateSnapshot(snapshotOf({ workloadIdentity: false, powerState: 'Stopped' }, []), baselineOf({ rules: { workloadIdentity: { mode: 'auto' } }, requiredExtensions: [FLUX] }), { now: NOW });

    const text = renderEvaluationTable(evaluation, 'baseline.json', 200);

    expect(text).toMatch(/#1 cannot run now \(ClusterStopped\): Cluster .* is stopped.*az aks start/);
    expect(text).toMatch(/#2 cannot run now \(ClusterStopped\)/);
  });

  test('says what a step disrupts and which pod identities it removes', () => {
    const podIdentityProfile = { enabled: true, userAssignedIdentities: [{ name: 'web', namespace: 'shop', identity: { resourceId: '/x', clientId: '11111111-2222-3333-4444-555555555555', objectId: 'o' } }], userAssignedIdentityExceptions: [] };
    const evaluation = evaluateSnapshot(snapshotOf({ podIdentityProfile }, []), baselineOf({ rules: { podIdentityDisabled: { mode: 'approval' } } }), { now: NOW });

    const text = renderEvaluationTable(evaluation, 'baseline.json', 200);

    expect(text).toMatch(/#1 disrupts: Removes every pod identity/);
    expect(text).toMatch(/#1 removes pod identity shop\/web \(client id 11111111-2222-3333-4444-555555555555\)/);
    expect(text).not.toMatch(/cannot run now/);
  });
});
