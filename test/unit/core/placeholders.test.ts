// Per-cluster values in baseline settings (issue 15, Build point 2): {cluster.name}, {cluster.resourceGroup},
// {cluster.subscriptionId} and {cluster.location} are filled in per cluster; any other {a.b} is refused by validation.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { parseBaseline } from '../../../src/core/baseline.js';
import { evaluateSnapshot } from '../../../src/core/evaluate.js';
import { hasPlaceholders, resolvePlaceholders, resolveSettings, unknownPlaceholders, placeholderValues } from '../../../src/core/placeholders.js';
import { baselineOf, NOW, problemsOf, resultOf, snapshotOf } from '../../support/builders.js';
import { repoPath } from '../../support/paths.js';

const CLUSTER = { name: 'aks-weu-1', resourceGroup: 'rg-prod', subscriptionId: '11111111-1111-1111-1111-111111111111', location: 'West Europe' };

describe('placeholders', () => {
  const cases: [value: string, resolved: string][] = [
    ['{cluster.name}', 'aks-weu-1'],
    ['{cluster.name}-{cluster.resourceGroup}', 'aks-weu-1-rg-prod'],
    ['/subscriptions/{cluster.subscriptionId}/x', '/subscriptions/11111111-1111-1111-1111-111111111111/x'],
    ['aksbk{cluster.location}', 'aksbkwesteurope'],
    ['{cluster.name}{cluster.name}', 'aks-weu-1aks-weu-1'],
    ['{"a": 1}', '{"a": 1}'],
    ['plain', 'plain'],
    ['{ cluster.name }', '{ cluster.name }'],
  ];
  test.each(cases)('%s -> %s', (value, resolved) => {
    expect(resolvePlaceholders(value, placeholderValues(CLUSTER))).toBe(resolved);
  });

  test('finds unknown ones, once each, as written', () => {
    expect(unknownPlaceholders('{cluster.id}-{cluster.Name}-{cluster.id}-{cluster.name}-{a}')).toStrictEqual(['{cluster.id}', '{cluster.Name}', '{a}']);
    expect(unknownPlaceholders('{"json": true} and {cluster.location}')).toStrictEqual([]);
    expect(hasPlaceholders('{cluster.id}')).toBe(false);
    expect(hasPlaceholders('x{cluster.location}')).toBe(true);
  });

  test('resolves settings and says which had one', () => {
    expect(resolveSettings({ a: '{cluster.name}', b: 'fixed' }, CLUSTER)).toStrictEqual({ settings: { a: 'aks-weu-1', b: 'fixed' }, resolved: { a: 'aks-weu-1' } });
  });

  test('validation refuses an unknown placeholder, naming the setting and the known ones', () => {
    const problems = problemsOf(() => baselineOf({ requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', configurationSettings: { 'a.b': 'x-{cluster.id}', ok: '{cluster.name}', n: 3 } }] }));

    expect(problems).toStrictEqual(['requiredExtensions[0].configurationSettings["a.b"]: unknown placeholder {cluster.id}; the known ones are {cluster.name}, {cluster.resourceGroup}, {cluster.subscriptionId}, {cluster.location}']);
  });

  test('a drifted per-cluster value is compared with the value for this cluster', () => {
    const baseline = baselineOf({ requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', configurationSettings: { 'cluster.label': '{cluster.name}' } }] });

    const same = evaluateSnapshot(snapshotOf({}, [{ name: 'flux', extensionType: 'microsoft.flux', configurationSettings: { 'cluster.label': 'c1' } }]), baseline, { now: NOW });
    const other = evaluateSnapshot(snapshotOf({}, [{ name: 'flux', extensionType: 'microsoft.flux', configurationSettings: { 'cluster.label': 'c2' } }]), baseline, { now: NOW });

    expect(resultOf(same, 'required-extension/flux').status).toBe('Compliant');
    expect(resultOf(other, 'required-extension/flux')).toMatchObject({ reason: 'ConfigurationSettingsMismatch', expected: { configurationSettings: { 'cluster.label': 'c1' } } });
  });
});

describe('baselines/examples/azure-backup.yaml on two clusters (issue 15, Done when)', () => {
  const baseline = parseBaseline(readFileSync(repoPath('baselines', 'examples', 'azure-backup.yaml'), 'utf8'), 'azure-backup.yaml');
  const clusterId = (group: string, name: string) => `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`;
  const evaluate = (group: string, name: string, location: string) => {
    const snapshot = { ...snapshotOf({ id: clusterId(group, name), location }), name, resourceGroup: group };
    return evaluateSnapshot(snapshot, baseline, { now: NOW });
  };
  const bucketOf = (evaluation: ReturnType<typeof evaluate>) => {
    const install = evaluation.plan.find((step) => step.action === 'install-extension');
    return (install?.change.body.properties as { configurationSettings: Record<string, string> }).configurationSettings;
  };

  test('gives each cluster its own blob container, and a storage account of its own region', () => {
    const first = evaluate('rg-prod', 'aks-weu-1', 'westeurope');
    const second = evaluate('rg-stage', 'aks-neu-2', 'northeurope');

    expect(bucketOf(first)).toMatchObject({ 'configuration.backupStorageLocation.bucket': 'aks-weu-1-rg-prod', 'configuration.backupStorageLocation.config.storageAccount': 'aksbkwesteurope' });
    expect(bucketOf(second)).toMatchObject({ 'configuration.backupStorageLocation.bucket': 'aks-neu-2-rg-stage', 'configuration.backupStorageLocation.config.storageAccount': 'aksbknortheurope' });
    // The result says the values it resolved, for the evaluate output.
    expect(resultOf(first, 'required-extension/azure-aks-backup').message).toBe(
      'azure-aks-backup (microsoft.dataprotection.kubernetes) is not installed. Per-cluster values: configuration.backupStorageLocation.bucket=aks-weu-1-rg-prod, configuration.backupStorageLocation.config.storageAccount=aksbkwesteurope.',
    );
    expect(resultOf(second, 'required-extension/azure-aks-backup').expected).toStrictEqual({
      extensionType: 'microsoft.dataprotection.kubernetes',
      configurationSettings: { 'configuration.backupStorageLocation.bucket': 'aks-neu-2-rg-stage', 'configuration.backupStorageLocation.config.storageAccount': 'aksbknortheurope' },
    });
  });
});
