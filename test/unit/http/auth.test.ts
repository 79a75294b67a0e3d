import { describe, expect, test } from '@jest/globals';
import { authorize, parseClientPrincipal, PERMISSIONS } from '../../../src/http/auth.js';

function principalHeader(roles: string[], extra: Record<string, unknown> = {}): string {
  const claims = [
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: '9f0c1d2e-0000-0000-0000-000000000001' },
    { typ: 'name', val: 'Ops Engineer' },
    ...roles.map((role) => ({ typ: 'roles', val: role })),
  ];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', claims, role_typ: 'roles', ...extra })).toString('base64');
}

describe('authorize', () => {
  const allowed = { allowed: true };
  const refused = (status: 401 | 403) => ({ allowed: false, status });
  const matrix: [string, string | null, (typeof PERMISSIONS)[keyof typeof PERMISSIONS], { allowed: boolean; status?: number }][] = [
    ['no principal', null, PERMISSIONS.read, refused(401)],
    ['garbage principal', 'not-base64-json', PERMISSIONS.read, refused(401)],
    ['no role', principalHeader([]), PERMISSIONS.read, refused(403)],
    ['wrong role for a POST', principalHeader([PERMISSIONS.read]), PERMISSIONS.remediate, refused(403)],
    ['read role for a GET', principalHeader([PERMISSIONS.read]), PERMISSIONS.read, allowed],
    ['remediate role for a POST', principalHeader([PERMISSIONS.remediate]), PERMISSIONS.remediate, allowed],
    ['remediate role implies read', principalHeader([PERMISSIONS.remediate]), PERMISSIONS.read, allowed],
  ];
  test.each(matrix)('with Entra ID required: %s', (_name, header, permission, expected) => {
    expect(authorize(header, permission, true)).toMatchObject(expected);
  });

  test('names the approver by name and object id', () => {
    const decision = authorize(principalHeader([PERMISSIONS.remediate]), PERMISSIONS.remediate, true);

    expect(decision).toStrictEqual({ allowed: true, caller: 'Ops Engineer (9f0c1d2e-0000-0000-0000-000000000001)' });
  });

  test('trusts the function key alone when Entra ID is off', () => {
    expect(authorize(null, PERMISSIONS.remediate, false)).toStrictEqual({ allowed: true, caller: 'function-key' });
  });

  test('reads roles under a custom role claim type', () => {
    const header = Buffer.from(JSON.stringify({ auth_typ: 'aad', role_typ: 'custom/role', claims: [{ typ: 'custom/role', val: PERMISSIONS.read }] })).toString('base64');

    expect(parseClientPrincipal(header)?.roles).toStrictEqual([PERMISSIONS.read]);
  });
});
