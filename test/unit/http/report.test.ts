// GET /api/report through the registered function (the @azure/functions test constructors) on the in-memory store: the
// registration, Entra ID roles (401 without a principal, 403 without Compliance.Read), the page with its own
// Content-Security-Policy as a header, the period from ?since=, strict query validation, the app's own URL in the
// approval commands, and a store that fails.
import { afterEach, describe, expect, test } from '@jest/globals';
import azureFunctions, { type HttpResponseInit } from '@azure/functions';
import { resetServices, useServices } from '../../../src/container.js';
import { validateBaseline } from '../../../src/core/index.js';
import { StorageError } from '../../../src/azure/errors.js';
import { getReport, getReportOptions } from '../../../src/functions/getReport.js';
import { reportContentSecurityPolicy } from '../../../src/report/index.js';
import { fakeServices, type FakeServices } from '../../support/fakes/index.js';
import { fillInMemory, generateFleet } from '../../support/report-fleet.js';

const READ = 'Compliance.Read';
const REMEDIATE = 'Compliance.Remediate';
const NOW = new Date('2026-03-01T12:00:00.000Z');
const BASELINE = validateBaseline({
  version: 1,
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } },
  requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' }],
});

/** App Service authentication's x-ms-client-principal header for a caller with these app roles. */
function principal(roles: string[]): string {
  const claims = [{ typ: 'name', val: 'ops@contoso.com' }, ...roles.map((role) => ({ typ: 'roles', val: role }))];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', role_typ: 'roles', claims })).toString('base64');
}

function services(settings: Record<string, string> = { ENTRA_AUTH_REQUIRED: 'true' }): FakeServices {
  const fake = fakeServices({ baseline: BASELINE, now: NOW, settings });
  fillInMemory(fake.store, generateFleet({ clusters: 60, subscriptions: 2, seed: 9, now: NOW }));
  useServices(fake);
  return fake;
}

async function call(options: { roles?: string[] | null; query?: string } = {}): Promise<HttpResponseInit> {
  const headers: Record<string, string> = {};
  if (options.roles !== null) headers['x-ms-client-principal'] = principal(options.roles ?? [READ]);
  const logs: string[] = [];
  return getReport(
    new azureFunctions.HttpRequest({ method: 'GET', url: `https://func-abg.azurewebsites.net/api/report${options.query ? `?${options.query}` : ''}`, headers }),
    new azureFunctions.InvocationContext({ invocationId: 'report-1', functionName: 'getReport', logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')) }),
  );
}

/** The text body (the route answers with a string). */
function text(response: HttpResponseInit): string {
  if (typeof response.body !== 'string') throw new Error(`expected a text body, got ${typeof response.body}`);
  return response.body;
}

function header(response: HttpResponseInit, name: string): string | undefined {
  return (response.headers as Record<string, string> | undefined)?.[name];
}

describe('GET /api/report', () => {
  afterEach(() => resetServices());

  test('is registered as GET report behind a function key', () => {
    expect(getReportOptions).toMatchObject({ methods: ['GET'], authLevel: 'function', route: 'report' });
  });

  test('answers 401 without a principal and 403 without Compliance.Read, as problem+json', async () => {
    services();

    const anonymous = await call({ roles: null });
    const other = await call({ roles: ['Some.Other.Role'] });

    expect([anonymous.status, header(anonymous, 'content-type')]).toStrictEqual([401, 'application/problem+json']);
    expect([other.status, header(other, 'content-type')]).toStrictEqual([403, 'application/problem+json']);
    expect((other.jsonBody as { detail: string }).detail).toMatch(/lacks the app role Compliance\.Read/);
    expect(anonymous.body).toBeUndefined();
  });

  test.each([[[READ]], [[REMEDIATE]]])('answers 200 with the HTML page and its policy as a header for %j', async (roles) => {
    services();

    const response = await call({ roles });

    expect(response.status).toBe(200);
    expect(header(response, 'content-type')).toBe('text/html; charset=utf-8');
    expect(header(response, 'content-security-policy')).toBe(`${reportContentSecurityPolicy()}; frame-ancestors 'none'`);
    expect(header(response, 'x-content-type-options')).toBe('nosniff');
    expect(header(response, 'cache-control')).toBe('no-store');
    expect(header(response, 'referrer-policy')).toBe('no-referrer');
    const html = text(response);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${reportContentSecurityPolicy().replaceAll("'", '&#39;')}">`);
    // The approval commands name the app the caller reached, and carry the bearer token Entra ID asks for.
    expect(html).toContain("curl -X POST https://func-abg.azurewebsites.net/api/clusters/");
    expect(html).toContain('Authorization: Bearer &lt;entra-id-token&gt;');
    expect(html).toContain('Azurite (UseDevelopmentStorage=true)');
    expect(response.jsonBody).toBeUndefined();
  });

  test('serves anyone past the function key when Entra ID is off', async () => {
    services({});

    const response = await call({ roles: null });

    expect(response.status).toBe(200);
    expect(text(response)).not.toContain('Authorization: Bearer');
  });

  test('covers the period ?since= names (30 days by default)', async () => {
    services();

    const month = await call();
    const week = await call({ query: 'since=7d&code=function-key' });

    expect(text(month)).toContain('from <time datetime="2026-01-30T12:00:00.000Z">');
    expect(text(week)).toContain('from <time datetime="2026-02-22T12:00:00.000Z">');
  });

  test.each([
    ['since=yesterday', /since: "yesterday" is neither a duration/],
    ['since=7d&since=1d', /"since" is given more than once/],
    ['status=NonCompliant', /query parameter "status" is not supported \(supported: since\)/],
  ])('answers 400 naming the parameter for %s', async (query, detail) => {
    services();

    const response = await call({ query });

    expect(response.status).toBe(400);
    expect(`${(response.jsonBody as { detail: string }).detail} ${((response.jsonBody as { errors?: string[] }).errors ?? []).join(' ')}`).toMatch(detail);
  });

  test('answers 503 when the store is unavailable, without its text', async () => {
    const fake = services();
    fake.reports.scanStates = async function* () {
      yield* [];
      throw new StorageError('ClusterState: ServerBusy with secret details', { kind: 'transient', context: { resource: 'ClusterState', operation: 'query' } });
    };

    const response = await call();

    expect(response.status).toBe(503);
    expect(JSON.stringify(response.jsonBody)).not.toContain('secret details');
  });
});
