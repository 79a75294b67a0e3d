// Which connection strings point at plain-HTTP endpoints (Azurite), for which the SDK clients must allow it.
import { describe, expect, test } from '@jest/globals';
import { usesHttp } from '../../../../src/azure/storage/clients.js';

describe('usesHttp', () => {
  test('recognises emulator connection strings, which need allowInsecureConnection', () => {
    expect(usesHttp('UseDevelopmentStorage=true')).toBe(true);
    expect(usesHttp('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=http://127.0.0.1:1/a;')).toBe(true);
    expect(usesHttp('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net')).toBe(false);
    expect(usesHttp('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=https://a.table.core.windows.net')).toBe(false);
  });
});
