import { describe, expect, test } from '@jest/globals';
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
  test('reads the ManagedClustersGet example (a service principal cluster)', () => {
    const body = exampleResponseBody(FIXTURES.clusterGet);

    const snapshot = parseCluster(body);

    expect({ ...snapshot, body: undefined }).toStrictEqual(
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
    // The REST body is kept exactly as read.
    expect(snapshot.body).toStrictEqual(body);
  });

  const listFixtures: [string, () => unknown[]][] = [
    ['ManagedClustersList', () => (exampleResponseBody(FIXTURES.clusterList).value as unknown[])],
    ['ManagedClustersListByResourceGroup', () => (exampleResponseBody(FIXTURES.clusterListByGroup).value as unknown[])],
    ['the derived two-page list', () => {
      const pages = readFixture(FIXTURES.clusterListTwoPages) as { page1: { value: unknown[] }; page2: { value: unknown[] } };
      return [...pages.page1.value, ...pages.page2.value];
    }],
  ];
  test.each(listFixtures)('reads every cluster of %s', (_name, items) => {
    const clusters = items();

    const read = clusters.map((item) => parseCluster(item)).map((snapshot) => [snapshot.id, snapshot.identityType, snapshot.servicePrincipalClientId]);

    expect(clusters.length).toBeGreaterThan(0);
    expect(read).toStrictEqual(clusters.map((item) => [(item as Json).id, undefined, 'clientid']));
  });

  test('reads the recorded service principal cluster (id with lower-case resourcegroups)', () => {
    const snapshot = parseCluster(recorded('final GET of resource after create').response.body);
    expect(snapshot.resourceGroup).toBe('clitest000001');
    expect(snapshot.location).toBe('westus2');
    expect(snapshot.identityType).toBeUndefined();
    expect(snapshot.kubernetesVersion).toBe('1.21.9');
  });

  test('reads the recorded cluster after --enable-managed-identity', () => {
    const snapshot = parseCluster(recorded('final GET after update').response.body);
    expect(snapshot.identityType).toBe('SystemAssigned');
  });

  test('normalises the location like ARM does', () => {
    expect(parseCluster(clusterBody({ location: 'East US 2' })).location).toBe('eastus2');
  });

  test('reads the eTag also when it is spelled etag', () => {
    const body = clusterBody();
    body.etag = 'lower-case';

    expect(parseCluster(body).eTag).toBe('lower-case');
  });

  test('prefers the running version to the requested alias', () => {
    const body = clusterBody();
    (body.properties as Json).kubernetesVersion = '1.30';

    expect(parseCluster(body).kubernetesVersion).toBe('1.30.4');
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
  test('folds az aks show output back into the REST body ARM returned', () => {
    const rest = recorded('final GET after update').response.body as Json;
    const az = asAzShow(rest);
    // The test input really is az-spelled.
    expect((az as { enableRbac?: boolean }).enableRbac).toBe(true);

    const snapshot = parseCluster(az);

    expect(toRestClusterBody(az)).toStrictEqual(rest);
    expect(snapshot.identityType).toBe('SystemAssigned');
    expect(snapshot.body).toStrictEqual(rest);
  });

  test('reads identity and workload identity from the SDK model (Dates and all)', () => {
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

    expect(snapshot.location).toBe('eastus');
    expect(snapshot.identityType).toBe('UserAssigned');
    expect(snapshot).toMatchObject({ oidcIssuerEnabled: true, workloadIdentityEnabled: true });
    const properties = snapshot.body.properties as Json;
    expect(properties.enableRBAC).toBe(true);
    expect(properties.oidcIssuerProfile).toStrictEqual({ enabled: true, issuerURL: 'https://issuer' });
    expect(properties.aadProfile).toStrictEqual({ managed: true, tenantID: 't', adminGroupObjectIDs: ['g'] });
    // Map keys keep their spelling.
    expect(properties.addonProfiles).toStrictEqual({ azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: 'true' } } });
    expect(snapshot.body.systemData).toStrictEqual({ createdAt: '2025-01-01T00:00:00.000Z' });
    expect(snapshot.body.tags).toStrictEqual({ 'Cost-Center': 'x' });
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
  test.each(cases)('rejects %s', (_name, input, message) => {
    const problems = problemsOf(() => parseCluster(input));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test('names a missing id', () => {
    const body = clusterBody();
    delete body.id;

    expect(problemsOf(() => parseCluster(body))).toStrictEqual(['id: is missing: the managed cluster resource id is required']);
  });

  test('rejects an extension passed as the cluster', () => {
    const problems = problemsOf(() => parseCluster(extensionResource({ name: 'flux', extensionType: 'microsoft.flux' })));
    expect(problems).toContain('type: is "Microsoft.KubernetesConfiguration/extensions", not Microsoft.ContainerService/managedClusters');
  });

  test('rejects an id that is not an AKS cluster', () => {
    const problems = problemsOf(() => parseCluster(clusterBody({ id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/c' })));
    expect(problems[0]).toMatch(/^id: ".*connectedClusters\/c" is not an AKS cluster id/);
  });

  const wrongTypes: [string, Json, string][] = [
    ['an id that is not a string', { id: 42 }, 'id: must be a string, got 42'],
    ['a location that is not a string', { location: 5 }, 'location: must be a string, got 5'],
    ['tags that are not an object', { tags: 'prod' }, 'tags: must be an object of strings, got "prod"'],
  ];
  test.each(wrongTypes)('rejects %s, naming what it got', (_name, override, problem) => {
    const body = { ...clusterBody(), ...override };

    expect(problemsOf(() => parseCluster(body))).toStrictEqual([problem]);
  });

  test('shortens a long string it quotes', () => {
    const problems = problemsOf(() => parseCluster('x'.repeat(60)));

    expect(problems[0]).toMatch(new RegExp(`got "${'x'.repeat(40)}\\.\\.\\."$`));
  });

  test('rejects the id of something inside a cluster', () => {
    const body = clusterBody({ id: `${CLUSTER_ID}/agentPools/nodepool1` });

    expect(problemsOf(() => parseCluster(body))).toStrictEqual([`id: "${CLUSTER_ID}/agentPools/nodepool1" is the id of something inside a cluster, not of the cluster`]);
  });

  test('lists every problem, each with its path', () => {
    const body = clusterBody();
    delete body.location;
    (body.properties as Json).podIdentityProfile = { enabled: 'yes' };
    body.tags = { env: 7 };

    expect(problemsOf(() => parseCluster(body))).toStrictEqual([
      'location: is missing',
      'tags.env: must be a string, got 7',
      'properties.podIdentityProfile.enabled: must be true or false, got "yes"',
    ]);
  });
});

describe('parseExtensions', () => {
  test('reads the REST list example ({"value": [...]})', () => {
    const extensions = parseExtensions(exampleResponseBody(FIXTURES.extensionList));

    expect(extensions.map((e) => [e.name, e.extensionType, e.releaseTrain, e.version, e.autoUpgradeMinorVersion, e.provisioningState])).toStrictEqual(
      [
        ['ClusterMonitor', 'azuremonitor-containers', 'Preview', '0.1.4', false, 'Succeeded'],
        ['App1Monitor', 'Microsoft.RecoveryServices/recoveryVault', 'Stable', undefined, true, 'Succeeded'],
        ['azureVote', 'azure-vote', 'Preview', '0.1.4', false, 'Succeeded'],
      ],
    );
    expect(extensions[0]?.scope).toStrictEqual({ cluster: { releaseNamespace: 'kube-system' } });
    expect(extensions[0]?.configurationSettings).toStrictEqual({ 'omsagent.secret.wsid': 'a38cef99-5a89-52ed-b6db-22095c23664b', 'omsagent.env.clusterName': 'clusterName1' });
  });

  test('reads a single extension GET body and a plain array', () => {
    const single = exampleResponseBody(FIXTURES.extensionGet);
    expect(parseExtensions(single)[0]?.currentVersion).toBe('0.1.4');
    expect(parseExtensions([single, single])).toHaveLength(2);
  });

  test('reads az k8s-extension list output (flattened items)', () => {
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

    expect(flux).toStrictEqual({
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

  test('reads both kinds of scope, and leaves out a scope that names neither', () => {
    const extensions = parseExtensions([
      { name: 'a', extensionType: 't', scope: { cluster: {} } },
      { name: 'b', extensionType: 't', scope: { namespace: { targetNamespace: 'team-a' } } },
      { name: 'c', extensionType: 't', scope: { namespace: {} } },
      { name: 'd', extensionType: 't', scope: {} },
    ]);

    expect(extensions.map((e) => [e.name, e.scope])).toStrictEqual([
      ['a', { cluster: {} }],
      ['b', { namespace: { targetNamespace: 'team-a' } }],
      ['c', { namespace: {} }],
      ['d', undefined],
    ]);
  });

  test('reads a single flattened extension resource', () => {
    expect(parseExtensions({ name: 'flux', extensionType: 'microsoft.flux' }).map((e) => e.name)).toStrictEqual(['flux']);
  });

  test('never keeps protected settings', () => {
    const example = readFixture(FIXTURES.extensionCreate) as { parameters: { extension: Json } };

    const extensions = parseExtensions([{ name: 'ClusterMonitor', ...example.parameters.extension }]);

    expect(JSON.stringify(extensions)).not.toContain('secretKeyValue01');
    expect(JSON.stringify(extensions)).not.toContain('configurationProtectedSettings');
  });

  const bad: [string, unknown, string[]][] = [
    ['a cluster', clusterBody(), ['is not a list of cluster extensions: expected {"value": [...]}, an array of extension resources, or az k8s-extension list -o json output, got an object']],
    ['an item without a type', { value: [{ name: 'x', properties: {} }] }, ['value[0].properties.extensionType: is missing']],
    ['an item without a name', [{ extensionType: 'microsoft.flux' }], ['[0].name: is missing']],
    ['a non-object item', [42], ['[0]: must be an extension resource object, got 42']],
    ['wrongly typed settings', [{ name: 'x', extensionType: 't', configurationSettings: { a: 1 } }], ['[0].configurationSettings.a: must be a string, got 1']],
    ['settings that are not an object', [{ name: 'x', extensionType: 't', configurationSettings: 'a=1' }], ['[0].configurationSettings: must be an object of strings, got "a=1"']],
    ['a scope that is not an object', [{ name: 'x', extensionType: 't', scope: 'cluster' }], ['[0].scope: must be an object, got "cluster"']],
    ['an auto-upgrade flag that is not a boolean', [{ name: 'x', extensionType: 't', autoUpgradeMinorVersion: 'yes' }], ['[0].autoUpgradeMinorVersion: must be true or false, got "yes"']],
    ['an empty name and type', [{ name: '', extensionType: '' }], ['[0].name: is missing', '[0].extensionType: is missing']],
  ];
  test.each(bad)('rejects %s', (_name, input, problems) => {
    expect(problemsOf(() => parseExtensions(input))).toStrictEqual(problems);
  });
});

describe('withExtensions / toClusterSnapshot', () => {
  test('attaches extensions of the same cluster whatever the id casing', () => {
    const ext = extensionResource({ name: 'flux', extensionType: 'microsoft.flux' });
    ext.id = String(ext.id).replace('resourceGroups', 'resourcegroups').toUpperCase();

    const snapshot = toClusterSnapshot(clusterBody(), [ext]);

    expect(snapshot.extensions).toHaveLength(1);
  });

  test('gives an extension without an id the id ARM would give it', () => {
    const snapshot = withExtensions(parseCluster(clusterBody()), parseExtensions([{ name: 'flux', extensionType: 'microsoft.flux' }]));

    expect(snapshot.extensions[0]?.id).toBe(`${CLUSTER_ID}/providers/Microsoft.KubernetesConfiguration/extensions/flux`);
  });

  test('refuses extensions of another cluster', () => {
    const other = CLUSTER_ID.replace('/c1', '/c2');

    const problems = problemsOf(() => toClusterSnapshot(clusterBody(), [extensionResource({ name: 'flux', extensionType: 'microsoft.flux', clusterId: other })]));

    expect(problems).toStrictEqual([`extensions[0].id: extension "flux" belongs to cluster ${other}, not ${CLUSTER_ID}`]);
  });

  test('refuses the Arc extension list example for an AKS cluster', () => {
    const problems = problemsOf(() => toClusterSnapshot(exampleResponseBody(FIXTURES.clusterGet), exampleResponseBody(FIXTURES.extensionList)));

    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^extensions\[0\]\.id: ".*connectedClusters\/clusterName1\/.*" is not an AKS cluster id/);
  });
});

describe('power state, AKS management and Marketplace plans (issue 14)', () => {
  const powerStates: [given: unknown, read: string | undefined][] = [
    [{ code: 'Running' }, 'Running'],
    [{ code: 'Stopped' }, 'Stopped'],
    [{ code: 'stopped' }, 'Stopped'],
    [undefined, undefined],
    [{}, undefined],
  ];
  test.each(powerStates)('properties.powerState %j -> %s', (powerState, read) => {
    const body = clusterBody();
    (body.properties as Json).powerState = powerState;

    expect(parseCluster(body).powerState).toBe(read);
  });

  test('reads powerState from the flattened shape (az aks show, the SDK model)', () => {
    const { properties, ...resource } = clusterBody({ powerState: 'Stopped' });

    expect(parseCluster({ ...resource, ...(properties as Json) }).powerState).toBe('Stopped');
  });

  test('refuses a power state the spec does not know', () => {
    expect(problemsOf(() => parseCluster(clusterBody({ powerState: 'Hibernating' })))).toStrictEqual(['properties.powerState.code: must be Running or Stopped, got "Hibernating"']);
  });

  test('reads managedBy, managementDetails and plan from the GetExtensionWithManagedBy example (2025-03-01)', () => {
    const [extension] = parseExtensions(exampleResponseBody('arm/kubernetesconfiguration/derived/GetExtensionWithManagedBy.2025-03-01.derived.json'));

    expect(extension?.managedBy).toBe('/subscriptions/subId1/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clusterName1');
    expect(extension?.managementDetails?.category).toBe('managed');
    expect(extension?.managementDetails?.accessDetails.map((entry) => [entry.entity, entry.allowedActions])).toStrictEqual([
      ['Microsoft.ContainerService', ['Read', 'Write']],
      ['Users', ['Read']],
    ]);
    expect(extension?.plan).toStrictEqual({ name: 'azure-vote-standard', product: 'azure-vote-standard-offer-id', publisher: 'Microsoft' });
  });

  test('reads them from az k8s-extension output too (flattened: managementDetails beside extensionType)', () => {
    const [extension] = parseExtensions([
      {
        name: 'azureVote',
        extensionType: 'azure-vote',
        managedBy: CLUSTER_ID,
        managementDetails: { category: 'managed', accessDetails: [{ entity: 'Users', allowedActions: ['Read', 7] }] },
        plan: { name: 'p', product: 'o', publisher: 'Microsoft' },
      },
    ]);

    expect(extension).toMatchObject({ managedBy: CLUSTER_ID, managementDetails: { category: 'managed', accessDetails: [{ entity: 'Users', allowedActions: ['Read'] }] }, plan: { name: 'p' } });
  });

  test('an extension without them (the SDK api-version 2023-05-01) has none', () => {
    const [extension] = parseExtensions(exampleResponseBody(FIXTURES.extensionGet));

    expect(extension?.managedBy).toBeUndefined();
    expect(extension?.managementDetails).toBeUndefined();
  });

  test('reports a plan without all three ids and management details of the wrong shape, with their paths', () => {
    const item = (extra: Json) => ({ name: 'x', properties: { extensionType: 'azure-vote', ...(extra.properties as Json | undefined) }, ...extra });

    expect(
      problemsOf(() =>
        parseExtensions([
          item({ plan: { name: 'p' } }),
          item({ plan: { name: 'p', product: 'o' } }),
          item({ properties: { extensionType: 'azure-vote', managementDetails: { category: 'managed', accessDetails: 'all' } } }),
          item({ properties: { extensionType: 'azure-vote', managementDetails: { accessDetails: ['Read', { entity: 'Users', description: 'read only', allowedActions: 'Read' }] } } }),
          item({ properties: { extensionType: 'azure-vote', managementDetails: 'managed' } }),
        ]),
      ),
    ).toStrictEqual([
      '[0].plan: must have name, product and publisher; product, publisher are missing',
      '[1].plan: must have name, product and publisher; publisher is missing',
      '[2].properties.managementDetails.accessDetails: must be an array, got "all"',
      '[3].properties.managementDetails.accessDetails[0]: must be an object, got "Read"',
      '[3].properties.managementDetails.accessDetails[1].allowedActions: must be an array of strings, got "Read"',
      '[4].properties.managementDetails: must be an object, got "managed"',
    ]);
  });

  test('rejects an entry whose actions are not a list (issue 17: a wrong type is bad input, not "no actions")', () => {
    const problems = problemsOf(() => parseExtensions([{ name: 'x', properties: { extensionType: 'y', managementDetails: { accessDetails: [{ entity: 'Users', description: 'read only', allowedActions: 'Read' }] } } }]));

    expect(problems).toStrictEqual(['[0].properties.managementDetails.accessDetails[0].allowedActions: must be an array of strings, got "Read"']);
  });
});

describe('objects of the wrong type are bad input, never read as absent (issue 17)', () => {
  // Each of these once made no-pod-identity (or the identity rules) read the object as missing, and so Compliant.
  const notObjects: [string, unknown][] = [
    ['true', true],
    ['"enabled"', 'enabled'],
    ['an array', []],
    ['1', 1],
  ];
  const got = (value: unknown): string => (Array.isArray(value) ? 'an array' : typeof value === 'string' ? `"${value}"` : String(value));

  test.each(notObjects)('properties.podIdentityProfile = %s is rejected, naming the path and the expected type', (_name, value) => {
    const body = clusterBody({ podIdentity: true });
    (body.properties as Json).podIdentityProfile = value;

    expect(problemsOf(() => parseCluster(body))).toStrictEqual([`properties.podIdentityProfile: must be an object, got ${got(value)}`]);
  });

  test.each(notObjects)('a flattened podIdentityProfile = %s (az aks show) is rejected too', (_name, value) => {
    const flattened: Json = { ...clusterBody(), ...(clusterBody().properties as Json), podIdentityProfile: value };
    delete flattened.properties;

    expect(problemsOf(() => parseCluster(flattened))).toStrictEqual([`properties.podIdentityProfile: must be an object, got ${got(value)}`]);
  });

  const properties: [string, unknown][] = [['"x"', 'x'], ['an array', []], ['5', 5], ['true', true]];
  test.each(properties)('properties = %s is rejected', (_name, value) => {
    const body = { ...clusterBody(), properties: value };

    expect(problemsOf(() => parseCluster(body))).toStrictEqual([`properties: must be an object, got ${got(value)}`]);
  });

  const nested: [string, (properties: Json) => void, string][] = [
    ['oidcIssuerProfile', (p) => (p.oidcIssuerProfile = true), 'properties.oidcIssuerProfile: must be an object, got true'],
    ['securityProfile', (p) => (p.securityProfile = 'on'), 'properties.securityProfile: must be an object, got "on"'],
    ['securityProfile.workloadIdentity', (p) => (p.securityProfile = { workloadIdentity: [] }), 'properties.securityProfile.workloadIdentity: must be an object, got an array'],
    ['servicePrincipalProfile', (p) => (p.servicePrincipalProfile = 'msi'), 'properties.servicePrincipalProfile: must be an object, got "msi"'],
    ['powerState', (p) => (p.powerState = 'Running'), 'properties.powerState: must be an object, got "Running"'],
  ];
  test.each(nested)('%s of the wrong type is rejected', (_name, spoil, problem) => {
    const body = clusterBody();
    spoil(body.properties as Json);

    expect(problemsOf(() => parseCluster(body))).toStrictEqual([problem]);
  });

  const identities: [string, unknown][] = [['"SystemAssigned"', 'SystemAssigned'], ['an array', []], ['5', 5], ['true', true]];
  test.each(identities)('identity = %s is rejected with a message naming identity', (_name, value) => {
    const body = { ...clusterBody(), identity: value };

    expect(problemsOf(() => parseCluster(body))).toStrictEqual([`identity: must be an object, got ${got(value)}`]);
  });

  test('null stays "absent" (ARM leaves out or nulls what is not set)', () => {
    const body = clusterBody({ podIdentity: true });
    (body.properties as Json).podIdentityProfile = null;
    body.identity = null;

    expect(parseCluster(body)).toMatchObject({ podIdentityEnabled: false });
  });

  test('an extension whose properties are not an object is rejected, naming them', () => {
    const extension = { ...extensionResource({ name: 'flux', extensionType: 'microsoft.flux' }), properties: 'x' };

    expect(problemsOf(() => parseExtensions([extension]))).toStrictEqual(['[0].properties: must be an object, got "x"']);
  });

  const extensionParts: [string, (properties: Json) => void, string][] = [
    ['scope.cluster', (p) => (p.scope = { cluster: 'flux-system' }), 'value[0].properties.scope.cluster: must be an object, got "flux-system"'],
    ['scope.namespace', (p) => (p.scope = { namespace: 1 }), 'value[0].properties.scope.namespace: must be an object, got 1'],
    ['configurationSettings', (p) => (p.configurationSettings = []), 'value[0].properties.configurationSettings: must be an object of strings, got an array'],
    ['managementDetails.accessDetails[0].allowedActions', (p) => (p.managementDetails = { accessDetails: [{ allowedActions: 'write' }] }), 'value[0].properties.managementDetails.accessDetails[0].allowedActions: must be an array of strings, got "write"'],
  ];
  test.each(extensionParts)('an extension %s of the wrong type is rejected', (_name, spoil, problem) => {
    const extension = extensionResource({ name: 'flux', extensionType: 'microsoft.flux' });
    spoil(extension.properties as Json);

    expect(problemsOf(() => parseExtensions({ value: [extension] }))).toStrictEqual([problem]);
  });
});
