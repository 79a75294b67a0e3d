// The approval commands the report prints, and how it names a store: quoted for a POSIX shell, route segments
// encoded, never a key from a connection string.
import { describe, expect, test } from '@jest/globals';
import { approvalCliCommand, approvalHttpCall, remediatePath, shellQuote } from '../../../src/report/approvals.js';
import { describeConnectionString, describeStore, namesAStore } from '../../../src/report/store-label.js';

const SUBSCRIPTION = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const CLUSTER = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-prod(eu)/providers/Microsoft.ContainerService/managedClusters/aks-1`;

describe('approval commands', () => {
  test('write the remediate route with its segments encoded', () => {
    expect(remediatePath(CLUSTER)).toBe(`/api/clusters/${SUBSCRIPTION}/rg-prod(eu)/aks-1/remediate`);
  });

  test('write a curl call with placeholders for what the report cannot know', () => {
    expect(approvalHttpCall(CLUSTER, 'no-pod-identity:disable-pod-identity')).toBe(
      `curl -X POST 'https://<function-app>.azurewebsites.net/api/clusters/${SUBSCRIPTION}/rg-prod(eu)/aks-1/remediate' -H 'x-functions-key: <function-key>' -H 'content-type: application/json' -d '{"approve":["no-pod-identity:disable-pod-identity"]}'`,
    );
  });

  test('write the scan of the cluster\'s resource group, with the baseline when it is not the default', () => {
    expect(approvalCliCommand(CLUSTER, 'required-extension/flux', { baselineFile: "team's baseline.json" })).toBe(
      `npx aks-baseline-guard scan --subscription ${SUBSCRIPTION} --resource-group 'rg-prod(eu)' --baseline 'team'\\''s baseline.json' --apply --approve required-extension/flux`,
    );
  });

  test('quote only what a shell would change', () => {
    expect(shellQuote('plain-word_1.2:3@x=y,z+')).toBe('plain-word_1.2:3@x=y,z+');
    expect(shellQuote('two words')).toBe("'two words'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});

describe('store labels', () => {
  test('name the account and table endpoint of a connection string, never its key', () => {
    const azurite = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleQ==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

    expect(describeConnectionString(azurite)).toBe('devstoreaccount1 at http://127.0.0.1:10002/devstoreaccount1');
    expect(describeConnectionString('DefaultEndpointsProtocol=https;AccountName=stabg;AccountKey=c2VjcmV0')).toBe('storage account stabg');
    expect(describeConnectionString('UseDevelopmentStorage=true')).toBe('Azurite (UseDevelopmentStorage=true)');
    expect(describeStore({ accountName: 'stabg', clientId: 'x' })).toBe('storage account stabg');
    expect(describeStore({ connectionString: azurite })).not.toContain('c2VjcmV0');
  });

  test('tell a connection string from something else', () => {
    expect(namesAStore('AccountName=stabg;AccountKey=k')).toBe(true);
    expect(namesAStore('TableEndpoint=https://t.example')).toBe(true);
    expect(namesAStore('https://stabg.table.core.windows.net')).toBe(false);
  });
});
