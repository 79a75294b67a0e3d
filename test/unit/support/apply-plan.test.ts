// applyPlanToSnapshot (test/support): what ARM would hold after a plan's changes, without ARM. The planner's property
// tests rely on it, so it is tested itself.
import { describe, expect, test } from '@jest/globals';
import { applyPlanToSnapshot } from '../../support/apply-plan.js';
import type { ArmChange, PlanStep } from '../../../src/core/types.js';
import { CLUSTER_ID, snapshotOf } from '../../support/builders.js';

const EXTENSIONS = `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions`;

function step(id: string, change: ArmChange, clusterPatch?: Record<string, unknown>): PlanStep {
  return { id, ruleId: id.split(':')[0] ?? id, action: 'update-extension', mode: 'auto', dependsOn: [], description: id, blockedBy: null, disrupts: null, change, ...(clusterPatch ? { clusterPatch } : {}) };
}

describe('applyPlanToSnapshot', () => {
  test('merges a cluster PUT body when the step has no clusterPatch', () => {
    const snapshot = snapshotOf({ podIdentity: true });

    const after = applyPlanToSnapshot(snapshot, [step('no-pod-identity:disable-pod-identity', { method: 'PUT', path: CLUSTER_ID, body: { properties: { podIdentityProfile: { enabled: false } } } })]);

    expect(after.podIdentityEnabled).toBe(false);
    // The input is not changed.
    expect(snapshot.podIdentityEnabled).toBe(true);
  });

  test('installs an extension from its PUT body, provisioned, with the pinned version running', () => {
    const snapshot = snapshotOf();

    const after = applyPlanToSnapshot(snapshot, [
      step('required-extension/dapr:install-extension', { method: 'PUT', path: `${EXTENSIONS}/dapr`, body: { properties: { extensionType: 'Microsoft.Dapr', version: '1.14.4', autoUpgradeMinorVersion: false } } }),
    ]);

    expect(after.extensions).toStrictEqual([
      { id: `${EXTENSIONS}/dapr`, name: 'dapr', extensionType: 'Microsoft.Dapr', configurationSettings: {}, version: '1.14.4', currentVersion: '1.14.4', autoUpgradeMinorVersion: false, provisioningState: 'Succeeded' },
    ]);
    expect(snapshot.extensions).toStrictEqual([]);
  });

  test('replaces the instance a PUT names, whatever the casing of its name', () => {
    const snapshot = snapshotOf({}, [{ name: 'Flux', extensionType: 'microsoft.flux', provisioningState: 'Failed' }]);

    const after = applyPlanToSnapshot(snapshot, [step('required-extension/flux:repair-extension', { method: 'PUT', path: `${EXTENSIONS}/flux`, body: { properties: { extensionType: 'microsoft.flux' } } })]);

    expect(after.extensions.map((e) => [e.name, e.provisioningState])).toStrictEqual([['flux', 'Succeeded']]);
  });

  test('refuses a PUT body without properties, which is no extension', () => {
    const snapshot = snapshotOf();

    expect(() => applyPlanToSnapshot(snapshot, [step('x:install-extension', { method: 'PUT', path: `${EXTENSIONS}/x`, body: {} })])).toThrow(/extensionType: is missing/);
  });

  test('applies a PATCH field by field: train, version, auto-upgrade and string settings; null unpins the version', () => {
    const snapshot = snapshotOf({}, [{ name: 'flux', extensionType: 'microsoft.flux', version: '1.8.0', autoUpgradeMinorVersion: false, provisioningState: 'Updating', configurationSettings: { kept: 'yes', changed: 'old' } }]);

    const patched = applyPlanToSnapshot(snapshot, [
      step('required-extension/flux:update-extension', {
        method: 'PATCH',
        path: `${EXTENSIONS}/flux`,
        body: { properties: { releaseTrain: 'Preview', version: '1.9.0', autoUpgradeMinorVersion: false, configurationSettings: { changed: 'new', ignored: 3 } } },
      }),
    ]);
    const unpinned = applyPlanToSnapshot(patched, [step('required-extension/flux:update-extension', { method: 'PATCH', path: `${EXTENSIONS}/flux`, body: { properties: { autoUpgradeMinorVersion: true, version: null } } })]);

    expect(patched.extensions[0]).toMatchObject({ releaseTrain: 'Preview', version: '1.9.0', currentVersion: '1.9.0', autoUpgradeMinorVersion: false, provisioningState: 'Succeeded', configurationSettings: { kept: 'yes', changed: 'new' } });
    expect(unpinned.extensions[0]?.version).toBeUndefined();
    expect(unpinned.extensions[0]?.autoUpgradeMinorVersion).toBe(true);
    // The input snapshot still has the old settings.
    expect(snapshot.extensions[0]?.configurationSettings).toStrictEqual({ kept: 'yes', changed: 'old' });
  });

  test('a PATCH without properties only marks the extension provisioned', () => {
    const snapshot = snapshotOf({}, [{ name: 'flux', extensionType: 'microsoft.flux', provisioningState: 'Updating' }]);

    const after = applyPlanToSnapshot(snapshot, [step('required-extension/flux:update-extension', { method: 'PATCH', path: `${EXTENSIONS}/flux`, body: {} })]);

    expect(after.extensions[0]).toStrictEqual({ ...snapshot.extensions[0], provisioningState: 'Succeeded' });
  });

  test('refuses to PATCH an extension the snapshot does not have', () => {
    const snapshot = snapshotOf();

    expect(() => applyPlanToSnapshot(snapshot, [step('x:update-extension', { method: 'PATCH', path: `${EXTENSIONS}/x`, body: { properties: {} } })])).toThrow(
      'step x:update-extension patches extension x, which the snapshot does not have',
    );
  });

  const elsewhere: [string, string][] = [
    ['its resource group', '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1'],
    ['one of its agent pools', `${CLUSTER_ID}/agentPools/nodepool1`],
    ['another cluster', CLUSTER_ID.replace('/c1', '/c2')],
  ];
  test.each(elsewhere)('refuses a step that targets %s', (_name, path) => {
    const snapshot = snapshotOf();

    expect(() => applyPlanToSnapshot(snapshot, [step('x:update-extension', { method: 'PUT', path, body: {} })])).toThrow(`step x:update-extension targets ${path}, which is neither the cluster nor one of its extensions`);
  });
});
