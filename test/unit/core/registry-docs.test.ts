// What `npm run schema` writes: the published schema and the README/docs rule tables, derived from the registry.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { BASELINE_SCHEMA } from '../../../src/core/baseline-schema.js';
import { createRegistry, RULES } from '../../../src/core/registry.js';
import { actionTable, docsRuleTable, generatedFiles, readmeRuleTable, replaceRegion, schemaText } from '../../../src/core/registry-docs.js';
import { defineClusterRule, outcome } from '../../../src/core/rules/rule.js';
import { repoPath } from '../../support/paths.js';

describe('the committed generated files', () => {
  test('are what `npm run schema` writes (run npm run schema after changing a rule)', () => {
    // Act: every file whose committed text differs from the generated text.
    const stale = generatedFiles()
      .filter((file) => {
        const committed = readFileSync(repoPath(file.path), 'utf8');
        return file.render(committed) !== committed;
      })
      .map((file) => `${file.path} is out of date: run npm run schema`);

    // Assess
    expect(stale).toStrictEqual([]);
  });

  test('publish the schema the code validates with, two-space indented with a final newline', () => {
    expect(schemaText(createRegistry(RULES))).toBe(`${JSON.stringify(BASELINE_SCHEMA, null, 2)}\n`);
  });
});

describe('replaceRegion', () => {
  test('replaces what lies between the markers, and nothing else', () => {
    const text = 'before\n<!-- rules:start -->\nold\ntable\n<!-- rules:end -->\nafter\n';

    expect(replaceRegion(text, 'rules', 'new')).toBe('before\n<!-- rules:start -->\nnew\n<!-- rules:end -->\nafter\n');
  });

  test.each([
    ['no markers', 'text'],
    ['only a start', '<!-- rules:start -->'],
    ['the end before the start', '<!-- rules:end --><!-- rules:start -->'],
    ['two regions of one name', '<!-- rules:start --><!-- rules:end --><!-- rules:start --><!-- rules:end -->'],
  ])('refuses %s', (_what, text) => {
    expect(() => replaceRegion(text, 'rules', 'x')).toThrow('expected one "<!-- rules:start -->" followed by one "<!-- rules:end -->"');
  });
});

describe('the tables', () => {
  // A rule that reports only (no action), with a required parameter whose description has a "|".
  const tagRule = defineClusterRule({
    id: 'owner-tag',
    key: 'ownerTag',
    title: 'the cluster has an owner tag.',
    settings: { properties: { tagName: { type: 'string', description: 'Tag name | default owner.' }, note: { type: 'string' } }, required: ['tagName'] },
    actions: [],
    check: () => outcome({ ruleId: 'owner-tag', status: 'Compliant', reason: 'Tagged', message: 'ok' }),
  });
  const registry = createRegistry([...RULES, tagRule]);

  test('README: one row per rule, with its baseline key, parameters and actions', () => {
    expect(readmeRuleTable(registry).split('\n').slice(-2)).toStrictEqual([
      '| `required-extension/<name>` | `requiredExtensions[]` | An extension of the entry\'s `extensionType` is installed and `Succeeded`, and its release train, version and settings match. | `install-extension`, `repair-extension`, `update-extension`, `recreate-extension`, `manual-role-assignment`, `manual-trusted-access` (after `enable-managed-identity`) |',
      '| `owner-tag` | `rules.ownerTag` with `tagName`, `note` | The cluster has an owner tag. | none (reports only) |',
    ]);
  });

  test('docs: parameters with whether they are required and what they mean, pipes escaped', () => {
    expect(docsRuleTable(registry).split('\n').at(-1)).toBe('| `rules.ownerTag` | `owner-tag` | The cluster has an owner tag. | `tagName` (required): Tag name \\| default owner.; `note` | none (reports only) |');
  });

  test('actions in plan order, numbered, with their rule, target, what they run after and what they disrupt', () => {
    expect(actionTable(registry).split('\n').slice(4, 6)).toStrictEqual([
      '| 2 | `enable-workload-identity` | `workload-identity` | cluster | `enable-managed-identity` | `PUT <clusterId>` with `oidcIssuerProfile.enabled` and `securityProfile.workloadIdentity.enabled` both true. | Turning the OIDC issuer on restarts the API server (brief control-plane downtime), and it cannot be turned off again. Nothing when the issuer is already on. |',
      '| 3 | `disable-pod-identity` | `no-pod-identity` | cluster | `enable-workload-identity` | `PUT <clusterId>` with `podIdentityProfile` replaced by `{ "enabled": false }`: its pod identities, exceptions and `allowNetworkPluginKubenet` are dropped, as `az aks update --disable-pod-identity` does. The step lists what it removes (`removes`). | Removes every pod identity and exception from the cluster (listed in the step): pods that got Azure tokens through AAD pod identity stop getting them, until they use workload identity. |',
    ]);
    // An action whose docs name no disruption says so.
    expect(actionTable(registry).split('\n').find((row) => row.startsWith('| 6 |'))).toMatch(/^\| 6 \| `update-extension` .* \| Nothing documented\. \|$/);
  });

  test('a rule whose actions wait for different things lists each with its own', () => {
    const mixed = defineClusterRule({
      id: 'mixed',
      key: 'mixed',
      title: 'mixed.',
      settings: {},
      actions: [
        { name: 'first-fix', target: 'cluster', after: [], description: 'first', disrupts: null },
        { name: 'second-fix', target: 'cluster', after: ['first-fix', 'enable-managed-identity'], description: 'second', disrupts: null },
      ],
      check: () => outcome({ ruleId: 'mixed', status: 'Compliant', reason: 'Fine', message: 'ok' }),
    });

    expect(readmeRuleTable(createRegistry([...RULES, mixed])).split('\n').at(-1)).toBe('| `mixed` | `rules.mixed` | Mixed. | `first-fix`, `second-fix` (after `first-fix`, `enable-managed-identity`) |');
  });
});
