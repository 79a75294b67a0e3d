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

describe('a missing or malformed principal is 401, a valid one without the role 403 (issue 17)', () => {
  const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  const malformed: [string, string][] = [
    ['an empty header', ''],
    ['JSON [] (once 403 "unknown-principal lacks the app role")', b64('[]')],
    ['a JSON array of claims', b64(JSON.stringify([{ typ: 'roles', val: PERMISSIONS.read }]))],
    ['a JSON string', b64('"aad"')],
    ['a JSON number', b64('5')],
    ['JSON null', b64('null')],
    ['an empty object', b64('{}')],
    ['claims that are not a list', b64(JSON.stringify({ auth_typ: 'aad', claims: { typ: 'roles', val: PERMISSIONS.read } }))],
    ['claims that are not objects', b64(JSON.stringify({ auth_typ: 'aad', claims: ['roles'] }))],
    ['no identity provider', b64(JSON.stringify({ claims: [] }))],
    ['characters outside base64', '%%%not base64%%%'],
    ['base64 of something that is not JSON', b64('hello')],
    ['base64 of bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64')],
  ];
  test.each(malformed)('%s -> 401', (_name, header) => {
    expect(parseClientPrincipal(header)).toBeUndefined();
    expect(authorize(header, PERMISSIONS.read, true)).toMatchObject({ allowed: false, status: 401 });
  });

  test('a valid principal with no claims at all is 403, naming the role it lacks', () => {
    const header = b64(JSON.stringify({ auth_typ: 'aad', claims: [] }));

    expect(authorize(header, PERMISSIONS.read, true)).toStrictEqual({ allowed: false, status: 403, detail: `The caller unknown-principal lacks the app role ${PERMISSIONS.read}.` });
  });

  test("a Static Web Apps principal (identityProvider, userRoles) is read", () => {
    const header = b64(JSON.stringify({ identityProvider: 'aad', userId: 'u1', userDetails: 'ops@contoso.com', userRoles: ['authenticated', PERMISSIONS.read] }));

    expect(authorize(header, PERMISSIONS.read, true)).toMatchObject({ allowed: true });
    expect(authorize(header, PERMISSIONS.remediate, true)).toMatchObject({ allowed: false, status: 403 });
  });
});
