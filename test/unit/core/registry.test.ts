// The rule registry: which rules a baseline turns on, in which order, and the checks that run when a registry is built
// (an action's `after` must name a declared action, and the `after`s must not form a cycle).
import { readdirSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { evaluateSnapshot } from '../../../src/core/evaluate.js';
import { planRemediation } from '../../../src/core/planner.js';
import { ACTION_ORDER, createRegistry, DEFAULT_REGISTRY, RULES } from '../../../src/core/registry.js';
import { defineClusterRule, outcome, type ActionDefinition, type ClusterRuleDefinition, type RuleDefinition, type RuleSettingsSchema } from '../../../src/core/rules/rule.js';
import { baselineOf, evaluateInput, FLUX, NOW, snapshotOf } from '../../support/builders.js';
import { repoPath } from '../../support/paths.js';

/** A cluster rule that is always NonCompliant and fixes itself with its first action. */
function testRule(id: string, actions: readonly ActionDefinition[], more: { key?: string; settings?: RuleSettingsSchema } = {}): ClusterRuleDefinition<object, string> {
  const [first] = actions;
  return defineClusterRule<string>({
    id,
    key: more.key ?? id.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
    title: `test rule ${id}.`,
    settings: more.settings ?? {},
    actions,
    check: () => {
      if (!first) return outcome({ ruleId: id, status: 'Compliant', reason: 'Test', message: 'test' });
      const fix = first.target === 'cluster' ? { clusterPatch: { properties: { [id]: true } } } : { change: { method: 'PUT' as const, path: `${snapshotOf().id}/providers/Microsoft.KubernetesConfiguration/extensions/${id}`, body: {} } };
      return outcome({ ruleId: id, status: 'NonCompliant', reason: 'Test', message: 'test' }, { action: first.name, description: `fix ${id}`, ...fix });
    },
  });
}

const clusterAction = (name: string, after: string[] = []): ActionDefinition => ({ name, target: 'cluster', after, description: name, disrupts: null });
const extensionAction = (name: string, after: string[] = []): ActionDefinition => ({ name, target: 'extension', after, description: name, disrupts: null });

describe('rule results', () => {
  test('turns on only the rules the baseline names, in a fixed order', () => {
    const evaluation = evaluateInput({ baseline: { requiredExtensions: [FLUX], rules: { workloadIdentity: { mode: 'auto' }, managedIdentity: { mode: 'audit' } } } });

    expect(evaluation.results.map((r) => r.ruleId)).toStrictEqual(['managed-identity', 'workload-identity', 'required-extension/flux']);
  });
});

describe('RULES', () => {
  test('lists the definition of every rule module in src/core/rules, once', async () => {
    // Prepare: what each module exports that looks like a definition.
    const modules = readdirSync(repoPath('src', 'core', 'rules')).filter((file) => file.endsWith('.ts') && file !== 'rule.ts');
    const exported: unknown[] = [];
    for (const file of modules) {
      const module = (await import(`../../../src/core/rules/${file.replace(/\.ts$/, '.js')}`)) as Record<string, unknown>;
      exported.push(...Object.values(module).filter((value) => typeof value === 'object' && value !== null && 'kind' in value));
    }

    // Assess
    expect(new Set(RULES)).toStrictEqual(new Set(exported));
    expect(RULES).toHaveLength(modules.length);
  });

  test('gives the plan order managed identity, workload identity, pod identity off, then the extension actions, then the steps a person takes', () => {
    expect(ACTION_ORDER).toStrictEqual(['enable-managed-identity', 'enable-workload-identity', 'disable-pod-identity', 'install-extension', 'repair-extension', 'update-extension', 'recreate-extension', 'manual-role-assignment', 'manual-trusted-access']);
  });

  test('names each action of every rule once, with its target', () => {
    expect(DEFAULT_REGISTRY.actions.map((action) => [action.name, action.target, action.after])).toStrictEqual([
      ['enable-managed-identity', 'cluster', []],
      ['enable-workload-identity', 'cluster', ['enable-managed-identity']],
      ['disable-pod-identity', 'cluster', ['enable-workload-identity']],
      ['install-extension', 'extension', ['enable-managed-identity']],
      ['repair-extension', 'extension', ['enable-managed-identity']],
      ['update-extension', 'extension', ['enable-managed-identity']],
      ['recreate-extension', 'extension', ['enable-managed-identity']],
      ['manual-role-assignment', 'manual', ['enable-managed-identity']],
      ['manual-trusted-access', 'manual', ['enable-managed-identity']],
    ]);
  });

  test('refuses to look up an action no rule declares', () => {
    expect(() => DEFAULT_REGISTRY.action('enable-defender')).toThrow('unknown remediation action "enable-defender"; the registry declares enable-managed-identity, enable-workload-identity, disable-pod-identity, install-extension, repair-extension, update-extension, recreate-extension, manual-role-assignment, manual-trusted-access');
  });
});

describe('createRegistry refuses definitions it cannot order or read', () => {
  const cases: [what: string, rules: readonly RuleDefinition[], message: string][] = [
    [
      'an action after an action no rule declares',
      [...RULES, testRule('defender', [clusterAction('enable-defender', ['enable-managed-identiy'])])],
      'rule registry: action enable-defender (rule defender) runs after "enable-managed-identiy", which no rule declares; known actions: enable-managed-identity, disable-pod-identity, enable-workload-identity, install-extension, repair-extension, update-extension, recreate-extension, manual-role-assignment, manual-trusted-access, enable-defender',
    ],
    ['an action after itself', [testRule('a', [clusterAction('fix-a', ['fix-a'])])], 'rule registry: action fix-a (rule a) runs after itself'],
    ['two actions with one name', [testRule('a', [clusterAction('fix')]), testRule('b', [clusterAction('fix')])], 'rule registry: action fix is declared by a and b; action names are unique'],
    ['two rules with one id', [testRule('a', []), testRule('a', [], { key: 'other' })], 'rule registry: rule id a is declared twice'],
    ['two rules with one key', [testRule('a', [], { key: 'same' }), testRule('b', [], { key: 'same' })], 'rule registry: baseline key rules.same is used by two rules'],
    ['a rule id that cannot be part of a step id', [testRule('My:Rule', [], { key: 'myRule' })], 'rule registry: rule id "My:Rule" must be lower-case letters, digits and "-"'],
    ['a baseline key that is not a plain name', [testRule('a', [], { key: 'a-b' })], 'rule registry: rule a: baseline key "a-b" must be letters and digits'],
    ['an action name that is not plain', [testRule('a', [clusterAction('Fix A')])], 'rule registry: action "Fix A" (rule a) must be lower-case letters, digits and "-"'],
    ['a parameter called mode', [testRule('a', [], { settings: { properties: { mode: { type: 'string' } } } })], 'rule registry: rule a: settings must not declare "mode"; every rule has it'],
    ['a required parameter it does not declare', [testRule('a', [], { settings: { properties: {}, required: ['workspace'] } })], 'rule registry: rule a: required setting "workspace" is not among its settings\' properties'],
    ['two families reading requiredExtensions', [...RULES, { ...RULES[3], idPattern: 'other/<name>' }], 'rule registry: required-extension/<name> and other/<name> both read requiredExtensions; a baseline list has one rule family'],
  ];
  test.each(cases)('%s', (_what, rules, message) => {
    expect(() => createRegistry(rules)).toThrow(message);
  });

  test('a cycle, named action by action', () => {
    const rules = [testRule('a', [clusterAction('fix-a', ['fix-c'])]), testRule('b', [clusterAction('fix-b', ['fix-a'])]), testRule('c', [extensionAction('fix-c', ['fix-b'])]), testRule('d', [clusterAction('fix-d')])];

    expect(() => createRegistry(rules)).toThrow('rule registry: the actions\' "after" form a cycle: fix-a after fix-c after fix-b after fix-a');
  });

  test('lists every problem at once', () => {
    expect(() => createRegistry([testRule('a', [clusterAction('fix', ['nothing'])]), testRule('b', [clusterAction('fix')])])).toThrow(
      'rule registry: action fix is declared by a and b; action names are unique; action fix (rule a) runs after "nothing", which no rule declares; known actions: fix',
    );
  });
});

describe('the planner follows each action\'s "after"', () => {
  test('a cluster action after an extension action waits for that step, and the cluster PUTs after it wait too', () => {
    // Prepare: flux missing (install-extension) and a cluster rule whose fix must follow the install.
    const registry = createRegistry([...RULES, testRule('after-flux', [clusterAction('tune-after-flux', ['install-extension'])])]);
    const baseline = baselineOf({ requiredExtensions: [FLUX] });
    baseline.rules = { workloadIdentity: { mode: 'auto' }, afterFlux: { mode: 'auto' } };

    // Act
    const evaluation = evaluateSnapshot(snapshotOf({ workloadIdentity: false }), baseline, { now: NOW, registry });

    // Assess
    expect(registry.actions.map((action) => action.name)).toStrictEqual([...ACTION_ORDER.slice(0, 4), 'tune-after-flux', ...ACTION_ORDER.slice(4)]);
    expect(evaluation.plan.map((step) => [step.id, step.dependsOn])).toStrictEqual([
      ['required-extension/flux:install-extension', []],
      ['workload-identity:enable-workload-identity', []],
      ['after-flux:tune-after-flux', ['workload-identity:enable-workload-identity', 'required-extension/flux:install-extension']],
    ]);
  });

  test('an extension action after another extension action waits for its steps', () => {
    const registry = createRegistry([...RULES, testRule('mesh', [extensionAction('install-mesh', ['install-extension'])])]);
    const baseline = baselineOf({ requiredExtensions: [FLUX] });
    baseline.rules = { mesh: { mode: 'auto' } };

    const evaluation = evaluateSnapshot(snapshotOf(), baseline, { now: NOW, registry });

    expect(evaluation.plan.map((step) => [step.id, step.dependsOn])).toStrictEqual([
      ['required-extension/flux:install-extension', []],
      ['mesh:install-mesh', ['required-extension/flux:install-extension']],
    ]);
  });

  test.each([
    ['cluster', { description: 'x', change: { method: 'PUT' as const, path: '/x', body: {} } }, 'rule r: action enable-managed-identity writes the cluster but its remediation has no clusterPatch'],
    ['extension', { description: 'x', clusterPatch: {} }, 'rule r: action install-extension writes the extension but its remediation has no change'],
  ])('a %s action with a remediation that writes the other thing is refused', (target, remediation, message) => {
    const action = target === 'cluster' ? 'enable-managed-identity' : 'install-extension';

    expect(() => planRemediation(snapshotOf(), [{ ruleId: 'r', mode: 'auto', remediation: { action, ...remediation } }])).toThrow(message);
  });
});
