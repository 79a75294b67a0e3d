// The built `aks-baseline-guard` binary, run as a user runs it: a child process with files, stdin and flags.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { exampleResponseBody, FIXTURES } from '../../support/fixtures.js';
import { CLUSTER_ID, clusterBody, extensionResource } from '../../support/builders.js';

const BIN = path.resolve(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'abg-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const target = path.join(dir, name);
  writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return target;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input?: string): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertBadInput(result: Run, lines: (string | RegExp)[]): void {
  assert.equal(result.status, 2, result.stderr);
  assert.equal(result.stdout, '', 'nothing is evaluated');
  const actual = result.stderr.trimEnd().split('\n');
  assert.equal(actual.length, lines.length, result.stderr);
  lines.forEach((expected, i) => {
    if (typeof expected === 'string') assert.equal(actual[i], expected);
    else assert.match(actual[i] ?? '', expected);
  });
  assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
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
  it('reports the ManagedClustersGet example as a service principal cluster without Flux, and plans Flux after the identity', () => {
    const result = run(['evaluate', '--cluster', getExample, '--format', 'json']);
    assert.equal(result.status, 1, result.stderr);
    const evaluation = JSON.parse(result.stdout) as JsonEvaluation;
    assert.equal(evaluation.clusterId, '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1');
    assert.equal(evaluation.status, 'NonCompliant');
    for (const r of evaluation.results) for (const key of ['ruleId', 'status', 'reason', 'message'] as const) assert.equal(typeof r[key], 'string');
    const status = Object.fromEntries(evaluation.results.map((r) => [r.ruleId, r.status]));
    assert.equal(status['managed-identity'], 'NonCompliant');
    assert.equal(status['required-extension/flux'], 'NonCompliant');
    const identity = evaluation.plan.find((s) => s.action === 'enable-managed-identity');
    const install = evaluation.plan.find((s) => s.action === 'install-extension');
    assert.ok(identity && install);
    assert.ok(install.dependsOn.includes(identity.id));
    for (const step of evaluation.plan) {
      assert.deepEqual(Object.keys(step).filter((k) => ['id', 'ruleId', 'action', 'mode', 'dependsOn'].includes(k)).sort(), ['action', 'dependsOn', 'id', 'mode', 'ruleId']);
    }
  });

  it('prints a readable table by default', () => {
    const result = run(['evaluate', '--cluster', getExample]);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /^Cluster: {2}\/subscriptions\/.*\/clustername1\n/);
    assert.match(result.stdout, /Status: {3}NonCompliant/);
    assert.match(result.stdout, /│ managed-identity +│ NonCompliant +│ ServicePrincipalCluster/);
    assert.match(result.stdout, /│ #2 +│ required-extension\/flux:install-extension +│ auto +│ #1 +│ PUT extensions\/flux/);
    assert.ok(!result.stdout.includes('\u001b['), 'no colour codes when not on a terminal');
  });

  it('reads the cluster from standard input with -', () => {
    const fromFile = run(['evaluate', '--cluster', getExample, '--format', 'json']);
    const fromStdin = run(['evaluate', '--cluster', '-', '--format', 'json'], readFileSync(getExample, 'utf8'));
    assert.equal(fromStdin.status, 1);
    assert.deepEqual(JSON.parse(fromStdin.stdout), JSON.parse(fromFile.stdout));
  });

  it('exits 0 for a compliant cluster, with extensions given as az k8s-extension list output', () => {
    const result = run(['evaluate', '--cluster', compliantCluster, '--extensions', fluxExtensions]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Status: {3}Compliant/);
    assert.match(result.stdout, /Plan: nothing to change\./);
  });

  it('exits 1 when a result is Unknown (an extension still installing)', () => {
    const installing = file('installing.json', { value: [extensionResource({ name: 'flux', extensionType: 'microsoft.flux', provisioningState: 'Creating' })] });
    const result = run(['evaluate', '--cluster', compliantCluster, '--extensions', installing, '--format', 'json']);
    assert.equal(result.status, 1);
    assert.equal((JSON.parse(result.stdout) as JsonEvaluation).status, 'Unknown');
  });

  it('takes exemptions into account as of --now', () => {
    const baseline = file('exempt.yaml', `version: 1\nrules:\n  managedIdentity: { mode: auto }\nexemptions:\n  - clusterId: ${'/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1'}\n    ruleId: managed-identity\n    reason: migration\n    expires: 2026-03-31\n`);
    assert.equal(run(['evaluate', '--cluster', getExample, '--baseline', baseline, '--now', '2026-03-31T12:00:00Z']).status, 0);
    assert.equal(run(['evaluate', '--cluster', getExample, '--baseline', baseline, '--now', '2026-04-01T00:00:00Z']).status, 1);
  });

  it('exits 0 for a cluster excluded by tag', () => {
    const baseline = file('exclude.json', { version: 1, rules: { managedIdentity: { mode: 'auto' } }, excludeTags: { tier: 'production' } });
    const result = run(['evaluate', '--cluster', getExample, '--baseline', baseline, '--format', 'json']);
    assert.equal(result.status, 0);
    assert.equal((JSON.parse(result.stdout) as JsonEvaluation).status, 'Exempt');
  });
});

describe('aks-baseline-guard evaluate rejects bad input with exit code 2 and one line per problem', () => {
  it('an invalid baseline, naming the JSON path, evaluating nothing', () => {
    const baseline = file('bad-baseline.json', {
      version: 1,
      requiredExtensions: [
        { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto' },
        { name: 'dapr', extensionType: 'Microsoft.Dapr', mode: 'sometimes', releaseTrain: 'nightly', protectedSettings: { token: 'hunter2' } },
      ],
    });
    assertBadInput(run(['evaluate', '--cluster', getExample, '--baseline', baseline]), [
      `aks-baseline-guard: ${baseline}: requiredExtensions[1].mode: must be one of audit, auto, approval`,
      `aks-baseline-guard: ${baseline}: requiredExtensions[1].releaseTrain: must be one of Stable, Preview`,
      /^aks-baseline-guard: .*bad-baseline\.json: requiredExtensions\[1\]\.protectedSettings\.token: must be a reference, .*a literal secret is not allowed in a baseline$/,
    ]);
  });

  it('a cluster file that is not JSON', () => {
    const notJson = file('not-json.txt', 'clustername1: yes\n');
    assertBadInput(run(['evaluate', '--cluster', notJson]), [new RegExp(`^aks-baseline-guard: ${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is not valid JSON: `)]);
  });

  it('JSON that is not a cluster', () => {
    const list = file('list.json', exampleResponseBody(FIXTURES.clusterList));
    assertBadInput(run(['evaluate', '--cluster', list]), [/^aks-baseline-guard: .*list\.json: is not a managed cluster: expected .* with a "value" list$/]);
  });

  it('a cluster without an id', () => {
    const body = exampleResponseBody(FIXTURES.clusterGet);
    delete body.id;
    const noId = file('no-id.json', body);
    assertBadInput(run(['evaluate', '--cluster', noId]), [`aks-baseline-guard: ${noId}: id: is missing: the managed cluster resource id is required`]);
  });

  it('an unknown flag', () => {
    assertBadInput(run(['evaluate', '--cluster', getExample, '--bogus']), ["aks-baseline-guard: unknown option '--bogus'"]);
  });

  it('an unknown output format', () => {
    assertBadInput(run(['evaluate', '--cluster', getExample, '--format', 'xml']), [/^aks-baseline-guard: option '--format <format>' argument 'xml' is invalid\. Allowed choices are table, json\.$/]);
  });

  it('a missing --cluster', () => {
    assertBadInput(run(['evaluate']), ["aks-baseline-guard: required option '--cluster <file>' not specified"]);
  });

  it('a file that does not exist', () => {
    const missing = path.join(dir, 'missing.json');
    assertBadInput(run(['evaluate', '--cluster', missing]), [`aks-baseline-guard: ${missing}: cannot read: no such file`]);
  });

  it('empty standard input', () => {
    assertBadInput(run(['evaluate', '--cluster', '-'], ''), ['aks-baseline-guard: (stdin): is empty: expected JSON']);
  });

  it('two inputs on standard input', () => {
    assertBadInput(run(['evaluate', '--cluster', '-', '--extensions', '-'], '{}'), ['aks-baseline-guard: only one of --cluster, --extensions and --baseline can read standard input (-)']);
  });

  it('extensions of another cluster, naming the extensions file', () => {
    const other = file('other-extensions.json', [extensionResource({ name: 'flux', extensionType: 'microsoft.flux', clusterId: CLUSTER_ID.replace('/c1', '/c2') })]);
    assertBadInput(run(['evaluate', '--cluster', compliantCluster, '--extensions', other]), [/^aks-baseline-guard: .*other-extensions\.json: extensions\[0\]\.id: extension "flux" belongs to cluster .*\/c2, not .*\/c1$/]);
  });

  it('a --now that is not a date', () => {
    assertBadInput(run(['evaluate', '--cluster', getExample, '--now', 'tomorrow']), ['aks-baseline-guard: --now: "tomorrow" is not a date or date-time (e.g. 2026-01-31T12:00:00Z)']);
  });

  it('no command at all', () => {
    const result = run([]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Usage: aks-baseline-guard/);
  });

  it('--help is not an error', () => {
    const result = run(['evaluate', '--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /Exit codes: 0 every result is Compliant, NotApplicable or Exempt/);
  });
});

describe('aks-baseline-guard baseline', () => {
  const shipped = [path.resolve('baselines', 'default.json'), ...readdirSync(path.resolve('baselines', 'examples')).map((f) => path.resolve('baselines', 'examples', f))];
  for (const baseline of shipped) {
    it(`validate accepts ${path.relative(process.cwd(), baseline)}`, () => {
      const result = run(['baseline', 'validate', baseline]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /: valid baseline with \d+ rules?: /);
    });
  }

  it('validate reads standard input', () => {
    const result = run(['baseline', 'validate', '-'], 'version: 1\nrules: { workloadIdentity: { mode: audit } }\n');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '(stdin): valid baseline with 1 rule: workload-identity\n');
  });

  it('validate rejects an invalid baseline with exit 2, one line per problem', () => {
    const bad = file('bad.yaml', 'version: 1\nrequiredExtensions:\n  - name: flux\n    extensionType: microsoft.flux\n    mode: auto\n    version: 1.2.3\n    configurationProtectedSettings: { token: abc }\n');
    assertBadInput(run(['baseline', 'validate', bad]), [
      /^aks-baseline-guard: .*bad\.yaml: requiredExtensions\[0\]\.configurationProtectedSettings: literal protected values are not allowed in a baseline; /,
      `aks-baseline-guard: ${bad}: requiredExtensions[0].version: a pinned version needs "autoUpgradeMinorVersion": false`,
    ]);
  });

  it('schema prints the published JSON Schema', () => {
    const result = run(['baseline', 'schema']);
    assert.equal(result.status, 0);
    assert.deepEqual(JSON.parse(result.stdout), JSON.parse(readFileSync(path.resolve('schema', 'baseline.schema.json'), 'utf8')));
  });
});
