import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { activeExemption, exclusionTagOf, isInScope, parseBaseline, ruleIdsOf, validateBaseline } from '../../../src/core/baseline.js';
import { EXTENSION_TYPES, sameExtensionType, supersedingTypesOf } from '../../../src/core/extension-types/index.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { CLUSTER_ID, FLUX, problemsOf, SUBSCRIPTION } from '../../support/builders.js';
import { repoPath } from '../../support/paths.js';

const EXAMPLES_DIR = repoPath('baselines', 'examples');
const EXAMPLE_FILES = readdirSync(EXAMPLES_DIR);

function readExample(file: string): string {
  return readFileSync(path.join(EXAMPLES_DIR, file), 'utf8');
}

describe('shipped baselines', () => {
  test('baselines/examples covers each of the five current catalog extensions, one file each (none for a superseded type)', () => {
    const types = EXAMPLE_FILES.flatMap((file) => parseBaseline(readExample(file), file).requiredExtensions.map((e) => e.extensionType));
    // Azure Container Storage v1 stays in the catalog, but the examples show v2, which supersedes it (issue 14).
    const current = EXTENSION_TYPES.filter((entry) => supersedingTypesOf(entry.extensionType).length === 0);

    // How many example files require each catalog extension: exactly one each for the current types, none for the superseded.
    const counts = Object.fromEntries(EXTENSION_TYPES.map((entry) => [entry.displayName, types.filter((type) => sameExtensionType(type, entry.extensionType)).length]));
    expect(counts).toStrictEqual(Object.fromEntries(EXTENSION_TYPES.map((entry) => [entry.displayName, current.includes(entry) ? 1 : 0])));
    expect(current).toHaveLength(5);
  });

  test.each(EXAMPLE_FILES)('examples/%s is valid and declares settings', (file) => {
    const baseline = parseBaseline(readExample(file), file);

    expect(baseline.requiredExtensions.filter((e) => Object.keys(e.configurationSettings).length === 0)).toStrictEqual([]);
  });

  test('converts numbers and booleans in configurationSettings to the strings ARM stores', () => {
    const dapr = parseBaseline(readExample('dapr.json'), 'dapr.json').requiredExtensions[0];

    expect(dapr?.configurationSettings).toStrictEqual({ 'global.ha.enabled': 'true', 'dapr_operator.replicaCount': '3' });
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
      'a Marketplace plan without its product and publisher',
      { version: 1, requiredExtensions: [{ name: 'vote', extensionType: 'azure-vote', mode: 'auto', plan: { name: 'azure-vote-standard' } }] },
      ['requiredExtensions[0].plan.product: is required', 'requiredExtensions[0].plan.publisher: is required'],
    ],
    [
      'a Marketplace plan with an empty id and a field the CLI never sends',
      { version: 1, requiredExtensions: [{ name: 'vote', extensionType: 'azure-vote', mode: 'auto', plan: { name: '', product: 'p', publisher: 'Microsoft', promotionCode: 'x' } }] },
      ['requiredExtensions[0].plan.promotionCode: is not a known property', 'requiredExtensions[0].plan.name: must not be empty'],
    ],
    ['a Marketplace plan that is not an object', { version: 1, requiredExtensions: [{ name: 'vote', extensionType: 'azure-vote', mode: 'auto', plan: 'azure-vote-standard' }] }, ['requiredExtensions[0].plan: must be an object']],
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
    ['an empty exemption reason', { version: 1, exemptions: [{ clusterId: CLUSTER_ID, ruleId: '*', reason: '', expires: '2026-01-01' }] }, ['exemptions[0].reason: must not be empty']],
    ['rules that are not an object', { version: 1, rules: [] }, ['rules: must be an object']],
    ['requiredExtensions that is not a list', { version: 1, requiredExtensions: {} }, ['requiredExtensions: must be an array']],
    ['an auto-upgrade flag that is not a boolean', { version: 1, requiredExtensions: [{ ...FLUX, autoUpgradeMinorVersion: 'no' }] }, ['requiredExtensions[0].autoUpgradeMinorVersion: must be a boolean']],
    ['a setting whose value is an object', { version: 1, requiredExtensions: [{ ...FLUX, configurationSettings: { a: { b: 1 } } }] }, ['requiredExtensions[0].configurationSettings.a: must be a string, number or boolean']],
    ['a tag value that is not a string', { version: 1, excludeTags: { sandbox: 1 } }, ['excludeTags.sandbox: must be a string']],
    ['a rule without a mode', { version: 1, rules: { managedIdentity: {} } }, ['rules.managedIdentity.mode: is required']],
    ['a bad extension name', { version: 1, requiredExtensions: [{ ...FLUX, name: '-flux' }] }, ['requiredExtensions[0].name: must be an extension name: 1-253 letters, digits, ., _ and -, starting and ending with a letter or digit']],
    // Issue 17: ARM's naming rules apply in the baseline too.
    ['an extension name ending in a period', { version: 1, requiredExtensions: [{ ...FLUX, name: 'flux.' }] }, ['requiredExtensions[0].name: must be an extension name: 1-253 letters, digits, ., _ and -, starting and ending with a letter or digit']],
    ['a scope resource group named ..', { version: 1, scope: { resourceGroups: ['..'] } }, ['scope.resourceGroups[0]: resource group name ".." is not valid: must be 1-90 letters, digits, _ - . ( ), not ending in a period']],
    ['a scope resource group id whose name ends in a period', { version: 1, scope: { resourceGroups: [`/subscriptions/${SUBSCRIPTION}/resourceGroups/rg.`] } }, ['scope.resourceGroups[0]: resource group name "rg." is not valid: must be 1-90 letters, digits, _ - . ( ), not ending in a period']],
    ['an expiry that is not in the calendar', { version: 1, exemptions: [{ clusterId: CLUSTER_ID, ruleId: '*', reason: 'r', expires: '2026-02-30' }] }, ['exemptions[0].expires: "2026-02-30" is not a real date']],
    ['a region that is not a location', { version: 1, requiredExtensions: [{ ...FLUX, regions: ['east-us'] }] }, ['requiredExtensions[0].regions[0]: must be an ARM location such as eastus']],
    ['a pinned version that is not major.minor.patch', { version: 1, requiredExtensions: [{ ...FLUX, autoUpgradeMinorVersion: false, version: '1.2' }] }, ['requiredExtensions[0].version: must be a version such as 1.2.3']],
    ['an app setting reference with a bad name', { version: 1, requiredExtensions: [{ ...FLUX, protectedSettings: { token: { appSetting: 'GIT TOKEN' } } }] }, ['requiredExtensions[0].protectedSettings.token.appSetting: must be the name of an app setting (letters, digits, "_", ".", ":" or "-")']],
    [
      'extensions without names, and an exemption in a baseline without rules',
      { version: 1, requiredExtensions: [{ extensionType: 'microsoft.flux', mode: 'auto' }, { extensionType: 'microsoft.dapr', mode: 'auto' }], exemptions: [{ clusterId: CLUSTER_ID, ruleId: 'managed-identity', reason: 'r', expires: '2026-01-01' }] },
      ['requiredExtensions[0].name: is required', 'requiredExtensions[1].name: is required', 'exemptions[0].ruleId: "managed-identity" is not a rule of this baseline; expected "*" or one of (no rules)'],
    ],
    [
      'an exemption for an extension instead of its cluster',
      { version: 1, rules: { managedIdentity: { mode: 'auto' } }, exemptions: [{ clusterId: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux`, ruleId: '*', reason: 'r', expires: '2026-01-01' }] },
      [`exemptions[0].clusterId: must be the id of a cluster, not of something inside one (${CLUSTER_ID})`],
    ],
    ['a resource group id that is a subscription id', { version: 1, scope: { resourceGroups: ['/subscriptions/00000000-0000-0000-0000-000000000000'] } }, ['scope.resourceGroups[0]: must be a resource group name or /subscriptions/<id>/resourceGroups/<name>']],
    [
      'a resource group id of a resource inside the group',
      { version: 1, scope: { resourceGroups: ['/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Web/sites/app'] } },
      ['scope.resourceGroups[0]: must be a resource group name or /subscriptions/<id>/resourceGroups/<name>'],
    ],
  ];
  test.each(cases)('rejects %s', (_name, document, problems) => {
    expect(problemsOf(() => validateBaseline(document))).toStrictEqual(problems);
  });

  test('names a setting with an empty name', () => {
    const problems = problemsOf(() => validateBaseline({ version: 1, requiredExtensions: [{ ...FLUX, configurationSettings: { '': 'x' } }] }));

    expect(problems).toContain('requiredExtensions[0].configurationSettings: names must not be empty');
  });

  test('reports schema and semantic problems together', () => {
    const problems = problemsOf(() => validateBaseline({ version: 1, requiredExtensions: [{ ...FLUX, releaseTrain: 'x', version: '1.0.0' }] }));

    expect(problems).toStrictEqual(['requiredExtensions[0].releaseTrain: must be one of Stable, Preview', 'requiredExtensions[0].version: a pinned version needs "autoUpgradeMinorVersion": false']);
  });
});

describe('validateBaseline normalises what it accepts', () => {
  test('lower-cases subscriptions, normalises and de-duplicates regions, and keeps the optional fields given', () => {
    const baseline = validateBaseline({
      version: 1,
      description: 'Platform team baseline',
      scope: { subscriptions: ['ABCDEF00-0000-0000-0000-000000000000'], resourceGroups: ['RG-Prod'] },
      requiredExtensions: [{ ...FLUX, regions: ['East US', 'eastus', 'West Europe'], minKubernetesVersion: '1.28', scope: { namespace: { targetNamespace: 'team-a' } } }],
    });

    expect(baseline.description).toBe('Platform team baseline');
    expect(baseline.scope).toStrictEqual({ subscriptions: ['abcdef00-0000-0000-0000-000000000000'], resourceGroups: ['RG-Prod'] });
    expect(baseline.requiredExtensions[0]).toMatchObject({ regions: ['eastus', 'westeurope'], minKubernetesVersion: '1.28', scope: { namespace: { targetNamespace: 'team-a' } } });
  });

  test('fills in empty rules, extensions, tags and exemptions for a minimal document', () => {
    expect(validateBaseline({ version: 1 })).toStrictEqual({ version: 1, rules: {}, requiredExtensions: [], scope: {}, excludeTags: {}, exemptions: [] });
  });
});

describe('ruleIdsOf', () => {
  test('lists the cluster rules in their fixed order, then one rule per required extension in baseline order', () => {
    const baseline = validateBaseline({
      version: 1,
      rules: { workloadIdentity: { mode: 'auto' }, managedIdentity: { mode: 'audit' } },
      requiredExtensions: [FLUX, { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'approval' }],
    });

    expect(ruleIdsOf(baseline)).toStrictEqual(['managed-identity', 'workload-identity', 'required-extension/flux', 'required-extension/dapr']);
  });
});

describe('parseBaseline', () => {
  test('reads JSON with a byte order mark', () => {
    expect(parseBaseline('\uFEFF{ "version": 1 }', 'b.json').version).toBe(1);
  });

  test('reads YAML by extension whatever its case, even when it starts with {', () => {
    expect(parseBaseline('{ version: 1 }', 'B.YML').version).toBe(1);
  });

  test('reads YAML', () => {
    const baseline = parseBaseline('version: 1\nrules:\n  managedIdentity: { mode: audit }\n', 'b.yaml');

    expect(ruleIdsOf(baseline)).toStrictEqual(['managed-identity']);
  });

  test('reads YAML from an unnamed source that does not start with {', () => {
    expect(parseBaseline('version: 1', '-').version).toBe(1);
  });

  const bad: [string, string, string, RegExp][] = [
    ['broken JSON', '{ "version": 1,', 'b.json', /^is not valid JSON: /],
    ['YAML in a .json file', 'version: 1', 'b.json', /^is not valid JSON: /],
    ['broken YAML', 'version: [1', 'b.yaml', /^is not valid YAML: /],
    ['duplicate YAML keys', 'version: 1\nversion: 1\n', 'b.yml', /^is not valid YAML: .*[Uu]nique/],
    ['an empty file', '  \n', 'b.json', /^is empty/],
  ];
  test.each(bad)('rejects %s', (_name, text, source, message) => {
    const problems = problemsOf(() => parseBaseline(text, source));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
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
  // The verb is a column of its own so that the titles read as before ("includes a cluster for no scope").
  const rows = cases.map(([name, scope, expected]) => [expected ? 'includes' : 'excludes', name, scope, expected] as const);
  test.each(rows)('%s a cluster for %s', (_verb, _name, scope, expected) => {
    const baseline = validateBaseline({ version: 1, scope });

    expect(isInScope(baseline, `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux`)).toBe(expected);
  });

  test('throws for an id that is not a cluster', () => {
    const baseline = validateBaseline({ version: 1 });

    expect(() => isInScope(baseline, '/subscriptions/s/resourceGroups/rg')).toThrow(InvalidInputError);
  });
});

describe('exclusionTagOf', () => {
  const baseline = validateBaseline({ version: 1, excludeTags: { 'aks-baseline-guard': 'skip', sandbox: '*' } });

  test('matches a tag name case-insensitively and its value exactly', () => {
    expect(exclusionTagOf(baseline, { 'AKS-Baseline-Guard': 'skip' })).toStrictEqual({ name: 'AKS-Baseline-Guard', value: 'skip' });
    expect(exclusionTagOf(baseline, { 'aks-baseline-guard': 'Skip' })).toBeUndefined();
  });

  test('matches any value for "*"', () => {
    expect(exclusionTagOf(baseline, { sandbox: '' })).toStrictEqual({ name: 'sandbox', value: '' });
  });

  test('ignores other tags', () => {
    expect(exclusionTagOf(baseline, { env: 'prod' })).toBeUndefined();
  });
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

  test('applies a date-only exemption through the end of that day (UTC)', () => {
    expect(activeExemption(baseline, CLUSTER_ID, 'managed-identity', new Date('2026-01-31T23:59:59Z'))?.reason).toBe('migration');
    expect(activeExemption(baseline, CLUSTER_ID, 'managed-identity', new Date('2026-02-01T00:00:00Z'))).toBeUndefined();
  });

  test('applies a "*" exemption to every rule until its instant', () => {
    expect(activeExemption(baseline, CLUSTER_ID, 'workload-identity', new Date('2026-01-10T07:59:59Z'))?.reason).toBe('decommissioning');
    expect(activeExemption(baseline, CLUSTER_ID, 'workload-identity', new Date('2026-01-10T08:00:00Z'))).toBeUndefined();
  });

  test('does not apply to another cluster', () => {
    expect(activeExemption(baseline, CLUSTER_ID.replace('/c1', '/c2'), 'managed-identity', new Date('2026-01-01T00:00:00Z'))).toBeUndefined();
  });
});

test('an exemption for a cluster named .. is refused by the naming rules (issue 17)', () => {
  const document = { version: 1, rules: { managedIdentity: { mode: 'auto' } }, exemptions: [{ clusterId: CLUSTER_ID.replace(/[^/]+$/, '..'), ruleId: '*', reason: 'r', expires: '2026-01-01' }] };

  expect(problemsOf(() => validateBaseline(document))).toStrictEqual([expect.stringMatching(/^exemptions\[0\]\.clusterId: .*managed cluster name "\.\." is not valid/)]);
});
