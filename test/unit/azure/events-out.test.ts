// The publisher's own logic, with the SDK client replaced by a function: batching within Event Grid's limits, what is
// held and sent again, what is dropped and counted, and that publish() never throws. Over real sockets:
// test/integration/events-out/publish.test.ts.
import { describe, expect, test } from '@jest/globals';
import { RestError } from '@azure/core-rest-pipeline';
import type { SendCloudEventInput } from '@azure/eventgrid';
import {
  type CloudEventSender,
  MAX_EVENTS_PER_REQUEST,
  MAX_REQUEST_BYTES,
  createEventsPublisher,
  noEventsPublisher,
  splitIntoRequests,
  wireBytes,
} from '../../../src/azure/events-out.js';
import { RecordingTelemetry } from '../../support/telemetry.js';
import { type ComplianceCloudEvent, complianceChangedEvent, remediationFailedEvent } from '../../../src/events-out/events.js';

const ENDPOINT = 'https://evgt-out-abc.westus2-1.eventgrid.azure.net/api/events';
const CLUSTER = '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1';

/** `count` distinct ComplianceChanged events (one per history row). */
function changes(count: number, from = 0): ComplianceCloudEvent[] {
  return Array.from({ length: count }, (_, index) =>
    complianceChangedEvent({
      clusterId: CLUSTER,
      ruleId: 'workloadIdentity',
      from: 'Compliant',
      to: 'NonCompliant',
      cause: { kind: 'sweep', id: 'sweep-1' },
      at: '2026-03-01T10:00:00Z',
      transitionKey: `row-${from + index}`,
    }),
  );
}

/** An event of about `bytes` on the wire (the builders cap their text, so this one is made by hand). */
function eventOfSize(bytes: number, key: string): ComplianceCloudEvent {
  const base = remediationFailedEvent({ clusterId: CLUSTER, ruleId: 'r', attempts: 1, error: { code: 'X' }, at: '2026-03-01T10:00:00Z' });
  return { ...base, id: `${base.id}-${key}`, data: { ...base.data, message: 'm'.repeat(bytes) } };
}

interface FakeTopic {
  send: CloudEventSender;
  requests: SendCloudEventInput<unknown>[][];
  /** Ids the topic accepted, in order. */
  accepted: string[];
  /** Each entry answers one request: an error to throw, or 'ok'. Past the end: 'ok'. */
  script: (Error | 'ok')[];
}

function fakeTopic(script: (Error | 'ok')[] = []): FakeTopic {
  const topic: FakeTopic = {
    requests: [],
    accepted: [],
    script,
    send: async (events) => {
      topic.requests.push(events);
      const answer = topic.script.shift() ?? 'ok';
      if (answer !== 'ok') throw answer;
      topic.accepted.push(...events.map((event) => event.id!));
    },
  };
  return topic;
}

const unavailable = (): RestError => new RestError('The service is unavailable.', { statusCode: 503, code: 'ServiceUnavailable' });
const badRequest = (): RestError => new RestError('Invalid CloudEvent.', { statusCode: 400, code: 'BadRequest' });

describe('the no-op publisher', () => {
  test.each([undefined, '', '  '])('is used when no topic endpoint is set (%p), and publishes nothing without failing', async (endpoint) => {
    const publisher = createEventsPublisher({ endpoint });

    expect(publisher).toBe(noEventsPublisher);
    expect(publisher.enabled).toBe(false);
    await expect(publisher.publish(changes(3))).resolves.toStrictEqual({ sent: 0, dropped: 0, pending: 0, failures: [] });
    await expect(publisher.flush()).resolves.toStrictEqual({ sent: 0, dropped: 0, pending: 0, failures: [] });
  });
});

describe('creating a publisher', () => {
  test.each([
    ['a plain-HTTP endpoint', { endpoint: 'http://topic/api/events' }, /must be an https:\/\/ URL/],
    ['an endpoint that is not a URL', { endpoint: 'evgt-out-abc' }, /must be an https:\/\/ URL/],
    ['a request limit above Event Grid\'s', { endpoint: ENDPOINT, maxRequestBytes: MAX_REQUEST_BYTES + 1 }, /maxRequestBytes must be a whole number from 1 to 1000000/],
    ['no attempts', { endpoint: ENDPOINT, maxAttempts: 0 }, /maxAttempts must be a whole number/],
    ['a CA file that does not exist', { endpoint: ENDPOINT, caFile: '/nonexistent/ca.pem', token: 't' }, /CA file: cannot read/],
    ['an empty fixed token', { endpoint: ENDPOINT, token: ' ' }, /token: must not be empty/],
  ])('refuses %s at start-up', (_what, options, message) => {
    expect(() => createEventsPublisher(options)).toThrow(message);
  });

  test('builds the SDK client without touching the network (the credential is asked only when sending)', () => {
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, managedIdentityClientId: '11111111-2222-3333-4444-555555555555' });

    expect(publisher.enabled).toBe(true);
    expect(publisher.stats()).toStrictEqual({ sent: 0, dropped: 0, failedRequests: 0, retriedRequests: 0, pending: 0 });
  });
});

describe('batching', () => {
  test('splits at 5,000 events or at the byte limit, whichever comes first', () => {
    const tiny = Array.from({ length: 12_001 }, () => ({ bytes: 10 }));
    const large = Array.from({ length: 5 }, () => ({ bytes: 400_000 }));

    expect(splitIntoRequests(tiny, MAX_REQUEST_BYTES).map((request) => request.length)).toStrictEqual([MAX_EVENTS_PER_REQUEST, MAX_EVENTS_PER_REQUEST, 2001]);
    expect(splitIntoRequests(large, MAX_REQUEST_BYTES).map((request) => request.length)).toStrictEqual([2, 2, 1]);
    // 2 brackets + 2 x (400,000 + 1 comma) = 800,004 fits; a third would not.
    expect(splitIntoRequests([{ bytes: 499_998 }, { bytes: 499_998 }], MAX_REQUEST_BYTES)).toHaveLength(1);
    expect(splitIntoRequests([{ bytes: 499_998 }, { bytes: 499_999 }], MAX_REQUEST_BYTES)).toHaveLength(2);
  });

  test('sends thousands of events in as many requests as the byte limit needs, none lost or repeated', async () => {
    const topic = fakeTopic();
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send });
    const events = changes(12_001);

    const result = await publisher.publish(events);

    expect(result).toStrictEqual({ sent: 12_001, dropped: 0, pending: 0, failures: [] });
    expect(topic.requests.length).toBeGreaterThan(1);
    for (const request of topic.requests) expect(request.length).toBeLessThanOrEqual(MAX_EVENTS_PER_REQUEST);
    expect(topic.accepted).toStrictEqual(events.map((event) => event.id));
  });

  test('keeps every request within the byte limit, and sends the events in order', async () => {
    const topic = fakeTopic();
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send });
    const events = Array.from({ length: 7 }, (_, index) => eventOfSize(300_000, String(index)));

    await publisher.publish(events);

    expect(topic.requests.map((request) => request.length)).toStrictEqual([3, 3, 1]);
    for (const request of topic.requests) expect(Buffer.byteLength(JSON.stringify(request)) + request.length * 600).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    expect(topic.accepted).toStrictEqual(events.map((event) => event.id));
  });

  test('drops an event larger than a request may be, counts it, and sends the rest', async () => {
    const topic = fakeTopic();
    const telemetry = new RecordingTelemetry();
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send, telemetry });
    const huge = eventOfSize(MAX_REQUEST_BYTES, 'huge');

    const result = await publisher.publish([huge, ...changes(2)]);

    expect(wireBytes(huge)).toBeGreaterThan(MAX_REQUEST_BYTES);
    expect(result).toStrictEqual({ sent: 2, dropped: 1, pending: 0, failures: [{ code: 'EventTooLarge', events: 1, heldBack: 0, dropped: 1 }] });
    expect(telemetry.events).toStrictEqual([
      { name: 'EventsPublishFailed', properties: { topic: 'evgt-out-abc.westus2-1.eventgrid.azure.net', code: 'EventTooLarge', events: '1', heldBack: '0', dropped: '1' } },
    ]);
  });

  test('sends an event given twice once', async () => {
    const topic = fakeTopic();
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send });
    const [event] = changes(1);

    await publisher.publish([event!, event!]);

    expect(topic.accepted).toStrictEqual([event!.id]);
  });

  test('gives the SDK the event as built: same id, time, subject and data', async () => {
    const topic = fakeTopic();
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send });
    const [event] = changes(1);

    await publisher.publish([event!]);

    expect(topic.requests[0]).toStrictEqual([
      { type: event!.type, source: event!.source, subject: event!.subject, id: event!.id, time: new Date(event!.time), datacontenttype: 'application/json', data: event!.data },
    ]);
  });
});

describe('when the topic fails', () => {
  test('holds the events of a failed request and sends them, with the same ids, before new ones on the next call', async () => {
    const topic = fakeTopic([unavailable()]);
    const telemetry = new RecordingTelemetry();
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send, telemetry });
    const first = changes(2);
    const second = changes(1, 2);

    const failed = await publisher.publish(first);
    const recovered = await publisher.publish(second);

    expect(failed).toStrictEqual({ sent: 0, dropped: 0, pending: 2, failures: [{ code: 'ServiceUnavailable', statusCode: 503, events: 2, heldBack: 2, dropped: 0 }] });
    expect(recovered).toStrictEqual({ sent: 3, dropped: 0, pending: 0, failures: [] });
    expect(topic.accepted).toStrictEqual([...first, ...second].map((event) => event.id));
    expect(publisher.stats()).toStrictEqual({ sent: 3, dropped: 0, failedRequests: 1, retriedRequests: 0, pending: 0 });
    expect(telemetry.events.map((event) => event.properties)).toStrictEqual([
      { topic: 'evgt-out-abc.westus2-1.eventgrid.azure.net', code: 'ServiceUnavailable', statusCode: '503', events: '2', heldBack: '2', dropped: '0' },
    ]);
  });

  test('flush() sends what is held and nothing else', async () => {
    const topic = fakeTopic([unavailable()]);
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send });
    const events = changes(2);
    await publisher.publish(events);

    await expect(publisher.flush()).resolves.toStrictEqual({ sent: 2, dropped: 0, pending: 0, failures: [] });
    await expect(publisher.flush()).resolves.toStrictEqual({ sent: 0, dropped: 0, pending: 0, failures: [] });
    expect(topic.requests).toHaveLength(2);
  });

  test('after a failure, leaves the later requests of the same call untried instead of spending the retry budget on each', async () => {
    const topic = fakeTopic([unavailable()]);
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send, maxAttempts: 2 });

    const result = await publisher.publish(changes(3000));
    const perRequest = topic.requests[0]!.length;
    // The untried events have used no attempt: one more failure drops only the first request's events.
    topic.script.push(unavailable());
    const again = await publisher.flush();

    expect(perRequest).toBeLessThan(3000);
    expect(topic.requests.map((request) => request.length)).toStrictEqual([perRequest, perRequest]);
    expect(result).toMatchObject({ sent: 0, pending: 3000 });
    expect(again).toMatchObject({ sent: 0, dropped: perRequest, pending: 3000 - perRequest });
  });

  test('drops an event after maxAttempts failed calls, and counts it', async () => {
    const topic = fakeTopic([unavailable(), unavailable(), unavailable()]);
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send, maxAttempts: 3 });

    const results = [await publisher.publish(changes(1)), await publisher.flush(), await publisher.flush(), await publisher.flush()];

    expect(results.map(({ sent, dropped, pending }) => ({ sent, dropped, pending }))).toStrictEqual([
      { sent: 0, dropped: 0, pending: 1 },
      { sent: 0, dropped: 0, pending: 1 },
      { sent: 0, dropped: 1, pending: 0 },
      { sent: 0, dropped: 0, pending: 0 },
    ]);
    expect(publisher.stats()).toMatchObject({ dropped: 1, failedRequests: 3, pending: 0 });
  });

  test('drops at once what the topic refuses as bad content (400), and goes on with the next request', async () => {
    const topic = fakeTopic([badRequest()]);
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send });

    const result = await publisher.publish(changes(3000));
    const refused = topic.requests[0]!.length;

    expect(topic.requests.length).toBeGreaterThan(1);
    expect(result).toStrictEqual({
      sent: 3000 - refused,
      dropped: refused,
      pending: 0,
      failures: [{ code: 'BadRequest', statusCode: 400, events: refused, heldBack: 0, dropped: refused }],
    });
  });

  test.each([
    ['a missing role (403)', new RestError('Forbidden', { statusCode: 403 }), { code: 'Http403', statusCode: 403 }],
    ['a network error', new RestError('connect ECONNREFUSED', { code: 'REQUEST_SEND_ERROR' }), { code: 'REQUEST_SEND_ERROR' }],
    ['a credential that cannot get a token', Object.assign(new Error('no managed identity endpoint'), { name: 'CredentialUnavailableError' }), { code: 'CredentialUnavailableError' }],
  ])('holds the events after %s, and never throws', async (_what, error, failure) => {
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: fakeTopic([error]).send });

    const result = await publisher.publish(changes(2));

    expect(result).toStrictEqual({ sent: 0, dropped: 0, pending: 2, failures: [{ ...failure, events: 2, heldBack: 2, dropped: 0 }] });
  });

  test('holds the events after a failure that is not even an Error, and never throws', async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- deliberately not an Error
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: () => Promise.reject('boom') });

    await expect(publisher.publish(changes(2))).resolves.toStrictEqual({ sent: 0, dropped: 0, pending: 2, failures: [{ code: 'Unexpected', events: 2, heldBack: 2, dropped: 0 }] });
  });

  test('gives up on a request that takes longer than timeoutInMs, and holds its events', async () => {
    const hang: CloudEventSender = (_events, { abortSignal }) =>
      new Promise((_resolve, reject) => abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: hang, timeoutInMs: 20 });

    await expect(publisher.publish(changes(1))).resolves.toMatchObject({ pending: 1, failures: [{ code: 'Timeout' }] });
  });

  test('stops when the caller aborts, and holds the events', async () => {
    const hang: CloudEventSender = (_events, { abortSignal }) =>
      new Promise((_resolve, reject) => abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: hang });
    const controller = new AbortController();

    const publishing = publisher.publish(changes(1), { abortSignal: controller.signal });
    controller.abort();

    await expect(publishing).resolves.toMatchObject({ pending: 1, failures: [{ code: 'Cancelled' }] });
  });

  test('holds at most maxPendingEvents, dropping the oldest and counting them', async () => {
    const topic = fakeTopic([unavailable(), unavailable()]);
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send, maxPendingEvents: 3 });
    const older = changes(2);
    const newer = changes(2, 2);

    await publisher.publish(older);
    const result = await publisher.publish(newer);
    await publisher.flush();

    expect(result).toMatchObject({ dropped: 1, pending: 3, failures: [{ code: 'ServiceUnavailable' }, { code: 'PendingQueueFull', events: 1, dropped: 1 }] });
    expect(topic.accepted).toStrictEqual([older[1]!, ...newer].map((event) => event.id));
  });

  test('still returns when telemetry itself throws', async () => {
    const telemetry = { event: () => { throw new Error('telemetry down'); }, metric: () => undefined, flush: async () => undefined };
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: fakeTopic([unavailable()]).send, telemetry });

    await expect(publisher.publish(changes(1))).resolves.toMatchObject({ pending: 1 });
  });

  test('drops, counts and survives an event that has no JSON form', async () => {
    const [event] = changes(1);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: fakeTopic().send });

    const result = await publisher.publish([{ ...event!, id: 'cyclic', data: cyclic as never }, event!]);

    expect(result).toStrictEqual({ sent: 1, dropped: 1, pending: 0, failures: [{ code: 'EventNotSerializable', events: 1, heldBack: 0, dropped: 1 }] });
  });

  test('two overlapping calls never send the same held event twice', async () => {
    const topic = fakeTopic([unavailable()]);
    const publisher = createEventsPublisher({ endpoint: ENDPOINT, send: topic.send });
    await publisher.publish(changes(3));

    await Promise.all([publisher.flush(), publisher.flush()]);

    expect(topic.accepted).toHaveLength(3);
    expect(new Set(topic.accepted).size).toBe(3);
  });
});
