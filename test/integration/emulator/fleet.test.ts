// The fleet generator: deterministic from its seed, and each cluster's drift list says what its body shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_DRIFT_MIX, EXEMPT_TAG, FLUX_EXTENSION, OLD_KUBERNETES_VERSIONS, UNSUPPORTED_REGIONS,
  type DriftMix, type GeneratedCluster, generateFleet,
} from '../../../emulator/index.js';

type Section = Record<string, unknown> | undefined;
const propertiesOf = (cluster: GeneratedCluster): Record<string, Section> => cluster.body['properties'] as Record<string, Section>;
const allDrift = (probability: number): DriftMix =>
  Object.fromEntries(Object.keys(DEFAULT_DRIFT_MIX).map((kind) => [kind, probability])) as unknown as DriftMix;

describe('generateFleet', () => {
  it('builds the same fleet from the same seed and a different one from another', () => {
    const first = generateFleet({ clusters: 50, subscriptions: 3, seed: 77 });
    assert.deepEqual(generateFleet({ clusters: 50, subscriptions: 3, seed: 77 }), first);
    assert.notDeepEqual(generateFleet({ clusters: 50, subscriptions: 3, seed: 78 }).clusters.map((cluster) => cluster.id), first.clusters.map((cluster) => cluster.id));
    assert.deepEqual(
      generateFleet({ clusters: 10, subscriptions: 3, seed: 77 }).subscriptions,
      first.subscriptions,
      'subscription ids do not depend on the cluster count',
    );
  });

  it('spreads N clusters over M subscriptions with several resource groups, unique ids and GUID subscriptions', () => {
    const fleet = generateFleet({ clusters: 200, subscriptions: 4, seed: 1 });
    assert.equal(fleet.clusters.length, 200);
    assert.equal(fleet.subscriptions.length, 4);
    for (const subscription of fleet.subscriptions) {
      assert.match(subscription.subscriptionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const mine = fleet.clusters.filter((cluster) => cluster.subscriptionId === subscription.subscriptionId);
      assert.equal(mine.length, 50);
      assert.ok(new Set(mine.map((cluster) => cluster.resourceGroup)).size >= 2);
    }
    assert.equal(new Set(fleet.clusters.map((cluster) => cluster.id.toLowerCase())).size, 200);
    const sample = fleet.clusters[0];
    assert.ok(sample);
    assert.match(sample.name, /^aks-[a-z]+-[a-z]+-[a-z0-9]+-\d{2}$/);
    assert.equal(sample.body['id'], sample.id);
    assert.ok(!JSON.stringify(sample.body).includes('clustername1') && !JSON.stringify(sample.body).includes('00000000-0000-0000-0000-000000000000'), 'fixture placeholders are retargeted');
    assert.ok(propertiesOf(sample)['networkProfile'] && propertiesOf(sample)['linuxProfile'], 'fields of the fixture body are kept');
  });

  it('gives a compliant fleet when every drift probability is 0', () => {
    const fleet = generateFleet({ clusters: 30, subscriptions: 2, seed: 3, drift: allDrift(0) });
    assert.deepEqual(fleet.driftCounts, {});
    for (const cluster of fleet.clusters) {
      const properties = propertiesOf(cluster);
      assert.deepEqual(cluster.drift, []);
      assert.equal((cluster.body['identity'] as { type: string }).type, 'SystemAssigned');
      assert.equal(properties['oidcIssuerProfile']?.['enabled'], true);
      assert.deepEqual(properties['securityProfile']?.['workloadIdentity'], { enabled: true });
      assert.equal(properties['podIdentityProfile'], undefined);
      assert.equal(properties['provisioningState'], 'Succeeded');
      const [flux] = cluster.extensions as { properties: Record<string, unknown> }[];
      assert.equal(cluster.extensions.length, 1);
      assert.equal(flux?.properties['extensionType'], FLUX_EXTENSION.extensionType);
      assert.equal(flux?.properties['releaseTrain'], 'Stable');
      assert.equal(flux?.properties['autoUpgradeMinorVersion'], true);
    }
  });

  it('shows every listed drift in the body', () => {
    const fleet = generateFleet({ clusters: 60, subscriptions: 2, seed: 8, drift: { ...allDrift(0.5), missingExtension: 0.2 } });
    for (const cluster of fleet.clusters) {
      const properties = propertiesOf(cluster);
      const has = (label: string): boolean => cluster.drift.includes(label);
      assert.equal(has('service-principal'), cluster.body['identity'] === undefined, cluster.name);
      assert.equal(has('pod-identity'), properties['podIdentityProfile']?.['enabled'] === true);
      assert.equal(has('no-oidc-issuer'), properties['oidcIssuerProfile']?.['enabled'] === false);
      assert.equal(has('no-workload-identity'), (properties['securityProfile']?.['workloadIdentity'] as { enabled: boolean }).enabled === false);
      assert.equal(has('updating'), (properties['provisioningState'] as unknown as string) === 'Updating');
      assert.equal(has('unsupported-region'), (UNSUPPORTED_REGIONS as readonly string[]).includes(cluster.location));
      assert.equal(has('old-kubernetes'), (OLD_KUBERNETES_VERSIONS as readonly string[]).includes(properties['kubernetesVersion'] as unknown as string));
      assert.equal(has('exempt'), (cluster.body['tags'] as Record<string, string>)[EXEMPT_TAG.name] === EXEMPT_TAG.value);
      const flux = (cluster.extensions as { properties: Record<string, unknown> }[])[0]?.properties;
      assert.equal(has('missing-extension:flux'), flux === undefined);
      if (flux) {
        assert.equal(has('extension-failed:flux'), flux['provisioningState'] === 'Failed');
        assert.equal(has('extension-wrong-release-train:flux'), flux['releaseTrain'] === 'Preview');
        assert.equal(has('extension-pinned-version:flux'), flux['autoUpgradeMinorVersion'] === false && flux['version'] === FLUX_EXTENSION.pinnedVersion);
      }
    }
    for (const label of ['service-principal', 'pod-identity', 'no-oidc-issuer', 'updating', 'exempt', 'missing-extension:flux', 'extension-failed:flux']) {
      assert.ok((fleet.driftCounts[label] ?? 0) > 0, `${label} occurs at probability 0.5`);
    }
  });

  it('rejects bad options with a message naming the field', () => {
    assert.throws(() => generateFleet({ clusters: -1, subscriptions: 1, seed: 1 }), /fleet\.clusters must be an integer >= 0/);
    assert.throws(() => generateFleet({ clusters: 1, subscriptions: 0, seed: 1 }), /fleet\.subscriptions/);
    assert.throws(() => generateFleet({ clusters: 1, subscriptions: 1, seed: 1.5 }), /fleet\.seed/);
    assert.throws(() => generateFleet({ clusters: 1, subscriptions: 1, seed: 1, drift: { podIdentity: 2 } }), /fleet\.drift\.podIdentity must be a probability/);
    assert.throws(() => generateFleet({ clusters: 1, subscriptions: 1, seed: 1, drift: { bogus: 1 } as Partial<DriftMix> }), /fleet\.drift\.bogus is not a drift kind/);
  });
});
