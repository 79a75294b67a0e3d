import { readdirSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { defaultScopeFor, EXTENSION_SCOPE_KINDS, EXTENSION_TYPES, extensionTypeFor, sameExtensionType, type ExtensionTypeProfile } from '../../../../src/core/extension-types/index.js';
import { repoPath } from '../../../support/paths.js';

const FOLDER = repoPath('src', 'core', 'extension-types');
const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('EXTENSION_TYPES', () => {
  test('lists the profile of every type module in the folder, once', async () => {
    const modules = readdirSync(FOLDER).filter((file) => file.endsWith('.ts') && file !== 'index.ts' && file !== 'profile.ts');
    const exported: ExtensionTypeProfile[] = [];
    for (const file of modules) {
      const module = (await import(`../../../../src/core/extension-types/${file.replace(/\.ts$/, '.js')}`)) as Record<string, ExtensionTypeProfile>;
      exported.push(...Object.values(module));
    }

    expect(new Set(EXTENSION_TYPES)).toStrictEqual(new Set(exported));
    expect(EXTENSION_TYPES).toHaveLength(modules.length);
  });

  test('has one profile per key and per extension type (in any casing)', () => {
    expect(new Set(EXTENSION_TYPES.map((profile) => profile.key)).size).toBe(EXTENSION_TYPES.length);
    expect(new Set(EXTENSION_TYPES.map((profile) => profile.extensionType.toLowerCase())).size).toBe(EXTENSION_TYPES.length);
  });

  test.each(EXTENSION_TYPES.map((profile) => [profile.key, profile] as const))('%s declares a namespace, scopes and docs ARM and a person can use', (_key, profile) => {
    expect(profile.key).toMatch(KUBERNETES_NAME);
    expect(profile.defaultReleaseNamespace).toMatch(KUBERNETES_NAME);
    expect(profile.scopes.length).toBeGreaterThan(0);
    expect(new Set(profile.scopes).size).toBe(profile.scopes.length);
    expect(profile.scopes.filter((scope) => !EXTENSION_SCOPE_KINDS.includes(scope))).toStrictEqual([]);
    expect(profile.docs).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    expect(profile.displayName.trim()).not.toBe('');
  });
});

describe('extensionTypeFor / sameExtensionType', () => {
  const cases: [extensionType: string, key: string | undefined][] = [
    ['Microsoft.Dapr', 'dapr'],
    ['microsoft.dapr', 'dapr'],
    ['Microsoft.AzureML.Kubernetes', 'azureml'],
    ['Microsoft.Flux', 'flux'],
    ['microsoft.azurecontainerstorage', 'azure-container-storage'],
    ['Microsoft.DataProtection.Kubernetes', 'azure-backup'],
    ['contoso.widget', undefined],
    ['', undefined],
  ];
  test.each(cases)('%s -> %s', (extensionType, key) => {
    expect(extensionTypeFor(extensionType)?.key).toBe(key);
  });

  test('compares types case-insensitively, and only whole types', () => {
    expect(sameExtensionType('Microsoft.Flux', 'microsoft.flux')).toBe(true);
    expect(sameExtensionType('microsoft.flux', 'microsoft.fluxv2')).toBe(false);
  });
});

describe('defaultScopeFor', () => {
  const cases: [extensionType: string, scope: unknown][] = [
    ['microsoft.flux', { cluster: { releaseNamespace: 'flux-system' } }],
    ['Microsoft.Dapr', { cluster: { releaseNamespace: 'dapr-system' } }],
    ['Microsoft.AzureML.Kubernetes', { cluster: { releaseNamespace: 'azureml' } }],
    ['microsoft.azurecontainerstorage', { cluster: { releaseNamespace: 'acstor' } }],
    ['microsoft.dataprotection.kubernetes', { cluster: { releaseNamespace: 'dataprotection-microsoft' } }],
    ['contoso.widget', undefined],
  ];
  test.each(cases)('%s -> %j', (extensionType, scope) => {
    expect(defaultScopeFor(extensionType)).toStrictEqual(scope);
  });
});
