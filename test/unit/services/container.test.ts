// The pure parts of the Functions app's wiring: tuning validation, the baseline named by BASELINE_PATH, and which
// clusters the app may touch. (createServices itself needs Storage; the integration tests cover it.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadConfig } from '../../../src/config.js';
import { DEFAULT_BASELINE_PATH, loadBaselineFile } from '../../../src/baseline-file.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { DEFAULT_TUNING, loadConfiguredBaseline, outOfScopeReason, resolveBaselinePath, resolveTuning, type WorkerTuning } from '../../../src/services/container.js';
import { baselineOf, CLUSTER_ID, SUBSCRIPTION } from '../../support/builders.js';
import { REPO_ROOT } from '../../support/paths.js';

describe('resolveTuning', () => {
  test('gives the defaults without overrides', () => {
    expect(resolveTuning()).toStrictEqual(DEFAULT_TUNING);
    expect(resolveTuning({})).toStrictEqual(DEFAULT_TUNING);
  });

  test('keeps the defaults a lease cannot outlive: longer than the 10-minute function timeout', () => {
    expect(DEFAULT_TUNING.leaseTtlMs).toBeGreaterThan(10 * 60_000);
    expect(DEFAULT_TUNING.maxBackoffSeconds).toBeGreaterThanOrEqual(DEFAULT_TUNING.backoffBaseSeconds);
  });

  test('applies overrides over the defaults, fractions allowed where whole numbers are not required', () => {
    const tuning = resolveTuning({ leaseTtlMs: 2_000, continuationDelaySeconds: 1, backoffBaseSeconds: 0.5, maxBackoffSeconds: 2, openRemediationGraceMs: 0.25 });

    expect(tuning).toStrictEqual({ ...DEFAULT_TUNING, leaseTtlMs: 2_000, continuationDelaySeconds: 1, backoffBaseSeconds: 0.5, maxBackoffSeconds: 2, openRemediationGraceMs: 0.25 });
  });

  test('does not change the defaults it starts from', () => {
    const before = structuredClone(DEFAULT_TUNING);

    resolveTuning({ sweepBatchSize: 3 });

    expect(DEFAULT_TUNING).toStrictEqual(before);
  });

  const notPositive: [string, Partial<WorkerTuning>, string][] = [
    ['zero', { leaseBusyRetrySeconds: 0 }, 'tuning.leaseBusyRetrySeconds must be a number above 0, got 0'],
    ['a negative number', { backoffBaseSeconds: -1 }, 'tuning.backoffBaseSeconds must be a number above 0, got -1'],
    ['NaN', { openRemediationGraceMs: Number.NaN }, 'tuning.openRemediationGraceMs must be a number above 0, got NaN'],
    ['Infinity', { maxBackoffSeconds: Number.POSITIVE_INFINITY }, 'tuning.maxBackoffSeconds must be a number above 0, got Infinity'],
  ];
  test.each(notPositive)('refuses %s, naming the setting and the value', (_name, overrides, message) => {
    expect(() => resolveTuning(overrides)).toThrow(RangeError);
    expect(() => resolveTuning(overrides)).toThrow(message);
  });

  const wholeNumbers = ['leaseTtlMs', 'leaseBusyRetrySeconds', 'continuationDelaySeconds', 'maxContinuations', 'sweepBatchSize'] as const;
  test.each(wholeNumbers)('refuses a fraction for %s, which counts or times in whole units', (name) => {
    expect(() => resolveTuning({ [name]: 1.5 })).toThrow(new RangeError(`tuning.${name} must be a whole number, got 1.5`));
  });

  test('refuses a backoff cap below the base', () => {
    expect(() => resolveTuning({ backoffBaseSeconds: 60, maxBackoffSeconds: 30 })).toThrow(new RangeError('tuning.maxBackoffSeconds must be at least tuning.backoffBaseSeconds'));
  });

  test('accepts a backoff cap equal to the base', () => {
    expect(resolveTuning({ backoffBaseSeconds: 30, maxBackoffSeconds: 30 })).toMatchObject({ backoffBaseSeconds: 30, maxBackoffSeconds: 30 });
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

describe('outOfScopeReason', () => {
  const OTHER_SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
  const storage = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
  const everywhere = baselineOf({});

  test('is undefined for a cluster inside the target subscriptions and the baseline scope', () => {
    const config = loadConfig({ ...storage, TARGET_SUBSCRIPTION_IDS: `${OTHER_SUBSCRIPTION},${SUBSCRIPTION}` });

    expect(outOfScopeReason({ config, baseline: everywhere }, CLUSTER_ID)).toBeUndefined();
  });

  test('allows every subscription when TARGET_SUBSCRIPTION_IDS is empty', () => {
    const config = loadConfig(storage);

    expect(outOfScopeReason({ config, baseline: everywhere }, CLUSTER_ID)).toBeUndefined();
  });

  test('names the subscription and TARGET_SUBSCRIPTION_IDS for a cluster of another subscription', () => {
    const config = loadConfig({ ...storage, TARGET_SUBSCRIPTION_IDS: OTHER_SUBSCRIPTION });

    expect(outOfScopeReason({ config, baseline: everywhere }, CLUSTER_ID)).toBe(`subscription ${SUBSCRIPTION} is not in TARGET_SUBSCRIPTION_IDS`);
  });

  test('compares subscriptions case-insensitively (ids in events and settings differ in case)', () => {
    const config = loadConfig({ ...storage, TARGET_SUBSCRIPTION_IDS: 'ABCDEF00-0000-0000-0000-000000000000' });
    const clusterId = CLUSTER_ID.replace(SUBSCRIPTION, 'abcdef00-0000-0000-0000-000000000000'.toUpperCase()).replace('resourceGroups', 'resourcegroups');

    expect(outOfScopeReason({ config, baseline: everywhere }, clusterId)).toBeUndefined();
    // The reason names the subscription lower-cased.
    expect(outOfScopeReason({ config, baseline: everywhere }, CLUSTER_ID.replace(SUBSCRIPTION, OTHER_SUBSCRIPTION.toUpperCase()))).toBe(
      `subscription ${OTHER_SUBSCRIPTION} is not in TARGET_SUBSCRIPTION_IDS`,
    );
  });

  test('refuses a cluster outside the baseline scope', () => {
    const config = loadConfig(storage);
    const baseline = baselineOf({ scope: { resourceGroups: ['rg-other'] } });

    expect(outOfScopeReason({ config, baseline }, CLUSTER_ID)).toBe('the cluster is outside the baseline scope (subscriptions / resource groups)');
  });

  test('checks the target subscriptions before the baseline scope', () => {
    const config = loadConfig({ ...storage, TARGET_SUBSCRIPTION_IDS: OTHER_SUBSCRIPTION });
    const baseline = baselineOf({ scope: { resourceGroups: ['rg-other'] } });

    expect(outOfScopeReason({ config, baseline }, CLUSTER_ID)).toMatch(/TARGET_SUBSCRIPTION_IDS$/);
  });

  test('throws for an id that is not a resource id', () => {
    const config = loadConfig(storage);

    expect(() => outOfScopeReason({ config, baseline: everywhere }, 'not-an-id')).toThrow(InvalidInputError);
  });
});
