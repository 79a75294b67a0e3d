import { describe, expect, test } from '@jest/globals';
import { DEFAULT_BASELINE_PATH, loadBaselineFile } from '../../src/baseline-file.js';
import { repoPath } from '../support/paths.js';

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
