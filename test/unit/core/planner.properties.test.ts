// Property-based tests of the planner over random clusters and baselines built from every drift condition:
//  1. applying a plan's changes and evaluating again leaves no NonCompliant result among the rules it addressed;
//  2. planning is idempotent (same input -> same plan; nothing left to plan for the addressed rules once fixed);
//  3. a compliant cluster gives an empty plan.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { applyPlanToSnapshot } from '../../support/apply-plan.js';
import type { Baseline } from '../../../src/core/baseline.js';
import { EXTENSION_TYPES } from '../../../src/core/extension-types/index.js';
import { evaluateSnapshot } from '../../../src/core/evaluate.js';
import type { ClusterSnapshot, Evaluation } from '../../../src/core/types.js';
import { ALL_IDENTITY_RULES, baselineOf, CLUSTER_ID, NOW, snapshotOf, type ClusterOptions, type ExtensionOptions } from '../../support/builders.js';

const TYPES = [...EXTENSION_TYPES.map((e) => e.extensionType), 'contoso.widget'];
const SETTING_KEYS = ['a.enabled', 'b.replicas', 'c.mode'];
const SETTING_VALUES = ['true', 'false', '3'];
const MODES = ['audit', 'auto', 'approval'] as const;

/** Mostly absent: `fc.option` would set a value four times in five. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });

const settingsArb = fc.dictionary(fc.constantFrom(...SETTING_KEYS), fc.constantFrom(...SETTING_VALUES), { maxKeys: 3 });

const clusterArb: fc.Arbitrary<ClusterOptions> = fc.record({
  identityType: fc.constantFrom<string | null>('SystemAssigned', 'UserAssigned', 'None', null),
  spClientId: fc.constantFrom<string | null>('msi', 'c0ffee', null),
  podIdentity: fc.boolean(),
  oidc: fc.boolean(),
  workloadIdentity: fc.boolean(),
  location: fc.constantFrom('eastus', 'West Europe', 'East US 2'),
  version: fc.constantFrom('1.9.6', '1.27.3', '1.30.4'),
  provisioningState: fc.constantFrom('Succeeded', 'Updating', 'Failed'),
  tags: fc.constantFrom<Record<string, string>>({}, { env: 'prod' }, { env: 'prod' }, { env: 'prod' }, { 'AKS-Baseline-Guard': 'skip' }),
});

/** Extensions on the cluster: mostly of the types the baseline requires, often under the baseline's names. */
const extensionArb = (requiredTypes: number[]): fc.Arbitrary<ExtensionOptions> =>
  fc
    .record({
      typeIndex: requiredTypes.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...requiredTypes), weight: 4 }, { arbitrary: fc.nat({ max: TYPES.length - 1 }), weight: 1 }) : fc.nat({ max: TYPES.length - 1 }),
      name: fc.constantFrom('ext-0', 'ext-1', 'ext-2', 'ext-3', 'ext-4', 'ext-5', 'other', 'flux-system', 'same-as-type'),
      provisioningState: fc.constantFrom('Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Failed', 'Canceled', 'Creating', 'Updating', 'Deleting', 'Weird'),
      releaseTrain: fc.constantFrom('Stable', 'Stable', 'Preview', 'stable'),
      version: fc.option(fc.constantFrom('1.0.0', '1.2.0'), { nil: undefined }),
      autoUpgradeMinorVersion: fc.option(fc.boolean(), { nil: undefined }),
      configurationSettings: settingsArb,
    })
    .map(({ typeIndex, name, ...rest }) => ({ ...rest, name: name === 'same-as-type' ? `ext-${typeIndex}` : name, extensionType: TYPES[typeIndex] ?? 'contoso.widget' }));

const extensionSpecArb = (typeIndex: number) =>
  fc
    .record({
      mode: fc.constantFrom(...MODES),
      releaseTrain: fc.option(fc.constantFrom('Stable', 'Preview'), { nil: undefined }),
      pinned: fc.option(fc.constantFrom('1.0.0', '1.2.0'), { nil: undefined }),
      autoUpgradeMinorVersion: fc.option(fc.boolean(), { nil: undefined }),
      configurationSettings: settingsArb,
      regions: rarely(fc.constantFrom(['eastus'], ['westeurope', 'eastus2'])),
      minKubernetesVersion: rarely(fc.constantFrom('1.27', '1.30.5')),
    })
    .map(({ pinned, autoUpgradeMinorVersion, ...spec }) => ({
      name: `ext-${typeIndex}`,
      extensionType: TYPES[typeIndex] ?? 'contoso.widget',
      ...spec,
      ...(pinned ? { version: pinned, autoUpgradeMinorVersion: false } : autoUpgradeMinorVersion === undefined ? {} : { autoUpgradeMinorVersion }),
    }));

const baselineArb: fc.Arbitrary<Baseline> = fc
  .record({
    rules: fc.record(
      { managedIdentity: fc.constantFrom(...MODES), podIdentityDisabled: fc.constantFrom(...MODES), workloadIdentity: fc.constantFrom(...MODES) },
      { requiredKeys: [] },
    ),
    typeIndexes: fc.uniqueArray(fc.nat({ max: TYPES.length - 1 }), { maxLength: TYPES.length }),
    excludeTags: fc.constantFrom({}, { 'aks-baseline-guard': 'skip' }),
    exemptRule: fc.option(fc.constantFrom('managed-identity', 'workload-identity', '*'), { nil: undefined }),
    exemptionExpires: fc.constantFrom('2026-01-01', '2026-12-31'),
  })
  .chain(({ rules, typeIndexes, excludeTags, exemptRule, exemptionExpires }) =>
    fc.tuple(...typeIndexes.map(extensionSpecArb)).map((requiredExtensions) => {
      const ruleIds = Object.keys(rules).map((key) => ({ managedIdentity: 'managed-identity', podIdentityDisabled: 'no-pod-identity', workloadIdentity: 'workload-identity' })[key]);
      const exemptions = exemptRule && (exemptRule === '*' || ruleIds.includes(exemptRule)) ? [{ clusterId: CLUSTER_ID, ruleId: exemptRule, reason: 'generated', expires: exemptionExpires }] : [];
      return baselineOf({
        rules: Object.fromEntries(Object.entries(rules).map(([key, mode]) => [key, { mode }])),
        requiredExtensions,
        excludeTags,
        exemptions,
      });
    }),
  );

/** A baseline and a cluster that drifts from it in random ways. */
const inputArb: fc.Arbitrary<[ClusterSnapshot, Baseline]> = baselineArb.chain((baseline) => {
  const requiredTypes = baseline.requiredExtensions.map((spec) => TYPES.indexOf(spec.extensionType));
  return fc
    .tuple(clusterArb, fc.uniqueArray(extensionArb(requiredTypes), { maxLength: 6, selector: (e) => e.name }))
    .map(([cluster, extensions]): [ClusterSnapshot, Baseline] => [snapshotOf(cluster, extensions), baseline]);
});

const evaluate = (snapshot: ClusterSnapshot, baseline: Baseline): Evaluation => evaluateSnapshot(snapshot, baseline, { now: NOW });

describe('planner properties', () => {
  test('applying a plan leaves no NonCompliant result among the rules it addressed, and nothing more to plan for them', () => {
    fc.assert(
      fc.property(inputArb, ([snapshot, baseline]) => {
        // Prepare
        const before = evaluate(snapshot, baseline);
        const addressed = new Set(before.plan.map((step) => step.ruleId));

        // Act
        const after = evaluate(applyPlanToSnapshot(snapshot, before.plan), baseline);

        // Assess
        const stillNonCompliant = after.results.filter((result) => addressed.has(result.ruleId) && result.status === 'NonCompliant');
        expect(stillNonCompliant.map((result) => `${result.ruleId}: ${result.message}`)).toStrictEqual([]);
        expect(after.plan.filter((step) => addressed.has(step.ruleId))).toStrictEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  test('planning is deterministic and idempotent', () => {
    fc.assert(
      fc.property(inputArb, ([snapshot, baseline]) => {
        const first = evaluate(snapshot, baseline);

        expect(evaluate(structuredClone(snapshot), structuredClone(baseline))).toStrictEqual(first);
        // Once the plan is applied there is nothing left to do: the next evaluation plans nothing.
        expect(evaluate(applyPlanToSnapshot(snapshot, first.plan), baseline).plan).toStrictEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  test('plans exactly one step per fixable NonCompliant result, in an order that respects dependsOn', () => {
    fc.assert(
      fc.property(inputArb, ([snapshot, baseline]) => {
        const evaluation = evaluate(snapshot, baseline);

        const nonCompliant = evaluation.results.filter((r) => r.status === 'NonCompliant').map((r) => r.ruleId);
        const ids = evaluation.plan.map((s) => s.id);
        // Step ids are unique.
        expect(new Set(ids).size).toBe(ids.length);
        evaluation.plan.forEach((step, index) => {
          // Each step addresses a NonCompliant rule, is named after it, and comes after every step it depends on.
          expect(nonCompliant).toContain(step.ruleId);
          expect(step.id).toBe(`${step.ruleId}:${step.action}`);
          for (const dep of step.dependsOn) expect(ids.slice(0, index)).toContain(dep);
          expect(JSON.stringify(step.change)).not.toContain('configurationProtectedSettings');
        });
        // With a managed identity to enable, every extension step waits for it.
        const identityFirst = evaluation.plan.some((s) => s.action === 'enable-managed-identity');
        const waiting = identityFirst ? evaluation.plan.filter((s) => s.ruleId.startsWith('required-extension/')) : [];
        for (const step of waiting) expect(step.dependsOn).toStrictEqual(['managed-identity:enable-managed-identity']);
      }),
      { numRuns: 300 },
    );
  });

  test('a compliant cluster gives an empty plan', () => {
    fc.assert(
      fc.property(baselineArb, fc.constantFrom('SystemAssigned', 'UserAssigned'), fc.boolean(), (baseline, identityType, renamed) => {
        // Prepare: a cluster built to satisfy the baseline: managed identity, workload identity on, every required extension healthy.
        const extensions: ExtensionOptions[] = baseline.requiredExtensions.map((spec, i) => ({
          name: renamed ? `installed-${i}` : spec.name,
          extensionType: renamed ? spec.extensionType.toUpperCase() : spec.extensionType,
          releaseTrain: spec.releaseTrain ?? 'Stable',
          autoUpgradeMinorVersion: spec.autoUpgradeMinorVersion ?? true,
          ...(spec.version ? { version: spec.version } : {}),
          configurationSettings: { ...spec.configurationSettings, 'unrelated.setting': 'x' },
        }));

        // Act
        const evaluation = evaluate(snapshotOf({ identityType, location: 'eastus', version: '1.30.4' }, extensions), baseline);

        // Assess
        expect(evaluation.results.filter((r) => r.status === 'NonCompliant' || r.status === 'Unknown')).toStrictEqual([]);
        expect(evaluation.plan).toStrictEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  test('an evaluation without NonCompliant results has an empty plan', () => {
    fc.assert(
      fc.property(inputArb, ([snapshot, baseline]) => {
        const evaluation = evaluate(snapshot, baseline);

        // Only evaluations without a NonCompliant result are held to an empty plan.
        const drifted = evaluation.results.some((r) => r.status === 'NonCompliant');
        expect(drifted ? [] : evaluation.plan).toStrictEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  test('the default identity rules fix a service principal cluster in one plan', () => {
    // Prepare
    const snapshot = snapshotOf({ identityType: null, spClientId: 'c0ffee', podIdentity: true, oidc: false, workloadIdentity: false });
    const baseline = baselineOf({ rules: ALL_IDENTITY_RULES });

    // Act
    const fixed = applyPlanToSnapshot(snapshot, evaluate(snapshot, baseline).plan);

    // Assess
    expect(evaluate(fixed, baseline).status).toBe('Compliant');
    expect(fixed.identityType).toBe('SystemAssigned');
    // The input snapshot is not changed.
    expect(snapshot.identityType).toBeUndefined();
  });
});
