import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, parseClientPrincipal, PERMISSIONS } from '../../../src/http/auth.js';
import { problem } from '../../../src/http/problem.js';

function principalHeader(roles: string[], extra: Record<string, unknown> = {}): string {
  const claims = [
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: '9f0c1d2e-0000-0000-0000-000000000001' },
    { typ: 'name', val: 'Ops Engineer' },
    ...roles.map((role) => ({ typ: 'roles', val: role })),
  ];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', claims, role_typ: 'roles', ...extra })).toString('base64');
}

describe('authorize', () => {
  const matrix: [string, string | null, (typeof PERMISSIONS)[keyof typeof PERMISSIONS], boolean | 401 | 403][] = [
    ['no principal', null, PERMISSIONS.read, 401],
    ['garbage principal', 'not-base64-json', PERMISSIONS.read, 401],
    ['no role', principalHeader([]), PERMISSIONS.read, 403],
    ['wrong role for a POST', principalHeader([PERMISSIONS.read]), PERMISSIONS.remediate, 403],
    ['read role for a GET', principalHeader([PERMISSIONS.read]), PERMISSIONS.read, true],
    ['remediate role for a POST', principalHeader([PERMISSIONS.remediate]), PERMISSIONS.remediate, true],
    ['remediate role implies read', principalHeader([PERMISSIONS.remediate]), PERMISSIONS.read, true],
  ];
  for (const [name, header, permission, expected] of matrix) {
    it(`with Entra ID required: ${name}`, () => {
      const decision = authorize(header, permission, true);
      if (expected === true) assert.equal(decision.allowed, true);
      else {
        assert.equal(decision.allowed, false);
        assert.equal(!decision.allowed && decision.status, expected);
      }
    });
  }

  it('names the approver by name and object id', () => {
    const decision = authorize(principalHeader([PERMISSIONS.remediate]), PERMISSIONS.remediate, true);
    assert.deepEqual(decision, { allowed: true, caller: 'Ops Engineer (9f0c1d2e-0000-0000-0000-000000000001)' });
  });

  it('trusts the function key alone when Entra ID is off', () => {
    assert.deepEqual(authorize(null, PERMISSIONS.remediate, false), { allowed: true, caller: 'function-key' });
  });

  it('reads roles under a custom role claim type', () => {
    const header = Buffer.from(JSON.stringify({ auth_typ: 'aad', role_typ: 'custom/role', claims: [{ typ: 'custom/role', val: PERMISSIONS.read }] })).toString('base64');
    assert.deepEqual(parseClientPrincipal(header)?.roles, [PERMISSIONS.read]);
  });
});

describe('problem', () => {
  it('is an RFC 9457 body with the problem media type', () => {
    const result = problem(400, 'dryRun: must be a boolean', { errors: ['dryRun: must be a boolean'] });
    assert.equal(result.status, 400);
    assert.equal(result.headers?.['content-type'], 'application/problem+json');
    assert.deepEqual(Object.keys(result.jsonBody as object).sort(), ['detail', 'errors', 'status', 'title', 'type']);
  });
});
