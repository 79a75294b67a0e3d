// The four compliance events against docs/notifications.md: envelope, data fields, ids derived from what happened
// (stable across retries and workers, distinct per occurrence), and nothing secret in what goes out.
import { describe, expect, test } from '@jest/globals';
import { EventGridDeserializer } from '@azure/eventgrid';
import fc from 'fast-check';
import {
  type ApprovalRequest,
  type ComplianceChange,
  type ExpiringExemption,
  type RemediationFailure,
  EVENT_SOURCE,
  EVENT_TYPES,
  EVENT_TYPE_PREFIX,
  MAX_ERROR_MESSAGE_CHARS,
  approvalRequestedEvent,
  complianceChangedEvent,
  eventId,
  exemptionExpiringEvent,
  exemptionNoticeDue,
  remediationFailedEvent,
  rolloutHaltedEvent,
  rolloutWaveCompletedEvent,
  rolloutWaveReadyEvent,
  scrubErrorMessage,
} from '../../../src/events-out/events.js';

const SUBSCRIPTION = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const CLUSTER = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-1`;
/** The same cluster as an event or a list body might spell it. */
const CLUSTER_OTHER_CASE = `/SUBSCRIPTIONS/${SUBSCRIPTION.toUpperCase()}/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-1/`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const change = (overrides: Partial<ComplianceChange> = {}): ComplianceChange => ({
  clusterId: CLUSTER,
  ruleId: 'workloadIdentity',
  from: 'Compliant',
  to: 'NonCompliant',
  cause: { kind: 'event', id: 'evt-42', correlationId: 'corr-7' },
  at: '2026-03-01T10:00:00.000Z',
  transitionKey: '7974-0000000003-0000',
  ...overrides,
});

const approval = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  clusterId: CLUSTER,
  ruleId: 'managedIdentity',
  stepId: 'managedIdentity:enable-managed-identity',
  action: 'enable-managed-identity',
  disrupts: 'Enabling managed identity reimages every node pool.',
  planKey: 'state-version-12',
  at: '2026-03-01T10:00:05.000Z',
  ...overrides,
});

const failure = (overrides: Partial<RemediationFailure> = {}): RemediationFailure => ({
  clusterId: CLUSTER,
  ruleId: 'azurePolicy',
  attempts: 5,
  error: { code: 'LinkedAuthorizationFailed', message: 'The client has permission to perform action on scope, however it does not have permission on the linked scope.' },
  at: '2026-03-01T11:00:00.000Z',
  ...overrides,
});

const exemption = (overrides: Partial<ExpiringExemption> = {}): ExpiringExemption => ({
  clusterId: CLUSTER,
  ruleId: 'workloadIdentity',
  expiry: '2026-03-10T00:00:00.000Z',
  reason: 'Migration to workload identity planned for sprint 12',
  at: '2026-02-25T00:00:00.000Z',
  ...overrides,
});

describe('the envelope of every event', () => {
  const events = [
    ['ComplianceChanged', complianceChangedEvent(change()), '2026-03-01T10:00:00.000Z'],
    ['ApprovalRequested', approvalRequestedEvent(approval()), '2026-03-01T10:00:05.000Z'],
    ['RemediationFailed', remediationFailedEvent(failure()), '2026-03-01T11:00:00.000Z'],
    ['ExemptionExpiring', exemptionExpiringEvent(exemption()), '2026-02-25T00:00:00.000Z'],
  ] as const;

  test.each(events)('%s: CloudEvents 1.0, stable type prefix, the app as source, the cluster as subject, the time it happened', (kind, event, time) => {
    expect(event).toMatchObject({
      specversion: '1.0',
      type: `${EVENT_TYPE_PREFIX}${kind}`,
      source: EVENT_SOURCE,
      subject: CLUSTER,
      time,
      datacontenttype: 'application/json',
    });
    expect(event.id).toMatch(UUID);
    expect(event.data.clusterId).toBe(event.subject);
  });

  test('writes the subject in the canonical casing, however the input spelled the cluster id', () => {
    const event = complianceChangedEvent(change({ clusterId: CLUSTER_OTHER_CASE }));

    expect(event.subject).toBe(`/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-1`);
  });

  test('parse with the SDK deserializer as CloudEvents, with data and attributes intact', async () => {
    const parsed = await new EventGridDeserializer().deserializeCloudEvents(JSON.stringify(events.map(([, event]) => event)));

    expect(parsed.map((event) => ({ type: event.type, id: event.id, subject: event.subject, time: event.time?.toISOString(), data: event.data }))).toStrictEqual(
      events.map(([, event, time]) => ({ type: event.type, id: event.id, subject: event.subject, time, data: event.data })),
    );
  });

  test('ids differ between the four types even for the same facts', () => {
    const ids = Object.values(EVENT_TYPES).map((type) => eventId(type, [CLUSTER.toLowerCase(), 'r', 'x']));

    expect(new Set(ids).size).toBe(Object.values(EVENT_TYPES).length);
  });
});

describe('ComplianceChanged', () => {
  test('carries cluster, rule, from, to and the cause', () => {
    expect(complianceChangedEvent(change()).data).toStrictEqual({
      clusterId: CLUSTER,
      ruleId: 'workloadIdentity',
      from: 'Compliant',
      to: 'NonCompliant',
      cause: { kind: 'event', id: 'evt-42', correlationId: 'corr-7' },
    });
  });

  test('has from null the first time a cluster is seen, and no correlationId when the cause has none', () => {
    const event = complianceChangedEvent(change({ from: null, to: 'Compliant', cause: { kind: 'sweep', id: 'sweep-1' } }));

    expect(event.data).toMatchObject({ from: null, to: 'Compliant', cause: { kind: 'sweep', id: 'sweep-1' } });
    expect(event.data.cause).not.toHaveProperty('correlationId');
  });

  test('copies only kind, id and correlationId of the cause (who asked stays in the store)', () => {
    const cause = { kind: 'http', id: 'req-1', caller: 'alice@contoso.com' };

    expect(complianceChangedEvent(change({ cause })).data.cause).toStrictEqual({ kind: 'http', id: 'req-1' });
  });

  test('gets the same id from a retry or a second worker, whatever the casing of the ids it was given', () => {
    const first = complianceChangedEvent(change());
    const again = complianceChangedEvent(change({ clusterId: CLUSTER_OTHER_CASE, ruleId: 'WorkloadIdentity' }));

    expect(again.id).toBe(first.id);
  });

  test.each([
    ['another transition of the same rule', { transitionKey: '7974-0000000004-0000' }],
    ['another rule', { ruleId: 'azurePolicy' }],
    ['another cluster', { clusterId: CLUSTER.replace('aks-1', 'aks-2') }],
  ])('gets a new id for %s', (_what, overrides) => {
    expect(complianceChangedEvent(change(overrides)).id).not.toBe(complianceChangedEvent(change()).id);
  });

  test('gives every transition its own id (any set of distinct history rows)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }).filter((key) => key.trim() === key && key.length > 0), { minLength: 2, maxLength: 20 }), (keys) => {
        const ids = keys.map((transitionKey) => complianceChangedEvent(change({ transitionKey })).id);
        return new Set(ids).size === keys.length;
      }),
    );
  });

  test.each([
    ['an id that is not a cluster', { clusterId: `${CLUSTER}/providers/Microsoft.KubernetesConfiguration/extensions/flux` }, /clusterId: .*not a managed cluster/],
    ['an unknown status', { to: 'Broken' as never }, /to: must be one of Compliant, NonCompliant/],
    ['no change at all', { from: 'NonCompliant', to: 'NonCompliant' } as const, /to: equals from/],
    ['a time that is not one', { at: 'yesterday' }, /at: must be a date-time/],
    ['an empty rule id', { ruleId: ' ' }, /ruleId: must be a non-empty string/],
    ['no transition key', { transitionKey: '' }, /transitionKey: must be a non-empty string/],
  ])('refuses %s, naming the field', (_what, overrides, message) => {
    expect(() => complianceChangedEvent(change(overrides))).toThrow(message);
  });
});

describe('ApprovalRequested', () => {
  test('says what waits, what it disrupts, and the exact HTTP call and CLI command that approve it', () => {
    expect(approvalRequestedEvent(approval()).data).toStrictEqual({
      clusterId: CLUSTER,
      ruleId: 'managedIdentity',
      stepId: 'managedIdentity:enable-managed-identity',
      action: 'enable-managed-identity',
      disrupts: 'Enabling managed identity reimages every node pool.',
      approve: {
        http: {
          method: 'POST',
          path: `/api/clusters/${SUBSCRIPTION}/rg-prod/aks-1/remediate`,
          body: { approve: ['managedIdentity:enable-managed-identity'] },
        },
        cli: `aks-baseline-guard scan --subscription ${SUBSCRIPTION} --resource-group rg-prod --apply --approve managedIdentity:enable-managed-identity`,
      },
    });
  });

  test('escapes a resource group name that a URL path or a shell would misread', () => {
    // Parentheses and letters beyond ASCII are allowed in resource group names (an apostrophe is not: ARM refuses it).
    const group = 'rg(prod)-grüße';
    const clusterId = CLUSTER.replace('rg-prod', group);
    const { approve } = approvalRequestedEvent(approval({ clusterId })).data;

    expect(approve.http.path).toBe(`/api/clusters/${SUBSCRIPTION}/${encodeURIComponent(group)}/aks-1/remediate`);
    expect(approve.cli).toContain(`--resource-group '${group}' --apply`);
  });

  test('is one request per cluster, step and plan: re-evaluations of the same plan keep the id, a new plan gets a new one', () => {
    const first = approvalRequestedEvent(approval());
    const later = approvalRequestedEvent(approval({ at: '2026-03-01T12:00:00.000Z' }));
    const replanned = approvalRequestedEvent(approval({ planKey: 'state-version-13' }));
    const otherStep = approvalRequestedEvent(approval({ stepId: 'managedIdentity:other-action' }));

    expect(later.id).toBe(first.id);
    expect(replanned.id).not.toBe(first.id);
    expect(otherStep.id).not.toBe(first.id);
  });

  test('flattens and caps the description of the disruption', () => {
    const { disrupts } = approvalRequestedEvent(approval({ disrupts: `reimages\n  the nodes ${'x'.repeat(2000)}` })).data;

    expect(disrupts.startsWith('reimages the nodes x')).toBe(true);
    expect(disrupts.length).toBe(1000);
  });
});

describe('RemediationFailed', () => {
  test('carries cluster, rule, attempts, the ARM error code and its message', () => {
    expect(remediationFailedEvent(failure()).data).toStrictEqual({
      clusterId: CLUSTER,
      ruleId: 'azurePolicy',
      attempts: 5,
      errorCode: 'LinkedAuthorizationFailed',
      message: 'The client has permission to perform action on scope, however it does not have permission on the linked scope.',
    });
  });

  test('has no message when ARM gave none', () => {
    expect(remediationFailedEvent(failure({ error: { code: 'OperationNotAllowed' } })).data).not.toHaveProperty('message');
  });

  test('is identified by cluster, rule and the time the rule became RemediationFailed', () => {
    const first = remediationFailedEvent(failure());

    expect(remediationFailedEvent(failure({ attempts: 6, error: { code: 'Other' } })).id).toBe(first.id);
    expect(remediationFailedEvent(failure({ at: new Date('2026-03-01T11:00:00Z') })).id).toBe(first.id);
    expect(remediationFailedEvent(failure({ at: '2026-03-02T11:00:00.000Z' })).id).not.toBe(first.id);
  });

  test.each([0, 1.5, -1])('refuses %p attempts', (attempts) => {
    expect(() => remediationFailedEvent(failure({ attempts }))).toThrow(/attempts: must be a whole number >= 1/);
  });
});

describe('ExemptionExpiring', () => {
  test('carries cluster, rule, expiry and reason', () => {
    expect(exemptionExpiringEvent(exemption()).data).toStrictEqual({
      clusterId: CLUSTER,
      ruleId: 'workloadIdentity',
      expiry: '2026-03-10T00:00:00.000Z',
      reason: 'Migration to workload identity planned for sprint 12',
    });
  });

  test('is one notice per exemption: the id comes from cluster, rule and expiry, not from the day it was decided', () => {
    const first = exemptionExpiringEvent(exemption());
    const nextDay = exemptionExpiringEvent(exemption({ at: '2026-02-26T00:00:00.000Z', expiry: new Date('2026-03-10T00:00:00Z') }));
    const extended = exemptionExpiringEvent(exemption({ expiry: '2026-04-10T00:00:00.000Z' }));

    expect(nextDay.id).toBe(first.id);
    expect(extended.id).not.toBe(first.id);
  });

  test('keeps a whole-cluster exemption (`*`) and leaves out an empty reason', () => {
    const { data } = exemptionExpiringEvent(exemption({ ruleId: '*', reason: '  ' }));

    expect(data).toStrictEqual({ clusterId: CLUSTER, ruleId: '*', expiry: '2026-03-10T00:00:00.000Z' });
  });

  test.each([
    ['more than the notice period ahead', '2026-02-20T00:00:00Z', false],
    ['exactly the notice period ahead', '2026-02-24T00:00:00Z', true],
    ['inside the notice period', '2026-03-09T23:59:59Z', true],
    ['the moment it ends', '2026-03-10T00:00:00Z', false],
  ])('notice due %s (14 days): %p', (_when, now, due) => {
    expect(exemptionNoticeDue(new Date('2026-03-10T00:00:00Z'), new Date(now), 14)).toBe(due);
  });
});

describe('no secrets go out', () => {
  const PROTECTED_VALUE = 'Pr0tected-Setting-Value-9c1e';
  const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0.c2lnbmF0dXJl';
  const SAS_SIG = 'sv=2024-01-01&sig=QmFzZTY0U2lnbmF0dXJlVmFsdWU%3D';
  const ACCOUNT_KEY = 'AccountKey=U3RvcmFnZUFjY291bnRLZXlWYWx1ZQ==';
  const armMessage = [
    `Extension 'flux' rejected the settings: value '${PROTECTED_VALUE}' for 'git.https.password' is invalid.`,
    `Request was authorized with Bearer ${JWT}.`,
    `Callback https://store.blob.core.windows.net/c?${SAS_SIG} failed;`,
    `DefaultEndpointsProtocol=https;AccountName=store;${ACCOUNT_KEY};EndpointSuffix=core.windows.net.`,
    `Request content: {"properties":{"configurationProtectedSettings":{"git.https.password":"${PROTECTED_VALUE}"}}}`,
  ].join(' ');

  test('the RemediationFailed message keeps the useful words and masks protected values, tokens, signatures, keys and echoed bodies', () => {
    const event = remediationFailedEvent(failure({ error: { code: 'InvalidConfigurationSettings', message: armMessage }, redact: [PROTECTED_VALUE] }));
    const serialized = JSON.stringify(event);

    for (const secret of [PROTECTED_VALUE, JWT, 'eyJ', 'QmFzZTY0U2lnbmF0dXJlVmFsdWU', 'U3RvcmFnZUFjY291bnRLZXlWYWx1ZQ', 'configurationProtectedSettings']) {
      expect(serialized).not.toContain(secret);
    }
    expect(event.data.message).toMatch(/^Extension 'flux' rejected the settings: value '\*\*\*' for 'git.https.password' is invalid\. Request was authorized with Bearer \*\*\* Callback/);
    expect(event.data.message!.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
  });

  test('masks a protected value before shortening, so a cut cannot leave part of it behind', () => {
    const secret = 'S'.repeat(40);
    const message = `${'x'.repeat(MAX_ERROR_MESSAGE_CHARS - 10)} ${secret}`;

    expect(scrubErrorMessage(message, [secret])).not.toMatch(/S{3}/);
    expect(scrubErrorMessage(message, [secret]).length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
  });

  test('no event built from inputs that carry a secret in the error shows it anywhere', () => {
    const events = [
      complianceChangedEvent(change()),
      approvalRequestedEvent(approval()),
      remediationFailedEvent(failure({ error: { code: 'Conflict', message: armMessage }, redact: [PROTECTED_VALUE] })),
      exemptionExpiringEvent(exemption()),
    ];
    const serialized = JSON.stringify(events);

    expect(serialized).not.toContain(PROTECTED_VALUE);
    expect(serialized).not.toMatch(/eyJ[\w-]+\.|Bearer [^*]|sig=[^*]|AccountKey=[^*]|"redact"/);
  });
});

describe('the rollout events', () => {
  const ready = rolloutWaveReadyEvent({ rolloutId: 'mi-migration', index: 1, name: 'dev', clusters: 120, startsNoEarlierThan: '2026-03-02T14:00:00Z', at: '2026-03-02T02:10:00Z' });
  const completed = rolloutWaveCompletedEvent({ rolloutId: 'mi-migration', index: 1, name: 'dev', succeeded: 118, failed: 2, at: '2026-03-03T03:00:00Z' });
  const halted = rolloutHaltedEvent({ rolloutId: 'mi-migration', reason: '11 clusters failed,\nmore than maxFailures 2% allows', by: 'failure-budget', failures: 11, budget: 10, at: '2026-03-03T02:30:00Z' });

  test('name the rollout as subject, with what a person needs to act', () => {
    expect(ready).toMatchObject({
      type: `${EVENT_TYPE_PREFIX}RolloutWaveReady`,
      source: EVENT_SOURCE,
      subject: 'rollouts/mi-migration',
      time: '2026-03-02T02:10:00.000Z',
      data: {
        rolloutId: 'mi-migration',
        wave: { index: 1, name: 'dev', clusters: 120 },
        startsNoEarlierThan: '2026-03-02T14:00:00.000Z',
        approve: { http: { method: 'POST', path: '/api/rollouts/mi-migration/approve' }, cli: 'aks-baseline-guard rollout approve mi-migration' },
      },
    });
    expect(completed.data).toStrictEqual({ rolloutId: 'mi-migration', wave: { index: 1, name: 'dev' }, succeeded: 118, failed: 2 });
    expect(halted.data).toStrictEqual({
      rolloutId: 'mi-migration',
      reason: '11 clusters failed, more than maxFailures 2% allows',
      by: 'failure-budget',
      failures: 11,
      budget: 10,
      resume: { http: { method: 'POST', path: '/api/rollouts/mi-migration/resume' }, cli: 'aks-baseline-guard rollout resume mi-migration' },
    });
  });

  test('have one id per wave (whenever announced) and per halt', () => {
    expect(rolloutWaveReadyEvent({ rolloutId: 'mi-migration', index: 1, name: 'dev', clusters: 121, at: '2026-03-04T00:00:00Z' }).id).toBe(ready.id);
    expect(rolloutWaveReadyEvent({ rolloutId: 'mi-migration', index: 2, name: 'prod', clusters: 120, at: '2026-03-02T02:10:00Z' }).id).not.toBe(ready.id);
    expect(rolloutHaltedEvent({ rolloutId: 'mi-migration', reason: 'x', by: 'ops', at: '2026-03-03T02:30:01Z' }).id).not.toBe(halted.id);
    for (const event of [ready, completed, halted]) expect(event.id).toMatch(UUID);
  });

  test('refuse counts that are not whole numbers, naming the field', () => {
    expect(() => rolloutWaveCompletedEvent({ rolloutId: 'r', index: 0, name: 'w', succeeded: -1, failed: 0, at: '2026-03-03T03:00:00Z' })).toThrow('succeeded: must be a whole number >= 0, got -1');
    expect(() => rolloutWaveReadyEvent({ rolloutId: ' ', index: 0, name: 'w', clusters: 1, at: '2026-03-03T03:00:00Z' })).toThrow('rolloutId: must be a non-empty string');
  });
});
