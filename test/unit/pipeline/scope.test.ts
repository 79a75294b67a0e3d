// Which clusters the app may touch: TARGET_SUBSCRIPTION_IDS and the baseline's scope.
import { describe, expect, test } from '@jest/globals';
import { loadConfig } from '../../../src/config.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { outOfScopeReason } from '../../../src/pipeline/scope.js';
import { baselineOf, CLUSTER_ID, SUBSCRIPTION } from '../../support/builders.js';

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
