import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

const local = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe('loadConfig', () => {
  it('uses the documented defaults with only a storage connection', () => {
    const config = loadConfig(local);
    assert.deepEqual(config.storage, { connectionString: 'UseDevelopmentStorage=true' });
    assert.equal(config.arm.endpoint, 'https://management.azure.com');
    assert.equal(config.baselinePath, 'baselines/default.json');
    assert.equal(config.coalesceWindowSeconds, 10);
    assert.equal(config.maxRemediationAttempts, 5);
    assert.equal(config.entraAuthRequired, false);
    assert.equal(config.appInsights, undefined);
  });

  it('prefers the identity-based storage settings when no connection string is set', () => {
    const config = loadConfig({ AzureWebJobsStorage__accountName: 'stguard', AzureWebJobsStorage__clientId: 'cid' });
    assert.deepEqual(config.storage, { accountName: 'stguard', clientId: 'cid' });
  });

  it('normalises subscription ids and trims the ARM endpoint', () => {
    const config = loadConfig({
      ...local,
      TARGET_SUBSCRIPTION_IDS: ' 00000000-0000-0000-0000-00000000000A, 11111111-1111-1111-1111-111111111111 ',
      ARM_ENDPOINT: 'https://127.0.0.1:8443/',
    });
    assert.deepEqual(config.targetSubscriptionIds, ['00000000-0000-0000-0000-00000000000a', '11111111-1111-1111-1111-111111111111']);
    assert.equal(config.arm.endpoint, 'https://127.0.0.1:8443');
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['no storage at all', {}, /AzureWebJobsStorage or AzureWebJobsStorage__accountName/],
    ['plain-HTTP ARM endpoint', { ...local, ARM_ENDPOINT: 'http://localhost' }, /ARM_ENDPOINT: must be an https:\/\/ URL/],
    ['a subscription that is not a GUID', { ...local, TARGET_SUBSCRIPTION_IDS: 'prod' }, /TARGET_SUBSCRIPTION_IDS: "prod" is not a subscription id/],
    ['a zero attempt limit', { ...local, MAX_REMEDIATION_ATTEMPTS: '0' }, /MAX_REMEDIATION_ATTEMPTS: must be a whole number from 1 to 50/],
    ['a fractional window', { ...local, COALESCE_WINDOW_SECONDS: '2.5' }, /COALESCE_WINDOW_SECONDS/],
    ['a yes/no flag that is neither', { ...local, ENTRA_AUTH_REQUIRED: 'yes' }, /ENTRA_AUTH_REQUIRED: must be "true" or "false"/],
  ];
  for (const [name, env, message] of bad) {
    it(`rejects ${name} with a message naming the setting`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }
});
