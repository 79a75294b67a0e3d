import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BASELINE_SCHEMA } from '../../../src/core/baseline-schema.js';
import { DEFAULT_BASELINE_PATH, loadBaselineFile } from '../../../src/core/baseline-file.js';
import { activeExemption, exclusionTagOf, isInScope, parseBaseline, ruleIdsOf, validateBaseline } from '../../../src/core/baseline.js';
import { EXTENSION_CATALOG, sameExtensionType } from '../../../src/core/catalog.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { CLUSTER_ID, FLUX, problemsOf } from '../../support/builders.js';

const EXAMPLES_DIR = path.resolve(process.cwd(), 'baselines', 'examples');

describe('shipped baselines', () => {
  it('default.json holds the three identity rules and Flux, with the documented modes', async () => {
    const baseline = await loadBaselineFile(DEFAULT_BASELINE_PATH);
    assert.deepEqual(baseline.rules, { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } });
    assert.deepEqual(baseline.requiredExtensions, [
      { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, configurationSettings: {}, protectedSettings: {} },
    ]);
  });

  it('baselines/examples covers each of the five catalog extensions, one file each', () => {
    const files = readdirSync(EXAMPLES_DIR);
    const types = files.flatMap((file) => parseBaseline(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'), file).requiredExtensions.map((e) => e.extensionType));
    for (const entry of EXTENSION_CATALOG) {
      assert.equal(types.filter((type) => sameExtensionType(type, entry.extensionType)).length, 1, `${entry.displayName} appears once`);
    }
  });

  for (const file of readdirSync(EXAMPLES_DIR)) {
    it(`examples/${file} is valid and declares settings`, () => {
      const baseline = parseBaseline(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'), file);
      assert.ok(baseline.requiredExtensions.every((e) => Object.keys(e.configurationSettings).length > 0));
    });
  }

  it('converts numbers and booleans in configurationSettings to the strings ARM stores', () => {
    const dapr = parseBaseline(readFileSync(path.join(EXAMPLES_DIR, 'dapr.json'), 'utf8'), 'dapr.json').requiredExtensions[0];
    assert.deepEqual(dapr?.configurationSettings, { 'global.ha.enabled': 'true', 'dapr_operator.replicaCount': '3' });
  });
});

describe('schema/baseline.schema.json', () => {
  const published = JSON.parse(readFileSync(path.resolve(process.cwd(), 'schema', 'baseline.schema.json'), 'utf8')) as unknown;

  it('is the schema the code validates with (regenerate: aks-baseline-guard baseline schema > schema/baseline.schema.json)', () => {
    assert.deepEqual(published, JSON.parse(JSON.stringify(BASELINE_SCHEMA)));
  });

  it('has an $id and a description on every property', () => {
    assert.equal(typeof (published as { $id?: unknown }).$id, 'string');
    const missing: string[] = [];
    const walk = (schema: unknown, at: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const node = schema as { properties?: Record<string, unknown>; items?: unknown; additionalProperties?: unknown };
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        if (typeof (child as { description?: unknown }).description !== 'string') missing.push(`${at}.${name}`);
        walk(child, `${at}.${name}`);
      }
      walk(node.items, `${at}[]`);
      walk(node.additionalProperties, `${at}.*`);
    };
    walk(published, '$');
    assert.deepEqual(missing, []);
  });
});

describe('validateBaseline rejects bad documents with one `path: message` per problem', () => {
  const cases: [string, unknown, string[]][] = [
    ['not an object', [], ['(document): must be an object']],
    ['no version', { rules: {} }, ['version: is required']],
    ['another version', { version: 2 }, ['version: must be 1']],
    ['an unknown mode', { version: 1, rules: { workloadIdentity: { mode: 'sometimes' } } }, ['rules.workloadIdentity.mode: must be one of audit, auto, approval']],
    ['an unknown rule', { version: 1, rules: { mfa: { mode: 'auto' } } }, ['rules.mfa: is not a known property']],
    [
      'a bad release train on the second extension',
      { version: 1, requiredExtensions: [FLUX, { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'auto', releaseTrain: 'nightly' }] },
      ['requiredExtensions[1].releaseTrain: must be one of Stable, Preview'],
    ],
    ['an extension without a type', { version: 1, requiredExtensions: [{ name: 'x', mode: 'auto' }] }, ['requiredExtensions[0].extensionType: is required']],
    [
      'a literal protected value',
      { version: 1, requiredExtensions: [{ ...FLUX, protectedSettings: { 'git.token': 'ghp_secret' } }] },
      ['requiredExtensions[0].protectedSettings["git.token"]: must be a reference, {"appSetting": "NAME"} or {"keyVaultSecretUri": "https://<vault>.vault.azure.net/secrets/<name>"}; a literal secret is not allowed in a baseline'],
    ],
    [
      'a literal secret hidden in an object',
      { version: 1, requiredExtensions: [{ ...FLUX, protectedSettings: { token: { value: 'ghp_secret' } } }] },
      ['requiredExtensions[0].protectedSettings.token: must be a reference, {"appSetting": "NAME"} or {"keyVaultSecretUri": "https://<vault>.vault.azure.net/secrets/<name>"}; a literal secret is not allowed in a baseline'],
    ],
    [
      'configurationProtectedSettings',
      { version: 1, requiredExtensions: [{ ...FLUX, configurationProtectedSettings: { token: 'x' } }] },
      ['requiredExtensions[0].configurationProtectedSettings: literal protected values are not allowed in a baseline; use "protectedSettings" with {"appSetting": "NAME"} or {"keyVaultSecretUri": "..."} references'],
    ],
    [
      'a Key Vault URI that is not one',
      { version: 1, requiredExtensions: [{ ...FLUX, protectedSettings: { token: { keyVaultSecretUri: 'https://example.com/secret' } } }] },
      ['requiredExtensions[0].protectedSettings.token.keyVaultSecretUri: must be a Key Vault secret URI: https://<vault>.vault.azure.net/secrets/<name>[/<version>]'],
    ],
    [
      'a pinned version with auto-upgrade',
      { version: 1, requiredExtensions: [{ ...FLUX, version: '1.2.3' }] },
      ['requiredExtensions[0].version: a pinned version needs "autoUpgradeMinorVersion": false'],
    ],
    [
      'two entries of one type',
      { version: 1, requiredExtensions: [FLUX, { ...FLUX, name: 'gitops', extensionType: 'Microsoft.Flux' }] },
      ['requiredExtensions[1].extensionType: Microsoft.Flux is already required by requiredExtensions[0]; a cluster runs one instance of an extension type'],
    ],
    [
      'two entries with one name',
      { version: 1, requiredExtensions: [FLUX, { name: 'FLUX', extensionType: 'Microsoft.Dapr', mode: 'auto' }] },
      ['requiredExtensions[1].name: "FLUX" is already used by requiredExtensions[0]'],
    ],
    [
      'a setting both plain and protected',
      { version: 1, requiredExtensions: [{ ...FLUX, configurationSettings: { token: 'x' }, protectedSettings: { token: { appSetting: 'TOKEN' } } }] },
      ['requiredExtensions[0].protectedSettings.token: is also in configurationSettings; a setting is either protected or not'],
    ],
    ['a bad scope', { version: 1, requiredExtensions: [{ ...FLUX, scope: { cluster: {}, namespace: {} } }] }, ['requiredExtensions[0].scope: must be {"cluster": {"releaseNamespace": "..."}} or {"namespace": {"targetNamespace": "..."}}']],
    ['a bad namespace', { version: 1, requiredExtensions: [{ ...FLUX, scope: { cluster: { releaseNamespace: 'Flux_System' } } }] }, ['requiredExtensions[0].scope.cluster.releaseNamespace: must be a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters)']],
    ['an empty region list', { version: 1, requiredExtensions: [{ ...FLUX, regions: [] }] }, ['requiredExtensions[0].regions: must not be empty']],
    ['a bad Kubernetes version', { version: 1, requiredExtensions: [{ ...FLUX, minKubernetesVersion: 'latest' }] }, ['requiredExtensions[0].minKubernetesVersion: must be a Kubernetes version such as 1.28 or 1.28.5']],
    ['a bad subscription', { version: 1, scope: { subscriptions: ['sub1'] } }, ['scope.subscriptions[0]: must be a subscription id (a GUID)']],
    ['a bad resource group id', { version: 1, scope: { resourceGroups: ['/subscriptions/s/resourceGroups/rg/providers/x'] } }, ['scope.resourceGroups[0]: must be a resource group name or /subscriptions/<id>/resourceGroups/<name>']],
    [
      'exemptions with every mistake',
      { version: 1, rules: { managedIdentity: { mode: 'auto' } }, exemptions: [{ clusterId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app', ruleId: 'mfa', reason: 'x', expires: '2026-02-30' }] },
      [
        'exemptions[0].clusterId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app" is not an AKS cluster id: expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>[/...]',
        'exemptions[0].ruleId: "mfa" is not a rule of this baseline; expected "*" or one of managed-identity',
        'exemptions[0].expires: "2026-02-30" is not a real date',
      ],
    ],
    ['an exemption without a reason', { version: 1, exemptions: [{ clusterId: CLUSTER_ID, ruleId: '*', expires: '2026-01-01' }] }, ['exemptions[0].reason: is required']],
    ['an expiry without a zone', { version: 1, exemptions: [{ clusterId: CLUSTER_ID, ruleId: '*', reason: 'r', expires: '2026-01-01T10:00' }] }, ['exemptions[0].expires: must be a date (2026-06-30, valid through that day UTC) or a date-time with a zone (2026-06-30T12:00:00Z)']],
  ];
  for (const [name, document, problems] of cases) {
    it(`rejects ${name}`, () => assert.deepEqual(problemsOf(() => validateBaseline(document)), problems));
  }

  it('reports schema and semantic problems together', () => {
    const problems = problemsOf(() => validateBaseline({ version: 1, requiredExtensions: [{ ...FLUX, releaseTrain: 'x', version: '1.0.0' }] }));
    assert.deepEqual(problems, ['requiredExtensions[0].releaseTrain: must be one of Stable, Preview', 'requiredExtensions[0].version: a pinned version needs "autoUpgradeMinorVersion": false']);
  });
});

describe('parseBaseline', () => {
  it('reads YAML', () => {
    const baseline = parseBaseline('version: 1\nrules:\n  managedIdentity: { mode: audit }\n', 'b.yaml');
    assert.deepEqual(ruleIdsOf(baseline), ['managed-identity']);
  });

  it('reads YAML from an unnamed source that does not start with {', () => {
    assert.equal(parseBaseline('version: 1', '-').version, 1);
  });

  const bad: [string, string, string, RegExp][] = [
    ['broken JSON', '{ "version": 1,', 'b.json', /^is not valid JSON: /],
    ['YAML in a .json file', 'version: 1', 'b.json', /^is not valid JSON: /],
    ['broken YAML', 'version: [1', 'b.yaml', /^is not valid YAML: /],
    ['duplicate YAML keys', 'version: 1\nversion: 1\n', 'b.yml', /^is not valid YAML: .*[Uu]nique/],
    ['an empty file', '  \n', 'b.json', /^is empty/],
  ];
  for (const [name, text, source, message] of bad) {
    it(`rejects ${name}`, () => {
      const problems = problemsOf(() => parseBaseline(text, source));
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', message);
    });
  }
});

describe('isInScope', () => {
  const other = '11111111-1111-1111-1111-111111111111';
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['no scope', {}, true],
    ['its subscription, in other casing', { subscriptions: ['00000000-0000-0000-0000-000000000000'.toUpperCase().replace(/0/g, '0')] }, true],
    ['another subscription', { subscriptions: [other] }, false],
    ['its resource group by name, other casing', { resourceGroups: ['RG1'] }, true],
    ['another resource group', { resourceGroups: ['rg2'] }, false],
    ['its resource group by id', { resourceGroups: ['/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1'] }, true],
    ['the same group name in another subscription', { resourceGroups: [`/subscriptions/${other}/resourceGroups/rg1`] }, false],
    ['its subscription but another group', { subscriptions: ['00000000-0000-0000-0000-000000000000'], resourceGroups: ['rg2'] }, false],
  ];
  for (const [name, scope, expected] of cases) {
    it(`${expected ? 'includes' : 'excludes'} a cluster for ${name}`, () => {
      assert.equal(isInScope(validateBaseline({ version: 1, scope }), `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux`), expected);
    });
  }

  it('throws for an id that is not a cluster', () => {
    assert.throws(() => isInScope(validateBaseline({ version: 1 }), '/subscriptions/s/resourceGroups/rg'), InvalidInputError);
  });
});

describe('exclusionTagOf', () => {
  const baseline = validateBaseline({ version: 1, excludeTags: { 'aks-baseline-guard': 'skip', sandbox: '*' } });
  it('matches a tag name case-insensitively and its value exactly', () => {
    assert.deepEqual(exclusionTagOf(baseline, { 'AKS-Baseline-Guard': 'skip' }), { name: 'AKS-Baseline-Guard', value: 'skip' });
    assert.equal(exclusionTagOf(baseline, { 'aks-baseline-guard': 'Skip' }), undefined);
  });
  it('matches any value for "*"', () => assert.deepEqual(exclusionTagOf(baseline, { sandbox: '' }), { name: 'sandbox', value: '' }));
  it('ignores other tags', () => assert.equal(exclusionTagOf(baseline, { env: 'prod' }), undefined));
});

describe('activeExemption', () => {
  const baseline = validateBaseline({
    version: 1,
    rules: { managedIdentity: { mode: 'auto' } },
    exemptions: [
      { clusterId: CLUSTER_ID.toLowerCase(), ruleId: 'managed-identity', reason: 'migration', expires: '2026-01-31' },
      { clusterId: CLUSTER_ID, ruleId: '*', reason: 'decommissioning', expires: '2026-01-10T08:00:00Z' },
    ],
  });
  it('applies a date-only exemption through the end of that day (UTC)', () => {
    assert.equal(activeExemption(baseline, CLUSTER_ID, 'managed-identity', new Date('2026-01-31T23:59:59Z'))?.reason, 'migration');
    assert.equal(activeExemption(baseline, CLUSTER_ID, 'managed-identity', new Date('2026-02-01T00:00:00Z')), undefined);
  });
  it('applies a "*" exemption to every rule until its instant', () => {
    assert.equal(activeExemption(baseline, CLUSTER_ID, 'workload-identity', new Date('2026-01-10T07:59:59Z'))?.reason, 'decommissioning');
    assert.equal(activeExemption(baseline, CLUSTER_ID, 'workload-identity', new Date('2026-01-10T08:00:00Z')), undefined);
  });
  it('does not apply to another cluster', () => {
    assert.equal(activeExemption(baseline, CLUSTER_ID.replace('/c1', '/c2'), 'managed-identity', new Date('2026-01-01T00:00:00Z')), undefined);
  });
});
