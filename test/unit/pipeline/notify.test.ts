// The compliance events out, from the pipeline on in-memory ports: which events a recorded evaluation gives and
// when (once per transition, never again while nothing changes), RemediationFailed at the attempt limit, the sweep's
// exemption notices (once each), and a publisher that fails or throws never failing an evaluation.
import { describe, expect, test } from '@jest/globals';
import { EventGridDeserializer } from '@azure/eventgrid';
import { EVENT_TYPES, type AnyComplianceCloudEvent } from '../../../src/events-out/events.js';
import { eventsOfRun, exemptionNotices } from '../../../src/pipeline/notify.js';
import { runSweep } from '../../../src/pipeline/sweep.js';
import { processEvaluationMessage } from '../../../src/pipeline/worker.js';
import type { EvaluationWorkItem } from '../../../src/ports.js';
import { ALL_IDENTITY_RULES, baselineOf, CLUSTER_ID, FLUX, FLUX_OK, snapshotOf } from '../../support/builders.js';
import { fakeServices, type FakeServices } from '../../support/fakes/index.js';

const BASELINE = baselineOf({ rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MINUTE = 60_000;

/** A fresh event: its change happened a second before the worker takes it (an older one the last read saw is skipped). */
function message(id: string, now: Date): EvaluationWorkItem {
  return { clusterId: CLUSTER_ID, cause: { kind: 'event', id, caller: 'Ops Engineer (9f0c1d2e)' }, enqueuedAt: new Date(now.getTime() - 1_000).toISOString() };
}

async function evaluate(services: FakeServices, id: string) {
  return processEvaluationMessage(services, message(id, services.clock()), { invocationId: id, log: quiet });
}

/** type (without the prefix), rule and from → to of each event, for compact comparisons. */
function summary(events: readonly { type: string; data: unknown }[]): string[] {
  return events.map((event) => {
    const data = event.data as { ruleId: string; stepId?: string; from?: string | null; to?: string; attempts?: number; errorCode?: string };
    const kind = event.type.replace('AksBaselineGuard.', '');
    if (kind === 'ComplianceChanged') return `${kind} ${data.ruleId} ${data.from ?? 'none'}->${data.to ?? ''}`;
    if (kind === 'ApprovalRequested') return `${kind} ${data.stepId ?? ''}`;
    if (kind === 'RemediationFailed') return `${kind} ${data.ruleId} after ${data.attempts ?? 0} (${data.errorCode ?? ''})`;
    return `${kind} ${data.ruleId}`;
  });
}

describe('events of a recorded evaluation', () => {
  test('the first evaluation: each rule seen, and the approval step waiting for a person, with how to approve it', async () => {
    // Prepare: pod identity on (approval), workload identity off (auto), Flux fine
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ podIdentity: true, workloadIdentity: false }, [FLUX_OK])] });

    // Act
    await evaluate(services, 'event-1');

    // Assess
    expect(summary(services.events.sent)).toStrictEqual([
      'ComplianceChanged managed-identity none->Compliant',
      'ComplianceChanged no-pod-identity none->NonCompliant',
      'ComplianceChanged workload-identity none->NonCompliant',
      'ComplianceChanged required-extension/flux none->Compliant',
      'ApprovalRequested no-pod-identity:disable-pod-identity',
    ]);
    const approval = services.events.ofType('ApprovalRequested')[0] as AnyComplianceCloudEvent;
    expect(approval).toMatchObject({ subject: CLUSTER_ID, source: 'aks-baseline-guard', time: services.clock().toISOString() });
    expect(approval.data).toMatchObject({
      clusterId: CLUSTER_ID,
      stepId: 'no-pod-identity:disable-pod-identity',
      approve: { http: { method: 'POST', path: '/api/clusters/00000000-0000-0000-0000-000000000000/rg1/c1/remediate', body: { approve: ['no-pod-identity:disable-pod-identity'] } } },
    });
    expect((approval.data as { disrupts: string }).disrupts.length).toBeGreaterThan(10);
    // The cause goes out without who asked.
    const changed = services.events.ofType('ComplianceChanged')[0] as AnyComplianceCloudEvent;
    expect(changed.data).toMatchObject({ cause: { kind: 'event', id: 'event-1' } });
    expect(JSON.stringify(services.events.sent)).not.toContain('Ops Engineer');
  });

  test('once per transition: an evaluation that changes nothing publishes nothing, the fix publishes its one change', async () => {
    // Prepare
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ podIdentity: true, workloadIdentity: false }, [FLUX_OK])] });
    await evaluate(services, 'event-1');
    const first = services.events.sent.length;
    services.advance(MINUTE);

    // Act: the same cluster again (the write the fake accepted fixed workload identity), then once more
    await evaluate(services, 'event-2');
    const second = services.events.sent.slice(first);
    services.advance(MINUTE);
    await evaluate(services, 'event-3');

    // Assess
    expect(summary(second)).toStrictEqual(['ComplianceChanged workload-identity NonCompliant->Compliant']);
    expect(services.events.sent).toHaveLength(first + 1);
    // Every id distinct: one event per transition.
    expect(new Set(services.events.sent.map((event) => event.id)).size).toBe(services.events.sent.length);
  });

  test('RemediationFailed once, when the rule reaches the attempt limit, with the attempts and the ARM error code', async () => {
    // Prepare: every write refused; two attempts allowed, no back-off in the way
    const services = fakeServices({
      baseline: BASELINE,
      clusters: [snapshotOf({ workloadIdentity: false }, [FLUX_OK])],
      settings: { MAX_REMEDIATION_ATTEMPTS: '2' },
      tuning: { backoffBaseSeconds: 1, maxBackoffSeconds: 1 },
    });
    services.arm.answer = () => ({ status: 'failed', failure: { kind: 'permanent', code: 'LinkedAuthorizationFailed', message: `${CLUSTER_ID}: the client has no permission; Authorization: Bearer abc.def`, statusCode: 403 } });

    // Act
    for (const id of ['event-1', 'event-2', 'event-3', 'event-4']) {
      await evaluate(services, id);
      services.advance(MINUTE);
    }

    // Assess
    expect(summary(services.events.sent)).toStrictEqual([
      'ComplianceChanged managed-identity none->Compliant',
      'ComplianceChanged no-pod-identity none->Compliant',
      'ComplianceChanged workload-identity none->NonCompliant',
      'ComplianceChanged required-extension/flux none->Compliant',
      'ComplianceChanged workload-identity NonCompliant->RemediationFailed',
      'RemediationFailed workload-identity after 2 (LinkedAuthorizationFailed)',
    ]);
    const failed = services.events.ofType('RemediationFailed')[0] as AnyComplianceCloudEvent;
    expect(JSON.stringify(failed.data)).not.toContain('abc.def');
  });

  test('a publisher that fails or throws never fails the evaluation; held events go out with the next call, same ids', async () => {
    // Prepare
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ podIdentity: true, workloadIdentity: false }, [FLUX_OK])] });
    services.events.failNext(1, 'hold');
    const warnings: string[] = [];
    const log = { ...quiet, warn: (...args: unknown[]) => warnings.push(args.join(' ')) };

    // Act: the first publish is held back; the second (after the fix) sends both
    const first = await processEvaluationMessage(services, message('event-1', services.clock()), { invocationId: 'i1', log });
    services.advance(MINUTE);
    await evaluate(services, 'event-2');

    // Assess
    expect(first).toMatchObject({ kind: 'evaluated', run: { events: { built: 5, sent: 0, pending: 5 } } });
    // Recorded all the same: pod identity still waits for approval.
    expect((await services.store.getState(CLUSTER_ID))?.status).toBe('NonCompliant');
    expect(warnings.join('\n')).toMatch(/publishing 5 compliance events failed \(Http503\): 5 held to be sent again/);
    expect(services.events.sent).toHaveLength(6);
    expect(services.events.sent.slice(0, 5).map((event) => event.id)).toStrictEqual((services.events.calls[0] ?? []).map((event) => event.id));

    // And a publisher that throws: logged, the evaluation recorded all the same
    const throwing = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ workloadIdentity: false }, [FLUX_OK])] });
    throwing.events.failNext(1, 'throw');
    const errors: string[] = [];
    const outcome = await processEvaluationMessage(throwing, message('event-1', throwing.clock()), { invocationId: 'i2', log: { ...quiet, error: (...args: unknown[]) => errors.push(args.join(' ')) } });
    expect(outcome).toMatchObject({ kind: 'evaluated', run: { status: 'NonCompliant', events: { built: 4, sent: 0, dropped: 4 } } });
    expect(errors.join('\n')).toMatch(/the events publisher failed: the fake publisher broke its promise/);
    expect((await throwing.store.getState(CLUSTER_ID))?.status).toBe('NonCompliant');
  });

  test('events parse as CloudEvents 1.0 with EventGridDeserializer', async () => {
    const services = fakeServices({ baseline: BASELINE, clusters: [snapshotOf({ podIdentity: true, workloadIdentity: false }, [FLUX_OK])] });
    await evaluate(services, 'event-1');

    const parsed = await new EventGridDeserializer().deserializeCloudEvents(JSON.stringify(services.events.sent));

    expect(parsed.map((event) => [event.type, event.subject, event.id])).toStrictEqual(services.events.sent.map((event) => [event.type, event.subject, event.id]));
  });

  test('eventsOfRun leaves out the cluster-level transitions and rules no longer evaluated', () => {
    const at = '2026-01-15T12:00:00.000Z';
    const cause = { kind: 'sweep' as const, id: 'sweep-1' };

    const events = eventsOfRun({
      transitions: [
        { clusterId: CLUSTER_ID, from: 'Compliant', to: 'Deleted', at, cause },
        { clusterId: CLUSTER_ID, ruleId: 'workload-identity', from: 'Compliant', to: null, at, cause },
        { clusterId: CLUSTER_ID, ruleId: 'managed-identity', from: 'Compliant', to: 'Exempt', at, cause },
      ],
      steps: [],
      ruleOverrides: [],
      attemptsOf: () => undefined,
    });

    expect(summary(events)).toStrictEqual(['ComplianceChanged managed-identity Compliant->Exempt']);
  });
});

describe('exemption notices from the sweep', () => {
  const EXEMPT = baselineOf({
    rules: ALL_IDENTITY_RULES,
    exemptions: [
      { clusterId: CLUSTER_ID, ruleId: 'no-pod-identity', reason: 'migration to workload identity, ticket 4711', expires: '2026-01-20' },
      { clusterId: CLUSTER_ID, ruleId: 'managed-identity', reason: 'far off', expires: '2026-06-01' },
    ],
  });

  test('an exemption within EXEMPTION_EXPIRY_NOTICE_DAYS is noticed once, on the first sweep that sees it', async () => {
    // Prepare: notice 7 days ahead; the first exemption ends in 5.5 days
    const services = fakeServices({ baseline: EXEMPT, clusters: [snapshotOf()], settings: { EXEMPTION_EXPIRY_NOTICE_DAYS: '7' } });

    // Act
    const first = await runSweep(services, { trigger: 'timer', sweepId: 'sweep-1', log: quiet });
    services.advance(24 * 60 * MINUTE);
    const second = await runSweep(services, { trigger: 'timer', sweepId: 'sweep-2', log: quiet });

    // Assess
    expect(summary(services.events.sent)).toStrictEqual(['ExemptionExpiring no-pod-identity']);
    expect(services.events.sent[0]?.data).toStrictEqual({ clusterId: CLUSTER_ID, ruleId: 'no-pod-identity', expiry: '2026-01-21T00:00:00.000Z', reason: 'migration to workload identity, ticket 4711' });
    expect(first.exemptionNotices).toStrictEqual({ built: 1, sent: 1, dropped: 0, pending: 0 });
    expect(second.exemptionNotices).toStrictEqual({ built: 1, sent: 0, dropped: 0, pending: 0 });
  });

  test('a notice the topic dropped is sent again by the next sweep, with the same id', async () => {
    const services = fakeServices({ baseline: EXEMPT, clusters: [snapshotOf()] });
    services.events.failNext(1, 'drop');

    await runSweep(services, { trigger: 'timer', sweepId: 'sweep-1', log: quiet });
    await runSweep(services, { trigger: 'timer', sweepId: 'sweep-2', log: quiet });

    expect(services.events.calls.map((call) => call.map((event) => event.id))).toStrictEqual([[services.events.sent[0]?.id], [services.events.sent[0]?.id]]);
    expect(services.events.sent).toHaveLength(1);
  });

  test('exemptionNotices: none outside the period, none after the end, none for a cluster out of scope', () => {
    const now = new Date('2026-01-15T12:00:00Z');

    expect(exemptionNotices(EXEMPT, now, 14, () => true).map((event) => event.type)).toStrictEqual([EVENT_TYPES.exemptionExpiring]);
    expect(exemptionNotices(EXEMPT, now, 5, () => true)).toStrictEqual([]);
    expect(exemptionNotices(EXEMPT, new Date('2026-01-21T00:00:00Z'), 14, () => true)).toStrictEqual([]);
    expect(exemptionNotices(EXEMPT, now, 14, () => false)).toStrictEqual([]);
  });
});
