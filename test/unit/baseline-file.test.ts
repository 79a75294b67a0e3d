import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEFAULT_BASELINE_PATH, loadBaselineFile, loadConfiguredBaseline, resolveBaselinePath } from '../../src/baseline-file.js';
import { loadConfig } from '../../src/config.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { REPO_ROOT, repoPath } from '../support/paths.js';

const EXAMPLES_DIR = repoPath('baselines', 'examples');

describe('DEFAULT_BASELINE_PATH', () => {
  test('is baselines/default.json of the checkout', () => {
    expect(DEFAULT_BASELINE_PATH).toBe(repoPath('baselines', 'default.json'));
  });

  test('default.json holds the three identity rules and Flux, with the documented modes', async () => {
    const baseline = await loadBaselineFile(DEFAULT_BASELINE_PATH);

    expect(baseline.rules).toStrictEqual({ managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } });
    expect(baseline.requiredExtensions).toStrictEqual([
      { name: 'flux', extensionType: 'microsoft.flux', mode: 'auto', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, configurationSettings: {}, protectedSettings: {} },
    ]);
  });
});

describe('loadBaselineFile', () => {
  test('names a file that does not exist', async () => {
    await expect(loadBaselineFile(repoPath('baselines', 'no-such-baseline.json'))).rejects.toMatchObject({ problems: ['cannot read: no such file'] });
  });

  test('names the code of another read failure (a folder)', async () => {
    await expect(loadBaselineFile(EXAMPLES_DIR)).rejects.toMatchObject({ problems: ['cannot read: EISDIR'] });
  });
});

describe('resolveBaselinePath', () => {
  test('keeps an absolute path', () => {
    const absolute = path.join(tmpdir(), 'baseline.yaml');

    expect(resolveBaselinePath(absolute)).toBe(absolute);
  });

  test('resolves a relative path against the package root, not the working directory', () => {
    expect(resolveBaselinePath('baselines/default.json')).toBe(DEFAULT_BASELINE_PATH);
    expect(resolveBaselinePath('baselines/examples/flux.json')).toBe(path.join(REPO_ROOT, 'baselines', 'examples', 'flux.json'));
  });
});

describe('loadConfiguredBaseline', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'abg-baseline-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('loads the default BASELINE_PATH, as loadConfig gives it', async () => {
    const config = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });

    const baseline = await loadConfiguredBaseline(config);

    expect(baseline).toStrictEqual(await loadBaselineFile(DEFAULT_BASELINE_PATH));
  });

  test('names BASELINE_PATH and the resolved file when the file does not exist', async () => {
    const missing = path.join(dir, 'missing.json');

    const error = await loadConfiguredBaseline({ baselinePath: missing }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ problems: [`BASELINE_PATH (${missing}): cannot read: no such file`] });
  });

  test('names BASELINE_PATH in front of every problem of an invalid baseline', async () => {
    const file = path.join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify({ version: 2, rules: { mfa: { mode: 'auto' } } }));

    const loading = loadConfiguredBaseline({ baselinePath: file });

    await expect(loading).rejects.toMatchObject({
      name: 'InvalidInputError',
      problems: [`BASELINE_PATH (${file}): version: must be 1`, `BASELINE_PATH (${file}): rules.mfa: is not a known property`],
    });
  });

  test('resolves a relative BASELINE_PATH against the package root', async () => {
    const baseline = await loadConfiguredBaseline({ baselinePath: 'baselines/examples/dapr.json' });

    expect(baseline.requiredExtensions.map((e) => e.name)).toStrictEqual(['dapr']);
  });
});
