import { describe, expect, test } from '@jest/globals';
import {
  clusterIdOf,
  extensionId,
  formatClusterId,
  isSubscriptionId,
  normalizeLocation,
  parseClusterId,
  parseExtensionId,
  parseResourceId,
  resourceIdKey,
  sameResourceId,
} from '../../../src/core/resource-ids.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { readFixture, type FixturePath } from '../../support/fixtures.js';

const CANONICAL = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1';

function subjectOf(relative: FixturePath): string {
  const raw = readFixture(relative);
  const event = (Array.isArray(raw) ? raw[0] : raw) as { subject: string };
  return event.subject;
}

/** What `parse` throws for an id, so its class and message can be checked together. */
function errorOf(id: string, parse: (id: string) => unknown = clusterIdOf): unknown {
  try {
    parse(id);
  } catch (error) {
    return error;
  }
  throw new Error(`${parse.name}(${JSON.stringify(id)}) did not throw`);
}

describe('clusterIdOf', () => {
  const cases: [string, string][] = [
    ['cluster id as ARM spells it', CANONICAL],
    ['lower-case resourcegroups (as in Event Grid subjects)', CANONICAL.replace('resourceGroups', 'resourcegroups')],
    ['upper-case subscription and provider', CANONICAL.replace('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'.toUpperCase()).replace('Microsoft.ContainerService/managedClusters', 'MICROSOFT.CONTAINERSERVICE/ManagedClusters')],
    ['extension id', `${CANONICAL}/providers/Microsoft.KubernetesConfiguration/extensions/flux`],
    ['agent pool id', `${CANONICAL}/agentPools/nodepool1`],
    ['trailing slash', `${CANONICAL}/`],
    ['extension event subject (fixture)', subjectOf('eventgrid/derived/AKS.extension.ResourceWriteSuccess.eventgrid-schema.derived.json')],
    ['cluster event subject (fixture)', subjectOf('eventgrid/derived/AKS.managedClusters.ResourceWriteSuccess.eventgrid-schema.derived.json')],
  ];
  test.each(cases)('maps the %s to the canonical cluster id', (_name, id) => {
    expect(clusterIdOf(id)).toBe(CANONICAL);
  });

  const odd: [string, string, RegExp][] = [
    ['a storage account', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct', /is not an AKS cluster id/],
    ['an Arc connected cluster', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/c', /is not an AKS cluster id/],
    ['a subscription', '/subscriptions/s', /is not an AKS cluster id/],
    ['a relative path', 'subscriptions/s/resourceGroups/rg', /must start with \/subscriptions/],
    ['the docs typo resourceGroups<rg>', '/subscriptions/<id>/resourceGroups<rg>/providers/Microsoft.ContainerService/managedClusters/<cluster>', /expected "providers"/],
    ['a type without a name', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters', /has no name/],
    ['an empty string', '', /must start with/],
    ['a double slash', '/subscriptions/s//resourceGroups/rg', /empty segment/],
    ['a resource group segment without a name', '/subscriptions/s/resourceGroups', /the resource group name is missing/],
    ['providers without a namespace', '/subscriptions/s/resourceGroups/rg/providers', /a provider namespace is missing/],
    ['a provider that names no resource', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService', /provider "Microsoft.ContainerService" names no resource/],
    ['a subscription-level resource', '/subscriptions/s/providers/Microsoft.Resources/deployments/d', /is not an AKS cluster id/],
  ];
  test.each(odd)('rejects %s with a clear error', (_name, id, message) => {
    const error = errorOf(id);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ message: expect.stringMatching(message) });
    // The message quotes the id it refused.
    expect(error).toMatchObject({ message: expect.stringContaining(JSON.stringify(id)) });
  });
});

describe('parseResourceId', () => {
  test('splits nested provider resources, outermost first', () => {
    const parts = parseResourceId(`${CANONICAL}/providers/Microsoft.KubernetesConfiguration/extensions/flux`);

    expect(parts).toStrictEqual({
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg1',
      resources: [
        { namespace: 'Microsoft.ContainerService', type: 'managedClusters', name: 'clustername1' },
        { namespace: 'Microsoft.KubernetesConfiguration', type: 'extensions', name: 'flux' },
      ],
    });
  });

  test('parses a subscription-level resource, which has no resource group', () => {
    expect(parseResourceId('/subscriptions/s/providers/Microsoft.Resources/deployments/d')).toStrictEqual({
      subscriptionId: 's',
      resources: [{ namespace: 'Microsoft.Resources', type: 'deployments', name: 'd' }],
    });
  });

  test('parses a resource group id', () => {
    expect(parseResourceId('/subscriptions/s/resourcegroups/RG')).toStrictEqual({ subscriptionId: 's', resourceGroup: 'RG', resources: [] });
  });
});

describe('sameResourceId / resourceIdKey', () => {
  test('ignores case and a trailing slash', () => {
    expect(sameResourceId(CANONICAL, `${CANONICAL.toLowerCase()}/`)).toBe(true);
    expect(resourceIdKey(`${CANONICAL}/`)).toBe(CANONICAL.toLowerCase());
  });

  test('tells different clusters apart', () => {
    expect(sameResourceId(CANONICAL, CANONICAL.replace('clustername1', 'clustername2'))).toBe(false);
  });
});

describe('extensionId', () => {
  test('builds the extension id under the canonical cluster id', () => {
    expect(extensionId(CANONICAL.replace('resourceGroups', 'resourcegroups'), 'flux')).toBe(`${CANONICAL}/providers/Microsoft.KubernetesConfiguration/extensions/flux`);
  });

  test('round-trips through parseExtensionId', () => {
    expect(parseExtensionId(extensionId(CANONICAL, 'flux'))).toStrictEqual({ ...parseClusterId(CANONICAL), extensionName: 'flux' });
  });
});

describe('parseClusterId / formatClusterId', () => {
  const MIXED = '/subscriptions/1C0E2F3A-0000-4000-8000-000000000001/resourceGroups/Rg-Prod/providers/Microsoft.ContainerService/managedClusters/Aks-01';

  test('splits a managed cluster id in any casing, lower-casing only the subscription', () => {
    expect(parseClusterId(MIXED)).toStrictEqual({ subscriptionId: '1c0e2f3a-0000-4000-8000-000000000001', resourceGroup: 'Rg-Prod', name: 'Aks-01' });
    expect(parseClusterId(MIXED.toLowerCase().replace('resourcegroups', 'resourceGroups')).name).toBe('aks-01');
    expect(parseClusterId(`${MIXED.replace('resourceGroups', 'RESOURCEGROUPS')}/`).resourceGroup).toBe('Rg-Prod');
  });

  test('formats the canonical id: ARM casing of the fixed segments, subscription lower-cased', () => {
    expect(formatClusterId(parseClusterId(MIXED.replace('Microsoft.ContainerService/managedClusters', 'microsoft.containerservice/MANAGEDCLUSTERS')))).toBe(
      MIXED.replace('1C0E2F3A', '1c0e2f3a'),
    );
    expect(formatClusterId({ subscriptionId: 'ABC', resourceGroup: 'rg', name: 'c' })).toBe('/subscriptions/abc/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c');
  });

  const notClusters: [string, string, RegExp][] = [
    ['a storage account', '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s', /".*storageAccounts\/s" is not a managed cluster resource id/],
    ['a resource below a cluster', `${MIXED}/extensions/flux`, /not a managed cluster resource id/],
    ['an extension id', `${MIXED}/providers/Microsoft.KubernetesConfiguration/extensions/flux`, /not a managed cluster resource id/],
    ['a resource group', '/subscriptions/x/resourceGroups/rg', /not a managed cluster resource id/],
    ['a malformed id', 'managedClusters/c', /must start with \/subscriptions/],
  ];
  test.each(notClusters)('rejects %s with InvalidInputError', (_name, id, message) => {
    const error = errorOf(id, parseClusterId);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ message: expect.stringMatching(message) });
  });
});

describe('parseExtensionId', () => {
  test('splits an extension id in any casing', () => {
    const id = `${CANONICAL.toLowerCase()}/PROVIDERS/microsoft.kubernetesconfiguration/Extensions/Flux/`;

    expect(parseExtensionId(id)).toStrictEqual({ subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg1', name: 'clustername1', extensionName: 'Flux' });
  });

  const notExtensions: [string, string][] = [
    ['a cluster id', CANONICAL],
    ['an agent pool', `${CANONICAL}/agentPools/nodepool1`],
    ['a Flux configuration', `${CANONICAL}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/f`],
    ['something below an extension', `${CANONICAL}/providers/Microsoft.KubernetesConfiguration/extensions/flux/operations/1`],
    ['an extension of an Arc cluster', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/c/providers/Microsoft.KubernetesConfiguration/extensions/flux'],
  ];
  test.each(notExtensions)('rejects %s with InvalidInputError', (_name, id) => {
    const error = errorOf(id, parseExtensionId);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ message: expect.stringContaining(`${JSON.stringify(id)} is not a cluster extension id`) });
  });
});

describe('isSubscriptionId', () => {
  const cases: [string, boolean][] = [
    ['00000000-0000-0000-0000-000000000000', true],
    ['1C0E2F3A-0000-4000-8000-00000000000A', true],
    ['prod', false],
    ['00000000-0000-0000-0000-00000000000', false],
    [' 00000000-0000-0000-0000-000000000000', false],
    ["x' or true or 'a", false],
    ['', false],
  ];
  test.each(cases)('"%s" -> %s', (text, expected) => {
    expect(isSubscriptionId(text)).toBe(expected);
  });
});

describe('normalizeLocation', () => {
  const cases: [string, string][] = [
    ['East US', 'eastus'],
    ['East US 2', 'eastus2'],
    ['eastus', 'eastus'],
    ['  West Europe ', 'westeurope'],
    ['WESTUS3', 'westus3'],
  ];
  test.each(cases)('"%s" -> %s', (input, expected) => {
    expect(normalizeLocation(input)).toBe(expected);
  });
});

describe("ARM's naming rules, in every id parser (issue 17)", () => {
  const SUB = '00000000-0000-0000-0000-000000000000';
  const clusterId = (group: string, name: string, subscription = SUB): string => `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`;
  const parsers: [string, (id: string) => unknown][] = [
    ['clusterIdOf', clusterIdOf],
    ['parseClusterId', parseClusterId],
  ];

  const badClusterNames: [string, string][] = [
    ['..', '..'],
    ['.', '.'],
    ['a question mark', 'a?b'],
    ['a hash', 'a#b'],
    ['NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['a space', 'a b'],
    ['U+202E (right-to-left override)', 'a\u202Eb'],
    ['a period', 'a.b'],
    ['a leading hyphen', '-c'],
    ['a trailing underscore', 'c_'],
    ['64 characters', 'c'.repeat(64)],
    ['5,000 characters', 'c'.repeat(5000)],
    ['100,000 characters', 'c'.repeat(100_000)],
  ];
  describe.each(parsers)('%s', (_parser, parse) => {
    test.each(badClusterNames)('rejects a cluster name with %s, naming the rule', (_name, name) => {
      const error = errorOf(clusterId('rg1', name), parse);

      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/managed cluster name .*must be 1-63 letters, digits, _ and -, starting and ending with a letter or digit/);
      // A long id is quoted shortened, so one bad event cannot fill a log line.
      expect((error as Error).message.length).toBeLessThan(1500);
    });

    const badGroups: [string, string][] = [
      ['..', '..'],
      ['a trailing period', 'rg.'],
      ['a question mark', 'rg?'],
      ['a space', 'r g'],
      ['NUL', 'r\u0000g'],
      ['91 characters', 'g'.repeat(91)],
    ];
    test.each(badGroups)('rejects a resource group with %s', (_name, group) => {
      const error = errorOf(clusterId(group, 'c1'), parse);

      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/resource group name .*must be 1-90 letters, digits, _ - \. \( \), not ending in a period/);
    });

    test('rejects a subscription that is not a GUID', () => {
      const error = errorOf(clusterId('rg1', 'c1', 'prod'), parse);

      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/subscription "prod" .*must be a subscription id \(a GUID\)/);
    });

    const good: [string, string, string][] = [
      ['the shortest names', 'r', 'c'],
      ['the longest names', 'g'.repeat(90), `a${'-'.repeat(61)}z`],
      ['every allowed character', 'rg_(1)-x.y', 'c_1-a'],
      ['letters beyond ASCII in a resource group', 'grüße', 'c1'],
    ];
    test.each(good)('accepts %s', (_name, group, name) => {
      expect(() => parse(clusterId(group, name))).not.toThrow();
    });
  });

  const badExtensions: [string, string][] = [
    ['..', '..'],
    ['a leading period', '.flux'],
    ['a trailing hyphen', 'flux-'],
    ['a space', 'fl ux'],
    ['a question mark', 'flux?x'],
    ['254 characters', 'f'.repeat(254)],
  ];
  test.each(badExtensions)('parseExtensionId rejects an extension name with %s', (_name, name) => {
    const error = errorOf(`${clusterId('rg1', 'c1')}/providers/Microsoft.KubernetesConfiguration/extensions/${name}`, parseExtensionId);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/extension name .*must be 1-253 letters, digits, \., _ and -, starting and ending with a letter or digit/);
  });

  test('parseExtensionId and extensionId accept dotted names and names of 253 characters', () => {
    const long = `a${'b'.repeat(251)}c`;
    expect(parseExtensionId(extensionId(clusterId('rg1', 'c1'), 'microsoft.azurecontainerstorage')).extensionName).toBe('microsoft.azurecontainerstorage');
    expect(parseExtensionId(extensionId(clusterId('rg1', 'c1'), long)).extensionName).toBe(long);
  });

  test('extensionId refuses a name ARM would not accept', () => {
    expect(() => extensionId(clusterId('rg1', 'c1'), '../flux')).toThrow(InvalidInputError);
  });

  test('an extension id below a cluster whose name breaks the rules is refused for the cluster name', () => {
    const error = errorOf(`${clusterId('rg1', '..')}/providers/Microsoft.KubernetesConfiguration/extensions/flux`);

    expect((error as Error).message).toMatch(/managed cluster name "\.\."/);
  });
});
