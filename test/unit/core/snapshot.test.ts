import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toRestClusterBody } from '../../../src/core/cluster-body.js';
import { parseCluster, parseExtensions, toClusterSnapshot, withExtensions } from '../../../src/core/snapshot.js';
import { exampleResponseBody, FIXTURES, readFixture } from '../../support/fixtures.js';
import { CLUSTER_ID, clusterBody, extensionResource, problemsOf } from '../../support/builders.js';

type Json = Record<string, unknown>;

interface Recording {
  interactions: { step: string; request: { method: string; body?: Json }; response: { body?: Json } }[];
}
const recording = readFixture(FIXTURES.msiRecording) as Recording;
const recorded = (prefix: string): Recording['interactions'][number] => {
  const found = recording.interactions.find((i) => i.step.startsWith(prefix));
  if (!found) throw new Error(`no interaction "${prefix}" in the recording`);
  return found;
};

describe('parseCluster on real ARM bodies', () => {
  it('reads the ManagedClustersGet example (a service principal cluster)', () => {
    const body = exampleResponseBody(FIXTURES.clusterGet);
    const snapshot = parseCluster(body);
    assert.deepEqual(
      { ...snapshot, body: undefined },
      {
        id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1',
        subscriptionId: '00000000-0000-0000-0000-000000000000',
        resourceGroup: 'rg1',
        name: 'clustername1',
        location: 'location1',
        kubernetesVersion: '1.9.6',
        provisioningState: 'Succeeded',
        eTag: 'beywbwei',
        tags: { archv2: '', tier: 'production' },
        servicePrincipalClientId: 'clientid',
        podIdentityEnabled: false,
        oidcIssuerEnabled: false,
        workloadIdentityEnabled: false,
        extensions: [],
        body: undefined,
      },
    );
    assert.deepEqual(snapshot.body, body, 'the REST body is kept exactly as read');
  });

  const listFixtures: [string, () => unknown[]][] = [
    ['ManagedClustersList', () => (exampleResponseBody(FIXTURES.clusterList).value as unknown[])],
    ['ManagedClustersListByResourceGroup', () => (exampleResponseBody(FIXTURES.clusterListByGroup).value as unknown[])],
    ['the derived two-page list', () => {
      const pages = readFixture(FIXTURES.clusterListTwoPages) as { page1: { value: unknown[] }; page2: { value: unknown[] } };
      return [...pages.page1.value, ...pages.page2.value];
    }],
  ];
  for (const [name, items] of listFixtures) {
    it(`reads every cluster of ${name}`, () => {
      const clusters = items();
      assert.ok(clusters.length > 0);
      for (const item of clusters) {
        const snapshot = parseCluster(item);
        assert.equal(snapshot.id, (item as Json).id);
        assert.equal(snapshot.identityType, undefined);
        assert.equal(snapshot.servicePrincipalClientId, 'clientid');
      }
    });
  }

  it('reads the recorded service principal cluster (id with lower-case resourcegroups)', () => {
    const snapshot = parseCluster(recorded('final GET of resource after create').response.body);
    assert.equal(snapshot.resourceGroup, 'clitest000001');
    assert.equal(snapshot.location, 'westus2');
    assert.equal(snapshot.identityType, undefined);
    assert.equal(snapshot.kubernetesVersion, '1.21.9');
  });

  it('reads the recorded cluster after --enable-managed-identity', () => {
    const snapshot = parseCluster(recorded('final GET after update').response.body);
    assert.equal(snapshot.identityType, 'SystemAssigned');
  });

  it('normalises the location like ARM does', () => {
    assert.equal(parseCluster(clusterBody({ location: 'East US 2' })).location, 'eastus2');
  });

  it('prefers the running version to the requested alias', () => {
    const body = clusterBody();
    (body.properties as Json).kubernetesVersion = '1.30';
    assert.equal(parseCluster(body).kubernetesVersion, '1.30.4');
  });
});

// `az aks show -o json` spells acronyms in camel case and adds resourceGroup and nulls; the SDK flattens too.
const AZ_SPELLING: Record<string, string> = {
  enableRBAC: 'enableRbac',
  azurePortalFQDN: 'azurePortalFqdn',
  dnsServiceIP: 'dnsServiceIp',
  osDiskSizeGB: 'osDiskSizeGb',
  enableFIPS: 'enableFips',
  enableNodePublicIP: 'enableNodePublicIp',
  enableUltraSSD: 'enableUltraSsd',
  effectiveOutboundIPs: 'effectiveOutboundIps',
  managedOutboundIPs: 'managedOutboundIps',
  osSKU: 'osSku',
};
function azSpelling(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(azSpelling);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [AZ_SPELLING[k] ?? k, k === 'tags' ? v : azSpelling(v)]));
}
function asAzShow(rest: Json): Json {
  const { properties, ...resource } = rest;
  return { ...resource, ...(azSpelling(properties) as Json), resourceGroup: 'clitest000001', privateFqdn: null, windowsProfile: null };
}

describe('parseCluster on the flattened shape (az aks show, @azure/arm-containerservice)', () => {
  it('folds az aks show output back into the REST body ARM returned', () => {
    const rest = recorded('final GET after update').response.body as Json;
    const az = asAzShow(rest);
    assert.equal((az as { enableRbac?: boolean }).enableRbac, true, 'the test input really is az-spelled');
    assert.deepEqual(toRestClusterBody(az), rest);
    const snapshot = parseCluster(az);
    assert.equal(snapshot.identityType, 'SystemAssigned');
    assert.deepEqual(snapshot.body, rest);
  });

  it('reads identity and workload identity from the SDK model (Dates and all)', () => {
    const sdk = {
      id: CLUSTER_ID,
      name: 'c1',
      location: 'East US',
      tags: { 'Cost-Center': 'x' },
      systemData: { createdAt: new Date('2025-01-01T00:00:00Z') },
      identity: { type: 'UserAssigned', userAssignedIdentities: { '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1': { principalId: 'p', clientId: 'c' } } },
      kubernetesVersion: '1.31.1',
      enableRbac: true,
      oidcIssuerProfile: { enabled: true, issuerUrl: 'https://issuer' },
      securityProfile: { workloadIdentity: { enabled: true } },
      aadProfile: { managed: true, tenantId: 't', adminGroupObjectIDs: ['g'] },
      addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: 'true' } } },
    };
    const snapshot = parseCluster(sdk);
    assert.equal(snapshot.location, 'eastus');
    assert.equal(snapshot.identityType, 'UserAssigned');
    assert.ok(snapshot.oidcIssuerEnabled && snapshot.workloadIdentityEnabled);
    const properties = snapshot.body.properties as Json;
    assert.equal(properties.enableRBAC, true);
    assert.deepEqual(properties.oidcIssuerProfile, { enabled: true, issuerURL: 'https://issuer' });
    assert.deepEqual(properties.aadProfile, { managed: true, tenantID: 't', adminGroupObjectIDs: ['g'] });
    assert.deepEqual(properties.addonProfiles, { azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: 'true' } } }, 'map keys keep their spelling');
    assert.deepEqual(snapshot.body.systemData, { createdAt: '2025-01-01T00:00:00.000Z' });
    assert.deepEqual(snapshot.body.tags, { 'Cost-Center': 'x' });
  });
});

describe('parseCluster rejects what is not a managed cluster', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an array', [], /^is not a managed cluster: .* got an array$/],
    ['a string', 'cluster', /^is not a managed cluster: .* got "cluster"$/],
    ['null', null, /got null$/],
    ['an unrelated object', { foo: 1 }, /^is not a managed cluster/],
    ['a cluster list', { value: [clusterBody()] }, /with a "value" list$/],
  ];
  for (const [name, input, message] of cases) {
    it(`rejects ${name}`, () => {
      const problems = problemsOf(() => parseCluster(input));
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', message);
    });
  }

  it('names a missing id', () => {
    const body = clusterBody();
    delete body.id;
    assert.deepEqual(problemsOf(() => parseCluster(body)), ['id: is missing: the managed cluster resource id is required']);
  });

  it('rejects an extension passed as the cluster', () => {
    const problems = problemsOf(() => parseCluster(extensionResource({ name: 'flux', extensionType: 'microsoft.flux' })));
    assert.ok(problems.includes('type: is "Microsoft.KubernetesConfiguration/extensions", not Microsoft.ContainerService/managedClusters'), problems.join('\n'));
  });

  it('rejects an id that is not an AKS cluster', () => {
    const problems = problemsOf(() => parseCluster(clusterBody({ id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/c' })));
    assert.match(problems[0] ?? '', /^id: ".*connectedClusters\/c" is not an AKS cluster id/);
  });

  it('lists every problem, each with its path', () => {
    const body = clusterBody();
    delete body.location;
    (body.properties as Json).podIdentityProfile = { enabled: 'yes' };
    body.tags = { env: 7 };
    assert.deepEqual(problemsOf(() => parseCluster(body)), [
      'location: is missing',
      'tags.env: must be a string, got 7',
      'properties.podIdentityProfile.enabled: must be true or false, got "yes"',
    ]);
  });
});

describe('parseExtensions', () => {
  it('reads the REST list example ({"value": [...]})', () => {
    const extensions = parseExtensions(exampleResponseBody(FIXTURES.extensionList));
    assert.deepEqual(
      extensions.map((e) => [e.name, e.extensionType, e.releaseTrain, e.version, e.autoUpgradeMinorVersion, e.provisioningState]),
      [
        ['ClusterMonitor', 'azuremonitor-containers', 'Preview', '0.1.4', false, 'Succeeded'],
        ['App1Monitor', 'Microsoft.RecoveryServices/recoveryVault', 'Stable', undefined, true, 'Succeeded'],
        ['azureVote', 'azure-vote', 'Preview', '0.1.4', false, 'Succeeded'],
      ],
    );
    assert.deepEqual(extensions[0]?.scope, { cluster: { releaseNamespace: 'kube-system' } });
    assert.deepEqual(extensions[0]?.configurationSettings, { 'omsagent.secret.wsid': 'a38cef99-5a89-52ed-b6db-22095c23664b', 'omsagent.env.clusterName': 'clusterName1' });
  });

  it('reads a single extension GET body and a plain array', () => {
    const single = exampleResponseBody(FIXTURES.extensionGet);
    assert.equal(parseExtensions(single)[0]?.currentVersion, '0.1.4');
    assert.equal(parseExtensions([single, single]).length, 2);
  });

  it('reads az k8s-extension list output (flattened items)', () => {
    const az = [
      {
        aksAssignedIdentity: null,
        autoUpgradeMinorVersion: true,
        configurationProtectedSettings: { 'sensitive.key': 'never read' },
        configurationSettings: { 'multiTenancy.enforce': 'false' },
        currentVersion: '1.14.2',
        extensionType: 'microsoft.flux',
        id: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux-system`,
        name: 'flux-system',
        provisioningState: 'Succeeded',
        releaseTrain: 'Stable',
        resourceGroup: 'rg1',
        scope: { cluster: { releaseNamespace: 'flux-system' }, namespace: null },
        statuses: [],
        type: 'Microsoft.KubernetesConfiguration/extensions',
        version: null,
      },
    ];
    const [flux] = parseExtensions(az);
    assert.deepEqual(flux, {
      id: `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux-system`,
      name: 'flux-system',
      extensionType: 'microsoft.flux',
      releaseTrain: 'Stable',
      currentVersion: '1.14.2',
      autoUpgradeMinorVersion: true,
      provisioningState: 'Succeeded',
      configurationSettings: { 'multiTenancy.enforce': 'false' },
      scope: { cluster: { releaseNamespace: 'flux-system' } },
    });
  });

  it('never keeps protected settings', () => {
    const example = readFixture(FIXTURES.extensionCreate) as { parameters: { extension: Json } };
    const extensions = parseExtensions([{ name: 'ClusterMonitor', ...example.parameters.extension }]);
    assert.ok(!JSON.stringify(extensions).includes('secretKeyValue01'));
    assert.ok(!JSON.stringify(extensions).includes('configurationProtectedSettings'));
  });

  const bad: [string, unknown, string[]][] = [
    ['a cluster', clusterBody(), ['is not a list of cluster extensions: expected {"value": [...]}, an array of extension resources, or az k8s-extension list -o json output, got an object']],
    ['an item without a type', { value: [{ name: 'x', properties: {} }] }, ['value[0].properties.extensionType: is missing']],
    ['an item without a name', [{ extensionType: 'microsoft.flux' }], ['[0].name: is missing']],
    ['a non-object item', [42], ['[0]: must be an extension resource object, got 42']],
    ['wrongly typed settings', [{ name: 'x', extensionType: 't', configurationSettings: { a: 1 } }], ['[0].configurationSettings.a: must be a string, got 1']],
  ];
  for (const [name, input, problems] of bad) {
    it(`rejects ${name}`, () => assert.deepEqual(problemsOf(() => parseExtensions(input)), problems));
  }
});

describe('withExtensions / toClusterSnapshot', () => {
  it('attaches extensions of the same cluster whatever the id casing', () => {
    const ext = extensionResource({ name: 'flux', extensionType: 'microsoft.flux' });
    ext.id = String(ext.id).replace('resourceGroups', 'resourcegroups').toUpperCase();
    const snapshot = toClusterSnapshot(clusterBody(), [ext]);
    assert.equal(snapshot.extensions.length, 1);
  });

  it('gives an extension without an id the id ARM would give it', () => {
    const snapshot = withExtensions(parseCluster(clusterBody()), parseExtensions([{ name: 'flux', extensionType: 'microsoft.flux' }]));
    assert.equal(snapshot.extensions[0]?.id, `${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux`);
  });

  it('refuses extensions of another cluster', () => {
    const other = CLUSTER_ID.replace('/c1', '/c2');
    const problems = problemsOf(() => toClusterSnapshot(clusterBody(), [extensionResource({ name: 'flux', extensionType: 'microsoft.flux', clusterId: other })]));
    assert.deepEqual(problems, [`extensions[0].id: extension "flux" belongs to cluster ${other}, not ${CLUSTER_ID}`]);
  });

  it('refuses the Arc extension list example for an AKS cluster', () => {
    const problems = problemsOf(() => toClusterSnapshot(exampleResponseBody(FIXTURES.clusterGet), exampleResponseBody(FIXTURES.extensionList)));
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? '', /^extensions\[0\]\.id: ".*connectedClusters\/clusterName1\/.*" is not an AKS cluster id/);
  });
});
