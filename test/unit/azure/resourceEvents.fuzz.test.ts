// Fuzz tests of the Event Grid intake's decoder (issue 17), Event Grid schema and CloudEvents: arbitrary and mutated
// events always give a decision (never a throw, which would make Event Grid redeliver a permanently bad event), and
// an accepted one names a cluster id that follows ARM's naming rules and fits a table key.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { decideResourceEvent, splitEvents } from '../../../src/azure/resourceEvents.js';
import { clusterKey } from '../../../src/azure/storage/keys.js';
import { parseClusterId } from '../../../src/core/resource-ids.js';
import { asCloudEvent, EVENT_FIXTURES, fixtureEvent } from '../../support/events.js';
import { FUZZ, mutationsOf, oddText, rejectionOf } from '../../support/fuzz.js';

const SELF = { appId: '22222222-2222-2222-2222-222222222222' };

async function expectADecision(raw: unknown): Promise<void> {
  let decision: Awaited<ReturnType<typeof decideResourceEvent>> | undefined;
  const error = await rejectionOf(async () => {
    decision = await decideResourceEvent(raw, SELF);
  });
  expect(error).toBeUndefined();
  expect(typeof decision?.reason).toBe('string');
  if (decision?.accepted) {
    expect(() => parseClusterId(decision?.clusterId ?? '')).not.toThrow();
    expect(() => clusterKey(decision?.clusterId ?? '')).not.toThrow();
  }
}

const events: [string, () => Record<string, unknown>][] = [
  ['a cluster write (Event Grid schema)', () => fixtureEvent(EVENT_FIXTURES.clusterWrite)],
  ['an extension delete (Event Grid schema)', () => fixtureEvent(EVENT_FIXTURES.extensionDelete)],
  ['a cluster write (CloudEvents)', () => asCloudEvent(fixtureEvent(EVENT_FIXTURES.clusterWrite))],
  ['an extension write (CloudEvents)', () => asCloudEvent(fixtureEvent(EVENT_FIXTURES.extensionWrite))],
];

describe('decideResourceEvent under fuzzing', () => {
  test('arbitrary values and arbitrary deliveries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 4 }), async (payload) => {
        for (const raw of splitEvents(payload)) await expectADecision(raw);
      }),
      FUZZ,
    );
  });

  test.each(events)('mutations of %s', async (_name, event) => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(event()), async (raw) => expectADecision(raw)),
      FUZZ,
    );
  });

  test.each(events)('%s naming odd resource ids', async (_name, event) => {
    const valid = event();
    const uri = String((valid.data as Record<string, unknown>).resourceUri);
    await fc.assert(
      fc.asyncProperty(oddText, fc.constantFrom(/[^/]+$/, /managedClusters\/[^/]+/, /resourcegroups\/[^/]+/i, /subscriptions\/[^/]+/), async (text, part) => {
        const resourceUri = uri.replace(part, (found) => (found.includes('/') ? `${found.slice(0, found.indexOf('/') + 1)}${text}` : text));
        await expectADecision({ ...valid, subject: resourceUri, data: { ...(valid.data as object), resourceUri } });
      }),
      FUZZ,
    );
  });
});
