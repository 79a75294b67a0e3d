// The publisher and the local topic stand-in over real HTTPS sockets: the unchanged @azure/eventgrid client with a
// bearer token for Event Grid's audience, events the SDK's own deserializer reads back, batching within the byte
// limit, SDK retries counted, failures held or dropped and counted, and never a throw.
import { request } from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { type EventsPublisher, type EventsPublisherOptions, createEventsPublisher } from '../../../src/azure/events-out.js';
import { RecordingTelemetry } from '../../support/telemetry.js';
import {
  type ComplianceCloudEvent,
  approvalRequestedEvent,
  complianceChangedEvent,
  exemptionExpiringEvent,
  remediationFailedEvent,
} from '../../../src/events-out/events.js';
import { EVENT_GRID_AUDIENCE, type RunningEventsReceiver, startEventsReceiver } from '../../../emulator/events-receiver.js';
import { DEFAULT_IDENTITY, createToken } from '../../../emulator/tokens.js';
import { EMULATOR_START_TIMEOUT_MS } from '../../support/emulator.js';

const CLUSTER = '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-1';
const PROTECTED_VALUE = 'Pr0tected-Setting-Value-9c1e';

function changes(count: number, from = 0): ComplianceCloudEvent[] {
  return Array.from({ length: count }, (_, index) =>
    complianceChangedEvent({
      clusterId: CLUSTER,
      ruleId: 'workloadIdentity',
      from: 'Compliant',
      to: 'NonCompliant',
      cause: { kind: 'event', id: `evt-${from + index}` },
      at: '2026-03-01T10:00:00Z',
      transitionKey: `row-${from + index}`,
    }),
  );
}

function allFour(): ComplianceCloudEvent[] {
  return [
    ...changes(1),
    approvalRequestedEvent({
      clusterId: CLUSTER,
      ruleId: 'managedIdentity',
      stepId: 'managedIdentity:enable-managed-identity',
      action: 'enable-managed-identity',
      disrupts: 'reimages the nodes',
      planKey: 'v12',
      at: '2026-03-01T10:00:01Z',
    }),
    remediationFailedEvent({
      clusterId: CLUSTER,
      ruleId: 'flux',
      attempts: 5,
      error: { code: 'InvalidConfigurationSettings', message: `setting 'git.https.password' value '${PROTECTED_VALUE}' is invalid` },
      redact: [PROTECTED_VALUE],
      at: '2026-03-01T10:00:02Z',
    }),
    exemptionExpiringEvent({ clusterId: CLUSTER, ruleId: '*', expiry: '2026-03-10', reason: 'migration', at: '2026-03-01T10:00:03Z' }),
  ];
}

/** Records the scopes the SDK asks a token for, and hands out the receiver's token. */
class RecordingCredential implements TokenCredential {
  readonly scopes: string[][] = [];
  constructor(private readonly token: string) {}
  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.scopes.push(Array.isArray(scopes) ? scopes : [scopes]);
    return { token: this.token, expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

function rawPost(receiver: RunningEventsReceiver, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request(`${receiver.endpoint}?api-version=2018-01-01`, { method: 'POST', ca: receiver.ca, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    call.on('error', reject);
    call.end(body);
  });
}

describe('publishing compliance events to the topic stand-in', () => {
  let receiver: RunningEventsReceiver;
  let telemetry: RecordingTelemetry;
  const publisherFor = (options: Partial<EventsPublisherOptions> = {}): EventsPublisher =>
    createEventsPublisher({
      endpoint: receiver.endpoint,
      token: receiver.token,
      caFile: receiver.caFile,
      // The SDK's back-off, shortened so the retries take milliseconds.
      retry: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
      telemetry,
      ...options,
    });

  beforeAll(async () => {
    receiver = await startEventsReceiver();
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => {
    await receiver?.stop();
  });
  beforeEach(() => {
    receiver.clear();
    telemetry = new RecordingTelemetry();
  });

  test('the four events arrive as sent, read back by EventGridDeserializer, from the app\'s identity, with no secret in them', async () => {
    const events = allFour();

    const result = await publisherFor().publish(events);

    expect(result).toStrictEqual({ sent: 4, dropped: 0, pending: 0, failures: [] });
    const batches = receiver.batches();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.caller.appId).toBe(DEFAULT_IDENTITY.appId);
    // The deserializer takes only specversion 1.0, so the comparison leaves it out.
    expect(
      receiver.received().map((event) => ({
        type: event.type,
        source: event.source,
        subject: event.subject,
        id: event.id,
        time: event.time?.toISOString(),
        datacontenttype: event.datacontenttype,
        data: event.data,
      })),
    ).toStrictEqual(events.map(({ specversion: _specversion, ...rest }) => rest));
    expect(JSON.stringify(receiver.received())).not.toContain(PROTECTED_VALUE);
  });

  test('authenticates with a bearer token asked for Event Grid\'s scope', async () => {
    const credential = new RecordingCredential(receiver.token);

    await publisherFor({ credential }).publish(changes(1));

    expect(credential.scopes).toStrictEqual([[`${EVENT_GRID_AUDIENCE}/.default`]]);
    expect(receiver.received()).toHaveLength(1);
  });

  test('splits a large publish into requests within the byte limit; every event arrives once, in order', async () => {
    const events = changes(60);

    const result = await publisherFor({ maxRequestBytes: 20_000 }).publish(events);

    expect(result).toMatchObject({ sent: 60, dropped: 0, pending: 0 });
    expect(receiver.batches().length).toBeGreaterThanOrEqual(3);
    expect(receiver.requests().every((seen) => seen.status === 200)).toBe(true);
    expect(receiver.received().map((event) => event.id)).toStrictEqual(events.map((event) => event.id));
  });

  test('a transient failure is retried by the SDK within the call and counted; the events arrive once', async () => {
    const publisher = publisherFor();
    receiver.failNext(2);

    const result = await publisher.publish(changes(3));

    expect(result).toStrictEqual({ sent: 3, dropped: 0, pending: 0, failures: [] });
    expect(receiver.requests().map((seen) => seen.status)).toStrictEqual([503, 503, 200]);
    expect(publisher.stats()).toMatchObject({ sent: 3, retriedRequests: 2, failedRequests: 0 });
    expect(receiver.received()).toHaveLength(3);
  });

  test('an outage longer than the SDK\'s retries holds the events; the next call sends them once, even when a rerun built them again', async () => {
    const publisher = publisherFor({ retry: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 20 } });
    receiver.failNext(2, { status: 503, retryAfterSeconds: 0 });

    const failed = await publisher.publish(changes(2));
    const recovered = await publisher.publish([...changes(2), ...changes(1, 2)]);

    expect(failed).toStrictEqual({ sent: 0, dropped: 0, pending: 2, failures: [{ code: 'ServiceUnavailable', statusCode: 503, events: 2, heldBack: 2, dropped: 0 }] });
    expect(recovered).toStrictEqual({ sent: 3, dropped: 0, pending: 0, failures: [] });
    expect(receiver.received().map((event) => event.id)).toStrictEqual([...changes(2), ...changes(1, 2)].map((event) => event.id));
    expect(publisher.stats()).toMatchObject({ sent: 3, failedRequests: 1, retriedRequests: 1, dropped: 0 });
    expect(telemetry.events.map((event) => [event.name, event.properties.code, event.properties.heldBack])).toStrictEqual([['EventsPublishFailed', 'ServiceUnavailable', '2']]);
  });

  test('a permanent refusal (400) is counted and dropped, not thrown, and the next publish goes through', async () => {
    const publisher = publisherFor();
    receiver.failNext(1, { status: 400, code: 'BadRequest' });

    const refused = await publisher.publish(changes(2));
    const next = await publisher.publish(changes(1, 2));

    expect(refused).toStrictEqual({ sent: 0, dropped: 2, pending: 0, failures: [{ code: 'BadRequest', statusCode: 400, events: 2, heldBack: 0, dropped: 2 }] });
    expect(receiver.requests().map((seen) => seen.status)).toStrictEqual([400, 200]);
    expect(next).toMatchObject({ sent: 1, pending: 0 });
    expect(publisher.stats()).toMatchObject({ dropped: 2, failedRequests: 1 });
  });

  test('a token for another audience is refused (401): held and counted, not thrown', async () => {
    const result = await publisherFor({ token: createToken(DEFAULT_IDENTITY) }).publish(changes(1));

    expect(result).toMatchObject({ sent: 0, pending: 1, failures: [{ code: 'Unauthorized', statusCode: 401 }] });
    expect(receiver.received()).toHaveLength(0);
  });

  test('an unreachable topic is held and counted, not thrown', async () => {
    const gone = await startEventsReceiver();
    const endpoint = gone.endpoint;
    await gone.stop();

    const result = await publisherFor({ endpoint, caFile: receiver.caFile, retry: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 10 } }).publish(changes(1));

    expect(result).toMatchObject({ sent: 0, pending: 1, failures: [{ heldBack: 1 }] });
    expect(result.failures[0]).not.toHaveProperty('statusCode');
  });
});

describe('the topic stand-in refuses what Event Grid refuses', () => {
  let receiver: RunningEventsReceiver;
  const event = JSON.stringify(changes(1));

  beforeAll(async () => {
    receiver = await startEventsReceiver();
  }, EMULATOR_START_TIMEOUT_MS);
  afterAll(async () => {
    await receiver?.stop();
  });

  test.each([
    ['an access key (local auth is off)', { 'aeg-sas-key': 'key', 'content-type': 'application/cloudevents-batch+json' }, event, 401, /Local authentication .* is disabled/],
    ['no token', { 'content-type': 'application/cloudevents-batch+json' }, event, 401, /Authorization header is missing/],
    ['the Event Grid schema content type', { authorization: 'Bearer t', 'content-type': 'application/json' }, event, 400, /Content-Type must be application\/cloudevents-batch\+json/],
    ['something that is not a CloudEvent', { authorization: 'Bearer t', 'content-type': 'application/cloudevents-batch+json' }, '[{"hello":"world"}]', 400, /Not CloudEvents 1.0/],
    ['more than 1 MB', { authorization: 'Bearer t', 'content-type': 'application/cloudevents-batch+json' }, `[${'"x",'.repeat(300_000)}"x"]`, 413, /limit is 1048576/],
  ])('%s', async (_what, headers, body, status, message) => {
    const answer = await rawPost(receiver, headers, body);

    expect(answer.status).toBe(status);
    expect((JSON.parse(answer.body) as { error: { message: string } }).error.message).toMatch(message);
    expect(receiver.received()).toHaveLength(0);
  });

  test('accepts a well-formed batch from any bearer token that is not for another audience', async () => {
    const answer = await rawPost(receiver, { authorization: 'Bearer opaque', 'content-type': 'application/cloudevents-batch+json; charset=utf-8' }, event);

    expect(answer.status).toBe(200);
    expect(receiver.received().map((received) => received.id)).toStrictEqual([changes(1)[0]!.id]);
  });
});
