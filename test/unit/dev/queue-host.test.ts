// The queue-trigger stand-in reads its settings from host.json, as the Functions host does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeQueueTriggerMessage, HOST_JSON_PATH, parseTimeSpan, readHostJsonQueues } from '../../../dev/queue-host.js';
import { repoPath } from '../../support/paths.js';

describe('readHostJsonQueues', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'abg-host-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the repository's host.json", () => {
    expect(HOST_JSON_PATH).toBe(repoPath('host.json'));
    expect(readHostJsonQueues()).toStrictEqual({
      batchSize: 16,
      newBatchThreshold: 8,
      maxPollingIntervalMs: 500,
      minPollingIntervalMs: 100,
      visibilityTimeoutSeconds: 30,
      maxDequeueCount: 5,
      messageEncoding: 'base64',
    });
  });

  test("takes the host's defaults for what host.json leaves out, and refuses what the host would refuse", () => {
    const file = path.join(dir, 'host.json');
    writeFileSync(file, JSON.stringify({ version: '2.0', extensions: { queues: { batchSize: 4 } } }));

    expect(readHostJsonQueues(file)).toMatchObject({ batchSize: 4, newBatchThreshold: 8, maxPollingIntervalMs: 60_000, visibilityTimeoutSeconds: 0, maxDequeueCount: 5 });

    writeFileSync(file, JSON.stringify({ extensions: { queues: { messageEncoding: 'utf8' } } }));
    expect(() => readHostJsonQueues(file)).toThrow('host.json: messageEncoding must be "base64" or "none", got "utf8"');
    writeFileSync(file, JSON.stringify({ extensions: { queues: { maxDequeueCount: 2.5 } } }));
    expect(() => readHostJsonQueues(file)).toThrow('host.json: maxDequeueCount must be a whole number, got 2.5');
  });

  test('reads time spans as the host writes them', () => {
    expect(parseTimeSpan('00:00:02', 'maxPollingInterval')).toBe(2000);
    expect(parseTimeSpan('00:00:00.500', 'maxPollingInterval')).toBe(500);
    expect(parseTimeSpan('01:02:03.5', 'x')).toBe(3_723_500);
    expect(parseTimeSpan('1.00:00:00', 'x')).toBe(86_400_000);
    expect(() => parseTimeSpan('2s', 'visibilityTimeout')).toThrow('host.json: visibilityTimeout must be a time span like 00:00:30, got "2s"');
  });

  test('hands the handler what the trigger would: base64 decoded, JSON parsed, anything else as text', () => {
    const encoded = Buffer.from(JSON.stringify({ clusterId: 'c' })).toString('base64');

    expect(decodeQueueTriggerMessage(encoded)).toStrictEqual({ clusterId: 'c' });
    expect(decodeQueueTriggerMessage(Buffer.from('not json').toString('base64'))).toBe('not json');
    expect(decodeQueueTriggerMessage('{"a":1}', 'none')).toStrictEqual({ a: 1 });
  });
});
