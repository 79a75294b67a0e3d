// Fuzz tests of the HTTP edge (issue 17): route ids, the remediate body, the fleet query and the caller's principal.
// Arbitrary and mutated input gives a value or the typed BadRequest (a 400 problem), and a principal a decision
// (401, 403 or allowed), never another error.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { authorize, parseClientPrincipal, PERMISSIONS } from '../../../src/http/auth.js';
import { BadRequest, clusterIdFromRoute, parseFleetQuery, parseRemediateBody } from '../../../src/http/request.js';
import { parseClusterId } from '../../../src/core/resource-ids.js';
import { FUZZ, mutationsOf, oddText, textMutationsOf, thrownBy, expectNoneOr } from '../../support/fuzz.js';

function expectValueOrBadRequest(work: () => unknown): void {
  const error = thrownBy(work);
  expectNoneOr(error, BadRequest);
}

const SUB = '00000000-0000-0000-0000-000000000000';
const routePart = fc.oneof(oddText, fc.constantFrom(SUB, 'rg1', 'aks-1', ''));

function expectValidIdOrBadRequest(params: Record<string, string>): void {
  let id: string | undefined;
  expectValueOrBadRequest(() => (id = clusterIdFromRoute(params)));
  if (id !== undefined) expect(() => parseClusterId(id ?? '')).not.toThrow();
}

describe('clusterIdFromRoute under fuzzing', () => {
  test('odd route parameters give a valid cluster id or BadRequest', () => {
    fc.assert(
      fc.property(routePart, routePart, routePart, (subscriptionId, resourceGroup, clusterName) => expectValidIdOrBadRequest({ subscriptionId, resourceGroup, clusterName })),
      FUZZ,
    );
  });
});

describe('request bodies and queries under fuzzing', () => {
  const body = { dryRun: true, approve: ['managed-identity:enable-managed-identity', 'no-pod-identity'] };

  test('arbitrary text and JSON as the remediate body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.jsonValue({ maxDepth: 4 }), (text, json) => {
        expectValueOrBadRequest(() => parseRemediateBody(text));
        expectValueOrBadRequest(() => parseRemediateBody(JSON.stringify(json)));
      }),
      FUZZ,
    );
  });

  test('mutated remediate bodies, as values and as text', () => {
    fc.assert(
      fc.property(mutationsOf(body), textMutationsOf(JSON.stringify(body)), (mutated, text) => {
        expectValueOrBadRequest(() => parseRemediateBody(JSON.stringify(mutated)));
        expectValueOrBadRequest(() => parseRemediateBody(text));
      }),
      FUZZ,
    );
  });

  test('arbitrary fleet queries', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('status', 'subscription', 'pageSize', 'continuationToken', 'code', 'other'), oddText), { maxLength: 5 }), (pairs) =>
        expectValueOrBadRequest(() => parseFleetQuery(new URLSearchParams(pairs))),
      ),
      FUZZ,
    );
  });
});

describe('the caller principal under fuzzing', () => {
  const principal = { auth_typ: 'aad', role_typ: 'roles', claims: [{ typ: 'roles', val: PERMISSIONS.read }, { typ: 'name', val: 'Ops' }] };
  const headerOf = (value: unknown): string => Buffer.from(JSON.stringify(value) ?? '').toString('base64');

  function expectDecision(header: string): void {
    const decision = authorize(header, PERMISSIONS.read, true);
    if (!decision.allowed) expect([401, 403]).toContain(decision.status);
    // 403 only for a principal that was read: a malformed one is 401.
    if (!decision.allowed && decision.status === 403) expect(parseClientPrincipal(header)).toBeDefined();
  }

  test('arbitrary headers and arbitrary JSON principals', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.jsonValue({ maxDepth: 3 }), (text, json) => {
        expectDecision(text);
        expectDecision(headerOf(json));
      }),
      FUZZ,
    );
  });

  test('mutated principals', () => {
    fc.assert(
      fc.property(mutationsOf(principal), textMutationsOf(headerOf(principal)), (mutated, text) => {
        expectDecision(headerOf(mutated));
        expectDecision(text);
      }),
      FUZZ,
    );
  });
});
