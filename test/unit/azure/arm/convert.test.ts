// The REST/SDK conversions of the applier: a JSON merge patch (RFC 7386) deletes what it sets to null.
import { describe, expect, test } from '@jest/globals';
import { applyMergePatch, changedLeaves, clusterPatchToModel } from '../../../../src/azure/arm/convert.js';

describe('applyMergePatch', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][] = [
    ['merges objects and replaces leaves', { a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    ['replaces arrays whole', { list: [1, 2] }, { list: [3] }, { list: [3] }],
    ['deletes a member patched to null', { a: { b: 1, c: 2 } }, { a: { c: null } }, { a: { b: 1 } }],
    ['drops nulls inside a member it adds', {}, { a: { b: null, c: 1 } }, { a: { c: 1 } }],
  ];
  test.each(cases)('%s', (_name, target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toStrictEqual(expected);
  });

  test('disabling pod identity leaves the profile as exactly { enabled: false }', () => {
    // Prepare: the SDK model as read, and the core's patch (every member but enabled set to null)
    const model = {
      location: 'westeurope',
      podIdentityProfile: { enabled: true, allowNetworkPluginKubenet: true, userAssignedIdentities: [{ name: 'web', namespace: 'shop' }], userAssignedIdentityExceptions: [] },
    };
    const restPatch = { properties: { podIdentityProfile: { allowNetworkPluginKubenet: null, userAssignedIdentities: null, userAssignedIdentityExceptions: null, enabled: false } } };
    const before = { properties: { podIdentityProfile: model.podIdentityProfile } };

    // Act
    const sent = applyMergePatch(model, clusterPatchToModel(changedLeaves(before, restPatch)));

    // Assess
    expect(sent).toStrictEqual({ location: 'westeurope', podIdentityProfile: { enabled: false } });
    expect(model.podIdentityProfile.enabled).toBe(true);
  });
});
