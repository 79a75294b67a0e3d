import { describe, expect, test } from '@jest/globals';
import {
  commandLineArmSettings,
  commandLineStorageSettings,
  ConfigError,
  DEFAULT_TUNING,
  loadConfig,
  resolveTuning,
  selfIdentitySettings,
  type WorkerTuning,
} from '../../src/config.js';

const local = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe('loadConfig', () => {
  test('uses the documented defaults with only a storage connection', () => {
    const config = loadConfig(local);

    expect(config.storage).toStrictEqual({ connectionString: 'UseDevelopmentStorage=true' });
    expect(config.arm.endpoint).toBe('https://management.azure.com');
    expect(config.baselinePath).toBe('baselines/default.json');
    expect(config.coalesceWindowSeconds).toBe(5);
    expect(config.maxRemediationAttempts).toBe(5);
    expect(config.entraAuthRequired).toBe(false);
    expect(config.appInsights).toBeUndefined();
    expect(config.eventsTopicEndpoint).toBeUndefined();
    expect(config.exemptionExpiryNoticeDays).toBe(14);
  });

  test('reads the optional events topic endpoint and exemption notice days', () => {
    const endpoint = 'https://evgt-out-abc.swedencentral-1.eventgrid.azure.net/api/events';

    const config = loadConfig({ ...local, EVENTS_TOPIC_ENDPOINT: ` ${endpoint} `, EXEMPTION_EXPIRY_NOTICE_DAYS: '30' });

    expect(config.eventsTopicEndpoint).toBe(endpoint);
    expect(config.exemptionExpiryNoticeDays).toBe(30);
    // Empty values, as local.settings.sample.json has them, mean unset.
    expect(loadConfig({ ...local, EVENTS_TOPIC_ENDPOINT: '', EXEMPTION_EXPIRY_NOTICE_DAYS: '' })).toMatchObject({ exemptionExpiryNoticeDays: 14 });
    expect(loadConfig({ ...local, EVENTS_TOPIC_ENDPOINT: '' }).eventsTopicEndpoint).toBeUndefined();
  });

  test('reads the local events receiver\'s CA file and token (development only), unset when empty', () => {
    const config = loadConfig({ ...local, EVENTS_TOPIC_ENDPOINT: 'https://127.0.0.1:41234/api/events', EVENTS_CA_FILE: 'receiver/ca.pem', EVENTS_TOKEN: ' token ' });

    expect(config).toMatchObject({ eventsTopicEndpoint: 'https://127.0.0.1:41234/api/events', eventsCaFile: 'receiver/ca.pem', eventsToken: 'token' });
    expect(loadConfig({ ...local, EVENTS_CA_FILE: '', EVENTS_TOKEN: '' })).not.toHaveProperty('eventsToken');
    expect(loadConfig({ ...local, EVENTS_CA_FILE: '', EVENTS_TOKEN: '' })).not.toHaveProperty('eventsCaFile');
  });

  test('prefers the identity-based storage settings when no connection string is set', () => {
    const config = loadConfig({ AzureWebJobsStorage__accountName: 'stguard', AzureWebJobsStorage__clientId: 'cid' });

    expect(config.storage).toStrictEqual({ accountName: 'stguard', clientId: 'cid' });
  });

  test('normalises subscription ids and trims the ARM endpoint', () => {
    const config = loadConfig({
      ...local,
      TARGET_SUBSCRIPTION_IDS: ' 00000000-0000-0000-0000-00000000000A, 11111111-1111-1111-1111-111111111111 ',
      ARM_ENDPOINT: 'https://127.0.0.1:8443/',
    });

    expect(config.targetSubscriptionIds).toStrictEqual(['00000000-0000-0000-0000-00000000000a', '11111111-1111-1111-1111-111111111111']);
    expect(config.arm.endpoint).toBe('https://127.0.0.1:8443');
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['no storage at all', {}, /AzureWebJobsStorage or AzureWebJobsStorage__accountName/],
    ['plain-HTTP ARM endpoint', { ...local, ARM_ENDPOINT: 'http://localhost' }, /ARM_ENDPOINT: must be an https:\/\/ URL/],
    ['a subscription that is not a GUID', { ...local, TARGET_SUBSCRIPTION_IDS: 'prod' }, /TARGET_SUBSCRIPTION_IDS: "prod" is not a subscription id/],
    ['a zero attempt limit', { ...local, MAX_REMEDIATION_ATTEMPTS: '0' }, /MAX_REMEDIATION_ATTEMPTS: must be a whole number from 1 to 50/],
    ['a fractional window', { ...local, COALESCE_WINDOW_SECONDS: '2.5' }, /COALESCE_WINDOW_SECONDS/],
    ['a yes/no flag that is neither', { ...local, ENTRA_AUTH_REQUIRED: 'yes' }, /ENTRA_AUTH_REQUIRED: must be "true" or "false"/],
    ['a plain-HTTP events topic', { ...local, EVENTS_TOPIC_ENDPOINT: 'http://topic.westus2-1.eventgrid.azure.net/api/events' }, /EVENTS_TOPIC_ENDPOINT: must be an https:\/\/ URL/],
    ['an events topic that is not a URL', { ...local, EVENTS_TOPIC_ENDPOINT: 'evgt-out-abc' }, /EVENTS_TOPIC_ENDPOINT: must be an https:\/\/ URL/],
    ['an events topic carrying a key', { ...local, EVENTS_TOPIC_ENDPOINT: 'https://t.westus2-1.eventgrid.azure.net/api/events?aeg-sas-key=x' }, /EVENTS_TOPIC_ENDPOINT: must be a plain https:\/\/ URL/],
    ['an events topic with credentials', { ...local, EVENTS_TOPIC_ENDPOINT: 'https://user:pw@t.westus2-1.eventgrid.azure.net/api/events' }, /EVENTS_TOPIC_ENDPOINT: must be a plain/],
    ['zero notice days', { ...local, EXEMPTION_EXPIRY_NOTICE_DAYS: '0' }, /EXEMPTION_EXPIRY_NOTICE_DAYS: must be a whole number from 1 to 365/],
  ];
  test.each(bad)('rejects %s with a message naming the setting', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

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

describe('the command-line settings', () => {
  test('reads ARM from the flags first, then ARM_ENDPOINT, ARM_CA_FILE and ARM_TOKEN, then public Azure', () => {
    const env = { ARM_ENDPOINT: 'https://127.0.0.1:8443/', ARM_CA_FILE: 'emulator/ca.pem', ARM_TOKEN: 'token', AZURE_CLIENT_ID: 'client' };

    expect(commandLineArmSettings(env)).toStrictEqual({ arm: { endpoint: 'https://127.0.0.1:8443', caFile: 'emulator/ca.pem', token: 'token' }, managedIdentityClientId: 'client' });
    expect(commandLineArmSettings(env, { armEndpoint: 'https://arm.example', ca: 'certs/ca.pem' }).arm).toStrictEqual({ endpoint: 'https://arm.example', caFile: 'certs/ca.pem', token: 'token' });
    expect(commandLineArmSettings({})).toStrictEqual({ arm: { endpoint: 'https://management.azure.com' } });
  });

  test('names the flag or the setting an ARM endpoint came from when it is wrong', () => {
    const fromFlag = (() => {
      try {
        return commandLineArmSettings({}, { armEndpoint: 'http://127.0.0.1:1' });
      } catch (error) {
        return error;
      }
    })();

    expect(fromFlag).toBeInstanceOf(ConfigError);
    expect(fromFlag).toMatchObject({ setting: '--arm-endpoint', problem: 'must be an https:// URL, got "http://127.0.0.1:1"' });
    expect(() => commandLineArmSettings({ ARM_ENDPOINT: 'not a url' })).toThrow('ARM_ENDPOINT: "not a url" is not a URL');
  });

  test("reads the app's storage and identity, and says when there is no storage", () => {
    expect(commandLineStorageSettings({ AzureWebJobsStorage: ' UseDevelopmentStorage=true ' })).toStrictEqual({ connectionString: 'UseDevelopmentStorage=true' });
    expect(commandLineStorageSettings({ AzureWebJobsStorage__accountName: 'acct', AzureWebJobsStorage__clientId: 'id' })).toStrictEqual({ accountName: 'acct', clientId: 'id' });
    expect(commandLineStorageSettings({ AzureWebJobsStorage: '' })).toBeUndefined();
    expect(selfIdentitySettings({ AZURE_CLIENT_ID: 'app', SELF_PRINCIPAL_ID: '' })).toStrictEqual({ appId: 'app' });
  });
});
