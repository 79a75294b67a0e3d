import { describe, expect, test } from '@jest/globals';
import { factsWanted, parseEvaluationFacts, storageAccountAddress, wantsAnyFact } from '../../../src/core/facts.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { baselineOf, SUBSCRIPTION } from '../../support/builders.js';

const CLUSTER = { name: 'payments', resourceGroup: 'rg-pay', subscriptionId: SUBSCRIPTION, location: 'East US' };
const BACKUP = {
  name: 'azure-aks-backup',
  extensionType: 'microsoft.dataprotection.kubernetes',
  mode: 'auto',
  configurationSettings: { blobContainer: '{cluster.name}', storageAccount: 'aksbk{cluster.location}', storageAccountResourceGroup: 'rg-bk', storageAccountSubscriptionId: SUBSCRIPTION },
};

describe('factsWanted: what the edge reads for one cluster', () => {
  test('no required extension: nothing', () => {
    const wanted = factsWanted(CLUSTER, baselineOf({ rules: { managedIdentity: { mode: 'auto' } } }));

    expect(wanted).toStrictEqual({ subscriptionId: SUBSCRIPTION, providers: [], tenant: false, storageAccounts: [] });
    expect(wantsAnyFact(wanted)).toBe(false);
  });

  test('any type: Microsoft.KubernetesConfiguration, once; Backup adds the tenant and its account with placeholders filled in', () => {
    const wanted = factsWanted(CLUSTER, baselineOf({ requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', mode: 'auto' }, { name: 'widget', extensionType: 'contoso.widget', mode: 'auto' }, BACKUP] }));

    expect(wanted).toStrictEqual({
      subscriptionId: SUBSCRIPTION,
      providers: ['Microsoft.KubernetesConfiguration'],
      tenant: true,
      storageAccounts: [`/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-bk/providers/Microsoft.Storage/storageAccounts/aksbkeastus`],
    });
  });

  test('Container Storage v2 adds Microsoft.ElasticSan', () => {
    expect(factsWanted(CLUSTER, baselineOf({ requiredExtensions: [{ name: 'acstor', extensionType: 'microsoft.azurecontainerstoragev2', mode: 'auto' }] })).providers).toStrictEqual(['Microsoft.KubernetesConfiguration', 'Microsoft.ElasticSan']);
  });
});

describe('parseEvaluationFacts', () => {
  const ACCOUNT = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-bk/providers/Microsoft.Storage/storageAccounts/aksbkeastus`;

  test('reads a complete document', () => {
    const document = {
      tenantId: 't1',
      providerRegistrations: { 'Microsoft.KubernetesConfiguration': 'NotRegistered' },
      storageAccounts: { [ACCOUNT]: { location: 'eastus', blobEndpoint: 'https://aksbkeastus.blob.core.windows.net/', blobContainers: ['a'] } },
      missingStorageAccounts: [ACCOUNT.replace('aksbkeastus', 'aksbkwestus')],
    };

    expect(parseEvaluationFacts(document)).toStrictEqual(document);
  });

  test('names every problem, and reads nothing half', () => {
    let problems: readonly string[] = [];
    try {
      parseEvaluationFacts({ providerRegistrations: { X: 3 }, storageAccounts: { [ACCOUNT]: { location: '', blobEndpoint: 'https://x/' } }, missingStorageAccounts: [ACCOUNT, 'aksbkwestus'] });
    } catch (error) {
      if (error instanceof InvalidInputError) problems = error.problems;
    }

    expect(problems).toStrictEqual([
      'providerRegistrations.X: must be a registration state such as "Registered" or "NotRegistered"',
      `storageAccounts[${JSON.stringify(ACCOUNT)}].location: must be the account's region, e.g. "eastus"`,
      'missingStorageAccounts[1]: is not a storage account resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>)',
    ]);
    expect(() => parseEvaluationFacts([])).toThrow(InvalidInputError);
  });

  test('storage account ids', () => {
    expect(storageAccountAddress(ACCOUNT)).toStrictEqual({ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-bk', name: 'aksbkeastus' });
    expect(storageAccountAddress('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v')).toBeUndefined();
  });
});
