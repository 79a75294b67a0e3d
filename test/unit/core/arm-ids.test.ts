import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterIdOf, extensionPath, normalizeLocation, parseResourceId, resourceIdKey, sameResourceId } from '../../../src/core/arm-ids.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { readFixture, type FixturePath } from '../../support/fixtures.js';

const CANONICAL = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1';

function subjectOf(relative: FixturePath): string {
  const raw = readFixture(relative);
  const event = (Array.isArray(raw) ? raw[0] : raw) as { subject: string };
  return event.subject;
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
  for (const [name, id] of cases) {
    it(`maps the ${name} to the canonical cluster id`, () => {
      assert.equal(clusterIdOf(id), CANONICAL);
    });
  }

  const odd: [string, string, RegExp][] = [
    ['a storage account', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct', /is not an AKS cluster id/],
    ['an Arc connected cluster', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/c', /is not an AKS cluster id/],
    ['a subscription', '/subscriptions/s', /is not an AKS cluster id/],
    ['a relative path', 'subscriptions/s/resourceGroups/rg', /must start with \/subscriptions/],
    ['the docs typo resourceGroups<rg>', '/subscriptions/<id>/resourceGroups<rg>/providers/Microsoft.ContainerService/managedClusters/<cluster>', /expected "providers"/],
    ['a type without a name', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters', /has no name/],
    ['an empty string', '', /must start with/],
    ['a double slash', '/subscriptions/s//resourceGroups/rg', /empty segment/],
  ];
  for (const [name, id, message] of odd) {
    it(`rejects ${name} with a clear error`, () => {
      assert.throws(() => clusterIdOf(id), (error: unknown) => error instanceof InvalidInputError && message.test(error.message) && error.message.includes(JSON.stringify(id)));
    });
  }
});

describe('parseResourceId', () => {
  it('splits nested provider resources, outermost first', () => {
    const parts = parseResourceId(`${CANONICAL}/providers/Microsoft.KubernetesConfiguration/extensions/flux`);
    assert.deepEqual(parts, {
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg1',
      resources: [
        { namespace: 'Microsoft.ContainerService', type: 'managedClusters', name: 'clustername1' },
        { namespace: 'Microsoft.KubernetesConfiguration', type: 'extensions', name: 'flux' },
      ],
    });
  });

  it('parses a resource group id', () => {
    assert.deepEqual(parseResourceId('/subscriptions/s/resourcegroups/RG'), { subscriptionId: 's', resourceGroup: 'RG', resources: [] });
  });
});

describe('sameResourceId / resourceIdKey', () => {
  it('ignores case and a trailing slash', () => {
    assert.ok(sameResourceId(CANONICAL, `${CANONICAL.toLowerCase()}/`));
    assert.equal(resourceIdKey(`${CANONICAL}/`), CANONICAL.toLowerCase());
  });

  it('tells different clusters apart', () => {
    assert.ok(!sameResourceId(CANONICAL, CANONICAL.replace('clustername1', 'clustername2')));
  });
});

describe('extensionPath', () => {
  it('builds the extension path under the canonical cluster id', () => {
    assert.equal(extensionPath(CANONICAL.replace('resourceGroups', 'resourcegroups'), 'flux'), `${CANONICAL}/providers/Microsoft.KubernetesConfiguration/extensions/flux`);
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
  for (const [input, expected] of cases) {
    it(`"${input}" -> ${expected}`, () => assert.equal(normalizeLocation(input), expected));
  }
});
