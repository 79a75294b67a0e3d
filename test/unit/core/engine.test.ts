// Adding a rule: a Defender rule defined here, in test code, joins an engine through createEngine and shows up in the
// baseline schema, the plan order, the evaluation and the docs tables, with no other edit. This is the recipe of
// docs/architecture.md ("Adding a rule"): in the app, the definition is a module in src/core/rules/ and one line in
// RULES (src/core/registry.ts).
import { describe, expect, test } from '@jest/globals';
import { isObject } from '../../../src/core/cluster-body.js';
import { createEngine } from '../../../src/core/engine.js';
import { parseBaseline } from '../../../src/core/baseline.js';
import { ACTION_ORDER, RULES } from '../../../src/core/registry.js';
import { managedIdentityRule } from '../../../src/core/rules/managed-identity.js';
import { generatedFiles, readmeRuleTable } from '../../../src/core/registry-docs.js';
import { sameResourceId } from '../../../src/core/resource-ids.js';
import { defineClusterRule, outcome, type RuleOutcome } from '../../../src/core/rules/rule.js';
import { toClusterSnapshot } from '../../../src/core/snapshot.js';
import type { ClusterSnapshot, Mode } from '../../../src/core/types.js';
import { CLUSTER_ID, clusterBody, FLUX, NOW, problemsOf, SUBSCRIPTION, type ClusterOptions } from '../../support/builders.js';

const WORKSPACE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law-prod`;

// ---- The rule, as its module in src/core/rules/defender.ts would be. ----

interface DefenderSettings {
  mode: Mode;
  logAnalyticsWorkspaceResourceId: string;
}

/** `properties.securityProfile.defender` as read (the snapshot model does not lift it, so the rule reads the body). */
function defenderProfile(snapshot: ClusterSnapshot): { enabled: boolean; workspace: string | null } {
  const properties = isObject(snapshot.body.properties) ? snapshot.body.properties : {};
  const security = isObject(properties.securityProfile) ? properties.securityProfile : {};
  const defender = isObject(security.defender) ? security.defender : {};
  const monitoring = isObject(defender.securityMonitoring) ? defender.securityMonitoring : {};
  return { enabled: monitoring.enabled === true, workspace: typeof defender.logAnalyticsWorkspaceResourceId === 'string' ? defender.logAnalyticsWorkspaceResourceId : null };
}

function checkDefender(snapshot: ClusterSnapshot, settings: DefenderSettings): RuleOutcome<'enable-defender'> {
  const ruleId = 'defender';
  const expected = { securityMonitoring: { enabled: true }, logAnalyticsWorkspaceResourceId: settings.logAnalyticsWorkspaceResourceId };
  const { enabled, workspace } = defenderProfile(snapshot);
  const observed = { securityMonitoring: { enabled }, logAnalyticsWorkspaceResourceId: workspace };
  if (enabled && workspace !== null && sameResourceId(workspace, settings.logAnalyticsWorkspaceResourceId)) {
    return outcome({ ruleId, status: 'Compliant', reason: 'DefenderEnabled', message: 'Defender security monitoring is on.', expected, observed });
  }
  return outcome(
    { ruleId, status: 'NonCompliant', reason: enabled ? 'DefenderWorkspaceMismatch' : 'DefenderDisabled', message: enabled ? `Defender reports to ${workspace ?? 'no workspace'}.` : 'Defender security monitoring is off.', expected, observed },
    {
      action: 'enable-defender',
      description: 'Turn on Defender security monitoring, reporting to the baseline\'s workspace.',
      clusterPatch: { properties: { securityProfile: { defender: { logAnalyticsWorkspaceResourceId: settings.logAnalyticsWorkspaceResourceId, securityMonitoring: { enabled: true } } } } },
    },
  );
}

const defenderRule = defineClusterRule({
  id: 'defender',
  key: 'defender',
  title: 'Microsoft Defender for Containers security monitoring is on and reports to the given Log Analytics workspace.',
  settings: {
    properties: {
      logAnalyticsWorkspaceResourceId: {
        type: 'string',
        pattern: '^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.OperationalInsights/workspaces/[^/]+$',
        errorMessage: 'must be the resource id of a Log Analytics workspace',
        description: 'Resource id of the Log Analytics workspace Defender reports to.',
      },
    },
    required: ['logAnalyticsWorkspaceResourceId'],
  },
  actions: [
    {
      name: 'enable-defender',
      target: 'cluster',
      after: ['enable-managed-identity'],
      description: '`PUT <clusterId>` with `securityProfile.defender.securityMonitoring.enabled: true` and its `logAnalyticsWorkspaceResourceId`.',
      disrupts: null,
    },
  ],
  check: checkDefender,
});

// ---- Registering it: one line. ----

const engine = createEngine([...RULES, defenderRule]);

// ---- What follows from the definition. ----

function clusterWithDefender(options: ClusterOptions, defender?: Record<string, unknown>): ClusterSnapshot {
  const body = clusterBody(options);
  const properties = body.properties as { securityProfile: Record<string, unknown> };
  if (defender) properties.securityProfile.defender = defender;
  return toClusterSnapshot(body, { value: [] });
}

const BASELINE_TEXT = JSON.stringify({
  version: 1,
  rules: { managedIdentity: { mode: 'approval' }, defender: { mode: 'auto', logAnalyticsWorkspaceResourceId: WORKSPACE } },
  requiredExtensions: [FLUX],
});

describe('a rule defined outside the registry (Defender), registered with createEngine', () => {
  test('is in the baseline schema: its key, its mode and its parameter (required)', () => {
    const rules = engine.schema.properties.rules.properties;

    expect(Object.keys(rules)).toStrictEqual(['managedIdentity', 'podIdentityDisabled', 'workloadIdentity', 'defender']);
    expect(rules.defender).toMatchObject({
      description: 'Rule defender: Microsoft Defender for Containers security monitoring is on and reports to the given Log Analytics workspace.',
      additionalProperties: false,
      required: ['mode', 'logAnalyticsWorkspaceResourceId'],
      properties: { mode: { enum: ['audit', 'auto', 'approval'] }, logAnalyticsWorkspaceResourceId: { type: 'string' } },
    });
    expect(engine.schema.properties.exemptions.items.properties.ruleId.description).toBe(
      'Rule id (managed-identity, no-pod-identity, workload-identity, required-extension/<name>, defender) or "*" for all rules.',
    );
  });

  test('validates its parameter with that schema, and the default engine does not know the rule', () => {
    const without = JSON.stringify({ version: 1, rules: { defender: { mode: 'auto' } } });
    const wrong = JSON.stringify({ version: 1, rules: { defender: { mode: 'auto', logAnalyticsWorkspaceResourceId: '/subscriptions/x' } } });

    expect(engine.parseBaseline(BASELINE_TEXT, 'b.json').rules.defender).toStrictEqual({ mode: 'auto', logAnalyticsWorkspaceResourceId: WORKSPACE });
    expect(problemsOf(() => engine.parseBaseline(without, 'b.json'))).toStrictEqual(['rules.defender.logAnalyticsWorkspaceResourceId: is required']);
    expect(problemsOf(() => engine.parseBaseline(wrong, 'b.json'))).toStrictEqual(['rules.defender.logAnalyticsWorkspaceResourceId: must be the resource id of a Log Analytics workspace']);
    expect(problemsOf(() => parseBaseline(BASELINE_TEXT, 'b.json'))).toStrictEqual(['rules.defender: is not a known property']);
  });

  test('takes its place in the plan order: after the managed identity, before the extension actions that wait for it', () => {
    const order = engine.registry.actions.map((action) => action.name);

    expect(order).toStrictEqual(['enable-managed-identity', 'enable-workload-identity', 'disable-pod-identity', 'enable-defender', 'install-extension', 'repair-extension', 'update-extension', 'recreate-extension', 'manual-role-assignment', 'manual-trusted-access']);
    expect(order.filter((name) => name !== 'enable-defender')).toStrictEqual(ACTION_ORDER);
  });

  test('is evaluated, and its fix is a cluster PUT carrying the parameter, after the managed identity', () => {
    // Prepare: a service principal cluster without Defender or Flux.
    const snapshot = clusterWithDefender({ identityType: null, spClientId: 'sp-client-id', eTag: 'etag-1' });
    const baseline = engine.parseBaseline(BASELINE_TEXT, 'b.json');

    // Act
    const evaluation = engine.evaluate(snapshot, baseline, { now: NOW });

    // Assess: results, in registry order.
    expect(evaluation.results.map((r) => [r.ruleId, r.status, r.reason])).toStrictEqual([
      ['managed-identity', 'NonCompliant', 'ServicePrincipalCluster'],
      ['required-extension/flux', 'NonCompliant', 'ExtensionMissing'],
      ['defender', 'NonCompliant', 'DefenderDisabled'],
    ]);
    // The plan: Defender's PUT follows the managed identity's, the Flux install waits for the managed identity only.
    expect(evaluation.plan.map((step) => [step.id, step.action, step.mode, step.dependsOn])).toStrictEqual([
      ['managed-identity:enable-managed-identity', 'enable-managed-identity', 'approval', []],
      ['defender:enable-defender', 'enable-defender', 'auto', ['managed-identity:enable-managed-identity']],
      ['required-extension/flux:install-extension', 'install-extension', 'auto', ['managed-identity:enable-managed-identity']],
    ]);
    const defender = evaluation.plan[1];
    expect(defender?.clusterPatch).toStrictEqual({ properties: { securityProfile: { defender: { logAnalyticsWorkspaceResourceId: WORKSPACE, securityMonitoring: { enabled: true } } } } });
    expect(defender?.change.method).toBe('PUT');
    expect(defender?.change.path).toBe(CLUSTER_ID);
    expect(defender?.change.ifMatch).toBeUndefined();
    // The body carries the earlier identity patch and keeps what the cluster had under securityProfile.
    expect(defender?.change.body).toMatchObject({
      identity: { type: 'SystemAssigned' },
      properties: { securityProfile: { workloadIdentity: { enabled: true }, defender: { logAnalyticsWorkspaceResourceId: WORKSPACE, securityMonitoring: { enabled: true } } } },
    });
    // Deterministic: the same input gives the same evaluation.
    expect(engine.evaluate(snapshot, baseline, { now: NOW })).toStrictEqual(evaluation);
  });

  test.each([
    ['on, reporting to the workspace (any casing of the id)', 'Compliant', 'DefenderEnabled', { securityMonitoring: { enabled: true }, logAnalyticsWorkspaceResourceId: WORKSPACE.toLowerCase() }, []],
    ['on, reporting elsewhere', 'NonCompliant', 'DefenderWorkspaceMismatch', { securityMonitoring: { enabled: true }, logAnalyticsWorkspaceResourceId: `${WORKSPACE}-old` }, ['defender:enable-defender']],
    ['on, reporting nowhere', 'NonCompliant', 'DefenderWorkspaceMismatch', { securityMonitoring: { enabled: true } }, ['defender:enable-defender']],
    ['off', 'NonCompliant', 'DefenderDisabled', { securityMonitoring: { enabled: false }, logAnalyticsWorkspaceResourceId: WORKSPACE }, ['defender:enable-defender']],
  ])('on a managed identity cluster with Defender %s: %s (%s)', (_what, status, reason, defender, plan) => {
    const baseline = engine.parseBaseline(JSON.stringify({ version: 1, rules: { defender: { mode: 'auto', logAnalyticsWorkspaceResourceId: WORKSPACE } } }), 'b.json');

    const evaluation = engine.evaluate(clusterWithDefender({}, defender), baseline, { now: NOW });

    expect(evaluation.results.map((r) => [r.ruleId, r.status, r.reason])).toStrictEqual([['defender', status, reason]]);
    expect(evaluation.plan.map((step) => step.id)).toStrictEqual(plan);
  });

  test('is in the README and docs tables and the published schema that npm run schema would write', () => {
    const files = Object.fromEntries(generatedFiles(engine.registry).map((file) => [file.path, file]));
    const docs = files['docs/baseline.md']?.render('<!-- rules:start --><!-- rules:end -->\n<!-- actions:start --><!-- actions:end -->\n') ?? '';

    expect(readmeRuleTable(engine.registry).split('\n').at(-1)).toBe(
      '| `defender` | `rules.defender` with `logAnalyticsWorkspaceResourceId` | Microsoft Defender for Containers security monitoring is on and reports to the given Log Analytics workspace. | `enable-defender` (after `enable-managed-identity`) |',
    );
    expect(docs).toContain('| `rules.defender` | `defender` | Microsoft Defender for Containers security monitoring is on and reports to the given Log Analytics workspace. | `logAnalyticsWorkspaceResourceId` (required): Resource id of the Log Analytics workspace Defender reports to. | `enable-defender` (after `enable-managed-identity`) |');
    expect(docs).toContain('| 4 | `enable-defender` | `defender` | cluster | `enable-managed-identity` | `PUT <clusterId>` with `securityProfile.defender.securityMonitoring.enabled: true` and its `logAnalyticsWorkspaceResourceId`. |');
    expect(files['schema/baseline.schema.json']?.render('')).toContain('"logAnalyticsWorkspaceResourceId": {');
  });

  test('lists its rule id among those a baseline turns on', () => {
    expect(engine.ruleIdsOf(engine.parseBaseline(BASELINE_TEXT, 'b.json'))).toStrictEqual(['managed-identity', 'required-extension/flux', 'defender']);
  });

  test('refuses a rule whose action comes after an action no rule declares, when the engine is built', () => {
    const misspelt = { ...defenderRule, actions: [{ ...defenderRule.actions[0], name: 'enable-defender', target: 'cluster' as const, description: 'x', after: ['enable-managed-identities'], disrupts: null }] };

    expect(() => createEngine([...RULES, misspelt])).toThrow('action enable-defender (rule defender) runs after "enable-managed-identities", which no rule declares');
  });
});

describe('createEngine', () => {
  test('without the required-extension family, the baseline has no requiredExtensions', () => {
    const identityOnly = createEngine([managedIdentityRule]);

    expect(Object.keys(identityOnly.schema.properties)).not.toContain('requiredExtensions');
    expect(identityOnly.validateBaseline({ version: 1, rules: { managedIdentity: { mode: 'audit' } } }).requiredExtensions).toStrictEqual([]);
    expect(problemsOf(() => identityOnly.validateBaseline({ version: 1, requiredExtensions: [FLUX] }))).toStrictEqual(['requiredExtensions: is not a known property']);
  });
});
