// Fuzz tests of the cluster and extension parsers (issue 17): arbitrary and mutated documents give a snapshot or the
// typed InvalidInputError, never another error, and a rule is Compliant only when the document says so with values of
// the right types (a pod identity profile of `true` once made no-pod-identity Compliant).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { evaluateSnapshot } from '../../../src/core/evaluate.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { parseCluster, parseExtensions, toClusterSnapshot } from '../../../src/core/snapshot.js';
import { ALL_IDENTITY_RULES, baselineOf, clusterBody, extensionResource, FLUX, NOW } from '../../support/builders.js';
import { exampleResponseBody, FIXTURES } from '../../support/fixtures.js';
import { FUZZ, mutationsOf, thrownBy, expectNoneOr } from '../../support/fuzz.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const at = (value: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((current, key) => (isObject(current) ? current[key] : undefined), value);

/** NonCompliant on every identity rule: pod identity on, workload identity and OIDC off, a service principal. */
const driftedBody = (): Json => clusterBody({ podIdentity: true, oidc: false, workloadIdentity: false, identityType: null, spClientId: 'c0ffee' });
/** The same cluster as az aks show prints it (settings beside id and name). */
const flattened = (): Json => {
  const body = driftedBody();
  const { properties, ...rest } = body;
  return { ...rest, ...(properties as Json) };
};
const baseline = baselineOf({ version: 1, rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] });

/** What a malformed document must never turn into: a Compliant verdict the well-typed values do not support. */
function expectVerdictsTheDocumentSupports(document: Json): void {
  const snapshot = parseCluster(document);
  const statuses = Object.fromEntries(evaluateSnapshot(snapshot, baseline, { now: NOW }).results.map((r) => [r.ruleId, r.status]));
  const properties = isObject(document.properties) ? document.properties : document;
  if (statuses['no-pod-identity'] === 'Compliant') {
    // Off means: no profile, or a profile (an object) whose enabled is false or not set.
    const profile = properties.podIdentityProfile ?? null;
    expect(profile === null || (isObject(profile) && (profile.enabled ?? false) === false)).toBe(true);
  }
  if (statuses['workload-identity'] === 'Compliant') {
    expect(at(properties, 'securityProfile', 'workloadIdentity', 'enabled')).toBe(true);
    expect(at(properties, 'oidcIssuerProfile', 'enabled')).toBe(true);
  }
  if (statuses['managed-identity'] === 'Compliant') expect(at(document, 'identity', 'type')).toMatch(/^(SystemAssigned|UserAssigned)/i);
}

function expectSnapshotOrInvalidInput(work: () => unknown): void {
  const error = thrownBy(work);
  expectNoneOr(error, InvalidInputError);
}

describe('parseCluster under fuzzing', () => {
  test('arbitrary values give a snapshot or InvalidInputError', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (value) => expectSnapshotOrInvalidInput(() => parseCluster(value))),
      FUZZ,
    );
  });

  const documents: [string, () => Json][] = [
    ['a drifted REST body', driftedBody],
    ['a drifted az aks show body', flattened],
    ['the ManagedClustersGet example', () => exampleResponseBody(FIXTURES.clusterGet)],
  ];
  test.each(documents)('mutations of %s are rejected or evaluated only as far as their typed values say', (_name, document) => {
    fc.assert(
      fc.property(mutationsOf(document()), (mutated) => {
        const error = thrownBy(() => expectVerdictsTheDocumentSupports(mutated as Json));
        expectNoneOr(error, InvalidInputError);
      }),
      FUZZ,
    );
  });
});

describe('parseExtensions under fuzzing', () => {
  test('arbitrary values give extensions or InvalidInputError', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (value) => expectSnapshotOrInvalidInput(() => parseExtensions(value))),
      FUZZ,
    );
  });

  const lists: [string, () => unknown][] = [
    ['a REST list', () => ({ value: [extensionResource({ name: 'flux', extensionType: 'microsoft.flux' }), extensionResource({ name: 'dapr', extensionType: 'microsoft.dapr' })] })],
    ['the ListExtensions example', () => exampleResponseBody(FIXTURES.extensionList)],
  ];
  test.each(lists)('mutations of %s give typed extensions or InvalidInputError', (_name, list) => {
    fc.assert(
      fc.property(mutationsOf(list()), (mutated) => {
        const error = thrownBy(() => {
          for (const extension of parseExtensions(mutated)) {
            expect(typeof extension.name).toBe('string');
            expect(typeof extension.extensionType).toBe('string');
            for (const value of Object.values(extension.configurationSettings)) expect(typeof value).toBe('string');
          }
        });
        expectNoneOr(error, InvalidInputError);
      }),
      FUZZ,
    );
  });

  test('a cluster with mutated extensions is evaluated or rejected, never fails otherwise', () => {
    const cluster = clusterBody();
    fc.assert(
      fc.property(mutationsOf([extensionResource({ name: 'flux', extensionType: 'microsoft.flux' })]), (extensions) =>
        expectSnapshotOrInvalidInput(() => evaluateSnapshot(toClusterSnapshot(cluster, extensions), baseline, { now: NOW })),
      ),
      FUZZ,
    );
  });
});
