// The built `aks-baseline-guard` binary, run as a user runs it: a child process with files, stdin and flags.
// It runs the compiled CLI in dist/ (built by `npm test`; after changing src/, run `npm run build` first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { exampleResponseBody, FIXTURES } from '../../support/fixtures.js';
import { CLUSTER_ID, clusterBody, extensionResource } from '../../support/builders.js';
import { compiled, REPO_ROOT, repoPath } from '../../support/paths.js';

const BIN = compiled('src/cli/main.js');
/** A run that takes longer than this has hung; well below Jest's 30 s per test, so a hang fails the test, not the run. */
const CHILD_TIMEOUT_MS = 10_000;

const dir = mkdtempSync(path.join(tmpdir(), 'abg-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const target = path.join(dir, name);
  writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return target;
}

interface Run {
  status: number | null;
  /** Set when the child was killed, e.g. SIGTERM after CHILD_TIMEOUT_MS. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input?: string): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: CHILD_TIMEOUT_MS });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The exit code, compared together with the signal and stderr so that a failure shows why the child ended. */
function expectExit(result: Run, code: number): void {
  expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toStrictEqual({ status: code, signal: null, stderr: expect.any(String) });
}

/** Exit code 2, nothing on stdout, and exactly these lines (strings or patterns) on stderr, without a stack trace. */
function expectBadInput(result: Run, lines: (string | RegExp)[]): void {
  expectExit(result, 2);
  expect(result.stderr.trimEnd().split('\n')).toStrictEqual(lines.map((line) => (typeof line === 'string' ? line : expect.stringMatching(line))));
  // Nothing is evaluated.
  expect(result.stdout).toBe('');
  // No stack trace.
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface JsonEvaluation {
  clusterId: string;
  status: string;
  results: { ruleId: string; status: string; reason: string; message: string }[];
  plan: { id: string; ruleId: string; action: string; mode: string; dependsOn: string[] }[];
}

const getExample = file('cluster-get.json', exampleResponseBody(FIXTURES.clusterGet));
const compliantCluster = file('compliant.json', clusterBody());
const fluxExtensions = file('extensions.json', [extensionResource({ name: 'flux-system', extensionType: 'microsoft.flux' })]);

describe('aks-baseline-guard evaluate', () => {
  test('reports the ManagedClustersGet example as a service principal cluster without Flux, and plans Flux after the identity', () => {
    const result = run(['evaluate', '--cluster', getExample, '--format', 'json']);

    expectExit(result, 1);
    const evaluation = JSON.parse(result.stdout) as JsonEvaluation;
    expect(evaluation.clusterId).toBe('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1');
    expect(evaluation.status).toBe('NonCompliant');
    for (const r of evaluation.results) expect(r).toMatchObject({ ruleId: expect.any(String), status: expect.any(String), reason: expect.any(String), message: expect.any(String) });
    const status = Object.fromEntries(evaluation.results.map((r) => [r.ruleId, r.status]));
    expect(status['managed-identity']).toBe('NonCompliant');
    expect(status['required-extension/flux']).toBe('NonCompliant');
    const identity = evaluation.plan.find((s) => s.action === 'enable-managed-identity');
    const install = evaluation.plan.find((s) => s.action === 'install-extension');
    expect(identity).toBeDefined();
    expect(install?.dependsOn).toContain(identity?.id);
    for (const step of evaluation.plan) {
      expect(Object.keys(step).filter((k) => ['id', 'ruleId', 'action', 'mode', 'dependsOn'].includes(k)).sort()).toStrictEqual(['action', 'dependsOn', 'id', 'mode', 'ruleId']);
    }
  });

  test('prints a readable table by default', () => {
    const result = run(['evaluate', '--cluster', getExample]);

    expectExit(result, 1);
    expect(result.stdout).toMatch(/^Cluster: {2}\/subscriptions\/.*\/clustername1\n/);
    expect(result.stdout).toMatch(/Status: {3}NonCompliant/);
    expect(result.stdout).toMatch(/│ managed-identity +│ NonCompliant +│ ServicePrincipalCluster/);
    expect(result.stdout).toMatch(/│ #2 +│ required-extension\/flux:install-extension +│ auto +│ #1 +│ PUT extensions\/flux/);
    // No colour codes when not on a terminal.
    expect(result.stdout).not.toContain('\u001b[');
  });

  test('reads the cluster from standard input with -', () => {
    const fromFile = run(['evaluate', '--cluster', getExample, '--format', 'json']);

    const fromStdin = run(['evaluate', '--cluster', '-', '--format', 'json'], readFileSync(getExample, 'utf8'));

    expectExit(fromStdin, 1);
    expect(JSON.parse(fromStdin.stdout)).toStrictEqual(JSON.parse(fromFile.stdout));
  });

  test('exits 0 for a compliant cluster, with extensions given as az k8s-extension list output', () => {
    const result = run(['evaluate', '--cluster', compliantCluster, '--extensions', fluxExtensions]);

    expectExit(result, 0);
    expect(result.stdout).toMatch(/Status: {3}Compliant/);
    expect(result.stdout).toMatch(/Plan: nothing to change\./);
  });

  test('exits 1 when a result is Unknown (an extension still installing)', () => {
    const installing = file('installing.json', { value: [extensionResource({ name: 'flux', extensionType: 'microsoft.flux', provisioningState: 'Creating' })] });

    const result = run(['evaluate', '--cluster', compliantCluster, '--extensions', installing, '--format', 'json']);

    expectExit(result, 1);
    expect((JSON.parse(result.stdout) as JsonEvaluation).status).toBe('Unknown');
  });

  test('takes exemptions into account as of --now', () => {
    const baseline = file(
      'exempt.yaml',
      `version: 1\nrules:\n  managedIdentity: { mode: auto }\nexemptions:\n  - clusterId: ${'/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1'}\n    ruleId: managed-identity\n    reason: migration\n    expires: 2026-03-31\n`,
    );

    const lastDay = run(['evaluate', '--cluster', getExample, '--baseline', baseline, '--now', '2026-03-31T12:00:00Z']);
    const dayAfter = run(['evaluate', '--cluster', getExample, '--baseline', baseline, '--now', '2026-04-01T00:00:00Z']);

    expectExit(lastDay, 0);
    expectExit(dayAfter, 1);
  });

  test('exits 0 for a cluster excluded by tag', () => {
    const baseline = file('exclude.json', { version: 1, rules: { managedIdentity: { mode: 'auto' } }, excludeTags: { tier: 'production' } });

    const result = run(['evaluate', '--cluster', getExample, '--baseline', baseline, '--format', 'json']);

    expectExit(result, 0);
    expect((JSON.parse(result.stdout) as JsonEvaluation).status).toBe('Exempt');
  });
});

describe('aks-baseline-guard evaluate with baselines/examples/azure-backup.yaml (issue 15)', () => {
  const SUB = '00000000-0000-0000-0000-000000000000';
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-aks-backup/providers/Microsoft.Storage/storageAccounts/aksbkeastus`;
  const BUCKET = 'configuration.backupStorageLocation.bucket';
  const backup = repoPath('baselines', 'examples', 'azure-backup.yaml');
  /** A managed-identity cluster in eastus with the CSI disk driver and snapshot controller on. */
  const cluster = (name: string, group: string) =>
    file(`${name}.json`, {
      id: `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`,
      name,
      type: 'Microsoft.ContainerService/ManagedClusters',
      location: 'eastus',
      identity: { type: 'SystemAssigned', principalId: 'a2b3c4d5-0000-4000-8000-000000000001', tenantId: TENANT },
      properties: { provisioningState: 'Succeeded', powerState: { code: 'Running' }, kubernetesVersion: '1.33.2', servicePrincipalProfile: { clientId: 'msi' }, storageProfile: { diskCSIDriver: { enabled: true }, snapshotController: { enabled: true } } },
    });
  interface Planned { id: string; blockedBy: { reason: string } | null; change: { body: { properties?: { configurationSettings?: Record<string, string> } } } }
  const install = (stdout: string) => (JSON.parse(stdout) as { plan: Planned[] }).plan.find((step) => step.id.endsWith(':install-extension'));

  test('two clusters get two different blob containers, each shown as a per-cluster value', () => {
    const results = [cluster('payments', 'rg-pay'), cluster('orders', 'rg-ord')].map((path) => run(['evaluate', '--cluster', path, '--baseline', backup, '--format', 'json']));

    for (const result of results) expectExit(result, 1);
    const buckets = results.map((result) => install(result.stdout)?.change.body.properties?.configurationSettings?.[BUCKET]);
    expect(buckets).toStrictEqual(['payments-rg-pay', 'orders-rg-ord']);
    expect(results.map((result) => (JSON.parse(result.stdout) as JsonEvaluation).results.find((r) => r.ruleId === 'required-extension/azure-aks-backup')?.message)).toStrictEqual([
      expect.stringContaining(`Per-cluster values: ${BUCKET}=payments-rg-pay, configuration.backupStorageLocation.config.storageAccount=aksbkeastus.`),
      expect.stringContaining(`Per-cluster values: ${BUCKET}=orders-rg-ord, configuration.backupStorageLocation.config.storageAccount=aksbkeastus.`),
    ]);
  });

  test('without the storage account read, the install is blocked naming it; with --facts it carries the blob endpoint', () => {
    const payments = cluster('payments', 'rg-pay');
    const facts = file('facts.json', { tenantId: TENANT, providerRegistrations: { 'Microsoft.KubernetesConfiguration': 'Registered' }, storageAccounts: { [ACCOUNT]: { location: 'eastus', blobEndpoint: 'https://aksbkeastus.blob.core.windows.net/' } } });

    const without = install(run(['evaluate', '--cluster', payments, '--baseline', backup, '--format', 'json']).stdout);
    const withFacts = install(run(['evaluate', '--cluster', payments, '--baseline', backup, '--facts', facts, '--format', 'json']).stdout);

    expect(without?.blockedBy?.reason).toBe('PrerequisiteMissing');
    expect(withFacts?.blockedBy).toBeNull();
    expect(withFacts?.change.body.properties?.configurationSettings).toMatchObject({ 'configuration.backupStorageLocation.config.storageAccountURI': 'https://aksbkeastus.blob.core.windows.net/', 'credentials.tenantId': TENANT });
  });

  test('a facts file that is not one is bad input (exit 2), naming each problem', () => {
    const bad = file('bad-facts.json', { tenantId: '', storageAccounts: { 'not-an-id': { location: 'eastus', blobEndpoint: 'http://x' } }, other: 1 });

    const result = run(['evaluate', '--cluster', cluster('payments', 'rg-pay'), '--baseline', backup, '--facts', bad]);

    expectBadInput(result, [
      `aks-baseline-guard: ${bad}: other: is not a fact (known: tenantId, providerRegistrations, storageAccounts, missingStorageAccounts)`,
      `aks-baseline-guard: ${bad}: tenantId: must be a non-empty string`,
      `aks-baseline-guard: ${bad}: storageAccounts["not-an-id"]: is not a storage account resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>)`,
      `aks-baseline-guard: ${bad}: storageAccounts["not-an-id"].blobEndpoint: must be the account's https:// blob endpoint (primaryEndpoints.blob)`,
    ]);
  });
});

describe('aks-baseline-guard evaluate rejects bad input with exit code 2 and one line per problem', () => {
  test('an invalid baseline, naming the JSON path, evaluating nothing', () => {
    const baseline = file('bad-baseline.json', {
      version: 1,
      requiredExtensions: [
        { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto' },
        { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'sometimes', releaseTrain: 'nightly', protectedSettings: { token: 'hunter2' } },
      ],
    });

    const result = run(['evaluate', '--cluster', getExample, '--baseline', baseline]);

    expectBadInput(result, [
      `aks-baseline-guard: ${baseline}: requiredExtensions[1].mode: must be one of audit, auto, approval`,
      `aks-baseline-guard: ${baseline}: requiredExtensions[1].releaseTrain: must be one of Stable, Preview`,
      /^aks-baseline-guard: .*bad-baseline\.json: requiredExtensions\[1\]\.protectedSettings\.token: must be a reference, .*a literal secret is not allowed in a baseline$/,
    ]);
  });

  test('a cluster file that is not JSON', () => {
    const notJson = file('not-json.txt', 'clustername1: yes\n');

    const result = run(['evaluate', '--cluster', notJson]);

    expectBadInput(result, [new RegExp(`^aks-baseline-guard: ${escapeRegExp(notJson)}: is not valid JSON: `)]);
  });

  test('JSON that is not a cluster', () => {
    const list = file('list.json', exampleResponseBody(FIXTURES.clusterList));

    const result = run(['evaluate', '--cluster', list]);

    expectBadInput(result, [/^aks-baseline-guard: .*list\.json: is not a managed cluster: expected .* with a "value" list$/]);
  });

  test('a cluster without an id', () => {
    const body = exampleResponseBody(FIXTURES.clusterGet);
    delete body.id;
    const noId = file('no-id.json', body);

    const result = run(['evaluate', '--cluster', noId]);

    expectBadInput(result, [`aks-baseline-guard: ${noId}: id: is missing: the managed cluster resource id is required`]);
  });

  test('an unknown flag', () => {
    expectBadInput(run(['evaluate', '--cluster', getExample, '--bogus']), ["aks-baseline-guard: unknown option '--bogus'"]);
  });

  test('an unknown output format', () => {
    expectBadInput(run(['evaluate', '--cluster', getExample, '--format', 'xml']), [/^aks-baseline-guard: option '--format <format>' argument 'xml' is invalid\. Allowed choices are table, json\.$/]);
  });

  test('a missing --cluster', () => {
    expectBadInput(run(['evaluate']), ["aks-baseline-guard: required option '--cluster <file>' not specified"]);
  });

  test('a file that does not exist', () => {
    const missing = path.join(dir, 'missing.json');

    expectBadInput(run(['evaluate', '--cluster', missing]), [`aks-baseline-guard: ${missing}: cannot read: no such file`]);
  });

  test('empty standard input', () => {
    expectBadInput(run(['evaluate', '--cluster', '-'], ''), ['aks-baseline-guard: (stdin): is empty: expected JSON']);
  });

  test('two inputs on standard input', () => {
    expectBadInput(run(['evaluate', '--cluster', '-', '--extensions', '-'], '{}'), ['aks-baseline-guard: only one of --cluster, --extensions, --baseline and --facts can read standard input (-)']);
  });

  test('extensions of another cluster, naming the extensions file', () => {
    const other = file('other-extensions.json', [extensionResource({ name: 'flux', extensionType: 'microsoft.flux', clusterId: CLUSTER_ID.replace('/c1', '/c2') })]);

    const result = run(['evaluate', '--cluster', compliantCluster, '--extensions', other]);

    expectBadInput(result, [/^aks-baseline-guard: .*other-extensions\.json: extensions\[0\]\.id: extension "flux" belongs to cluster .*\/c2, not .*\/c1$/]);
  });

  test('a --now that is not a date', () => {
    expectBadInput(run(['evaluate', '--cluster', getExample, '--now', 'tomorrow']), ['aks-baseline-guard: --now: "tomorrow" is not an ISO 8601 date (2026-01-31) or date-time with a zone (2026-01-31T12:00:00Z)']);
  });

  // Issue 17: each of these was accepted, or reported without naming the input.
  test('a pod identity profile of true: bad input naming the path, not "Compliant" with exit 0', () => {
    const body = clusterBody({ podIdentity: true });
    (body.properties as Record<string, unknown>).podIdentityProfile = true;
    const wrongType = file('pod-identity-true.json', body);

    expectBadInput(run(['evaluate', '--cluster', wrongType]), [`aks-baseline-guard: ${wrongType}: properties.podIdentityProfile: must be an object, got true`]);
  });

  test('a cluster named .., naming the rule it breaks', () => {
    const dots = file('dots.json', clusterBody({ id: CLUSTER_ID.replace(/[^/]+$/, '..') }));

    expectBadInput(run(['evaluate', '--cluster', dots]), [/^aks-baseline-guard: .*dots\.json: id: ".*managedClusters\/\.\." is not a valid AKS cluster id: managed cluster name "\.\." is not valid: must be 1-63 letters/]);
  });

  test('a misspelt flag is named, with the flag meant (not "required option --cluster not specified")', () => {
    expectBadInput(run(['evaluate', '--cluser', getExample]), ["aks-baseline-guard: unknown option '--cluser' (Did you mean --cluster?)"]);
  });

  const notInTheCalendar: [string, string][] = [
    ['February 30th', '2026-02-30'],
    ['a date-time on February 30th', '2026-02-30T12:00:00Z'],
    ['hour 25', '2026-01-31T25:00:00Z'],
    ['a date-time without a zone', '2026-01-31T12:00:00'],
    ['a date Date.parse reads but ISO 8601 does not', 'Jan 31 2026'],
  ];
  test.each(notInTheCalendar)('a --now of %s', (_name, now) => {
    expectBadInput(run(['evaluate', '--cluster', getExample, '--now', now]), [
      `aks-baseline-guard: --now: "${now}" is not an ISO 8601 date (2026-01-31) or date-time with a zone (2026-01-31T12:00:00Z)`,
    ]);
  });

  test('a cluster file nested 200,000 levels deep, naming the file and the limit', () => {
    const deep = file('deep-array.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);

    expectBadInput(run(['evaluate', '--cluster', deep]), [`aks-baseline-guard: ${deep}: nests deeper than 64 levels of objects and arrays, the most that is read`]);
  });

  test('an extensions file nested 20,000 objects deep, naming the file and the limit', () => {
    const deep = file('deep-object.json', `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`);

    expectBadInput(run(['evaluate', '--cluster', compliantCluster, '--extensions', deep]), [`aks-baseline-guard: ${deep}: nests deeper than 64 levels of objects and arrays, the most that is read`]);
  });

  test('a cluster file past the size limit, before reading it', () => {
    const huge = file('huge.json', `{"id": "${'x'.repeat(4 * 1024 * 1024)}"}`);

    expectBadInput(run(['evaluate', '--cluster', huge]), [new RegExp(`^aks-baseline-guard: ${escapeRegExp(huge)}: is too large: \\d+ bytes, at most 4194304 are read$`)]);
  });

  test('no command at all', () => {
    const result = run([]);

    expectExit(result, 2);
    expect(result.stderr).toMatch(/Usage: aks-baseline-guard/);
  });

  test('--help is not an error', () => {
    const result = run(['evaluate', '--help']);

    expectExit(result, 0);
    expect(result.stdout).toMatch(/Exit codes: 0 every result is Compliant, NotApplicable or Exempt/);
  });
});

describe('aks-baseline-guard baseline', () => {
  const shipped = [repoPath('baselines', 'default.json'), ...readdirSync(repoPath('baselines', 'examples')).map((f) => repoPath('baselines', 'examples', f))];
  // Titles name the file relative to the checkout, e.g. "validate accepts baselines/default.json".
  test.each(shipped.map((baseline) => [path.relative(REPO_ROOT, baseline), baseline]))('validate accepts %s', (_name, baseline) => {
    const result = run(['baseline', 'validate', baseline]);

    expectExit(result, 0);
    expect(result.stdout).toMatch(/: valid baseline with \d+ rules?: /);
  });

  test('validate reads standard input', () => {
    const result = run(['baseline', 'validate', '-'], 'version: 1\nrules: { workloadIdentity: { mode: audit } }\n');

    expectExit(result, 0);
    expect(result.stdout).toBe('(stdin): valid baseline with 1 rule: workload-identity\n');
  });

  test('validate warns on stderr about a one-shot setting, and the baseline stays valid (exit 0)', () => {
    const oneShot = file('one-shot.yaml', 'version: 1\nrequiredExtensions:\n  - name: azurecontainerstorage\n    extensionType: microsoft.azurecontainerstorage\n    mode: auto\n    configurationSettings: { global.cli.storagePool.install.create: "True" }\n');

    const result = run(['baseline', 'validate', oneShot]);

    expectExit(result, 0);
    expect(result.stdout).toBe(`${oneShot}: valid baseline with 1 rule: required-extension/azurecontainerstorage (1 warning on stderr)\n`);
    expect(result.stderr).toBe(`aks-baseline-guard: ${oneShot}: warning: requiredExtensions[0].configurationSettings["global.cli.storagePool.install.create"]: is one-shot for Azure Container Storage (v1): sent on install only, never compared or PATCHed (the Azure CLI resets it after each install)\n`);
  });

  test('validate rejects an invalid baseline with exit 2, one line per problem', () => {
    const bad = file('bad.yaml', 'version: 1\nrequiredExtensions:\n  - name: flux\n    extensionType: microsoft.flux\n    mode: auto\n    version: 1.2.3\n    configurationProtectedSettings: { token: abc }\n');

    const result = run(['baseline', 'validate', bad]);

    expectBadInput(result, [
      /^aks-baseline-guard: .*bad\.yaml: requiredExtensions\[0\]\.configurationProtectedSettings: literal protected values are not allowed in a baseline; /,
      `aks-baseline-guard: ${bad}: requiredExtensions[0].version: a pinned version needs "autoUpgradeMinorVersion": false`,
    ]);
  });

  test('validate rejects a YAML alias bomb, naming the file and the limit (issue 17)', () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const bomb = file('bomb.yaml', `${lines.join('\n')}\nversion: 1\n`);

    expectBadInput(run(['baseline', 'validate', bomb]), [`aks-baseline-guard: ${bomb}: is not a usable YAML document: its aliases expand more than 100 times (the most that is read)`]);
  });

  test('validate rejects a baseline nested 20,000 levels deep, naming the file and the limit (issue 17)', () => {
    const deep = file('deep.json', `{"version": 1, "description": ${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`);
    const deepYaml = file('deep.yaml', `version: 1\ndescription: ${'['.repeat(20_000)}`);

    expectBadInput(run(['baseline', 'validate', deep]), [`aks-baseline-guard: ${deep}: nests deeper than 64 levels of objects and arrays, the most that is read`]);
    expectBadInput(run(['baseline', 'validate', deepYaml]), [`aks-baseline-guard: ${deepYaml}: nests deeper than 64 levels of objects and arrays, the most that is read`]);
  });

  test('schema prints the published JSON Schema', () => {
    const result = run(['baseline', 'schema']);

    expectExit(result, 0);
    expect(JSON.parse(result.stdout)).toStrictEqual(JSON.parse(readFileSync(repoPath('schema', 'baseline.schema.json'), 'utf8')));
  });
});
