// Storage accounts and the facts reader on the emulator, through @azure/arm-storage and @azure/arm-resources.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EMULATOR_TENANT_ID, startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { ArmFactReader } from '../../../src/azure/arm/index.js';
import { clientsFor, SUBSCRIPTION } from '../../support/arm.js';
import { EMULATOR_START_TIMEOUT_MS, errorOf } from '../../support/emulator.js';

const ACCOUNT = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.Storage/storageAccounts/aksbkwesteurope`;
const MISSING = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.Storage/storageAccounts/nosuchaccount`;

describe('storage accounts (Azure Backup reads its account)', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ lroDurationMs: 50 });
    emulator.putStorageAccount({ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-backup', name: 'aksbkwesteurope', location: 'westeurope' });
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => {
    await emulator?.stop();
  });

  test('getProperties returns the location and the blob endpoint of a seeded account', async () => {
    const account = await clientsFor(emulator).storage(SUBSCRIPTION).storageAccounts.getProperties('rg-backup', 'aksbkwesteurope');

    expect({ id: account.id, location: account.location, blob: account.primaryEndpoints?.blob, state: account.provisioningState }).toStrictEqual({
      id: ACCOUNT,
      location: 'westeurope',
      blob: 'https://aksbkwesteurope.blob.core.windows.net/',
      state: 'Succeeded',
    });
  });

  test('an unknown account is 404 ResourceNotFound', async () => {
    const failure = await clientsFor(emulator).storage(SUBSCRIPTION).storageAccounts.getProperties('rg-backup', 'nosuchaccount').then(() => undefined, errorOf);

    expect(failure).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  test('a seeded account name must follow Azure\'s rule', () => {
    expect(() => emulator.putStorageAccount({ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', name: 'Not-Valid', location: 'eastus' })).toThrow("storage account name 'Not-Valid' must be 3-24 lower-case letters and digits");
  });

  test('the fact reader reads tenant, registrations and accounts, and says what it could not read', async () => {
    emulator.setProviderRegistration(SUBSCRIPTION, 'Microsoft.ElasticSan', 'NotRegistered');
    const reader = new ArmFactReader(() => clientsFor(emulator));

    const { facts, unread } = await reader.readFacts({ subscriptionId: SUBSCRIPTION, tenant: true, providers: ['Microsoft.KubernetesConfiguration', 'Microsoft.ElasticSan', 'Microsoft.Nothing'], storageAccounts: [ACCOUNT, MISSING] });

    expect(facts).toStrictEqual({
      tenantId: EMULATOR_TENANT_ID,
      providerRegistrations: { 'Microsoft.KubernetesConfiguration': 'Registered', 'Microsoft.ElasticSan': 'NotRegistered' },
      storageAccounts: { [ACCOUNT]: { location: 'westeurope', blobEndpoint: 'https://aksbkwesteurope.blob.core.windows.net/' } },
      missingStorageAccounts: [MISSING],
    });
    expect(unread).toStrictEqual([expect.stringMatching(/^the registration of Microsoft\.Nothing on subscription .*InvalidResourceNamespace/)]);
  });

  test('a missing account is not kept: once a person creates it, the next evaluation sees it', async () => {
    const reader = new ArmFactReader(() => clientsFor(emulator));
    const wanted = { subscriptionId: SUBSCRIPTION, tenant: false, providers: [], storageAccounts: [MISSING.replace('nosuchaccount', 'latercreated')] };

    const before = await reader.readFacts(wanted);
    emulator.putStorageAccount({ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-backup', name: 'latercreated', location: 'westeurope' });
    const after = await reader.readFacts(wanted);

    expect(before).toStrictEqual({ facts: { storageAccounts: {}, missingStorageAccounts: wanted.storageAccounts }, unread: [] });
    expect(after).toStrictEqual({ facts: { storageAccounts: { [wanted.storageAccounts[0] as string]: { location: 'westeurope', blobEndpoint: 'https://latercreated.blob.core.windows.net/' } } }, unread: [] });
    expect(reader.reads).toBe(2);
  });
});
