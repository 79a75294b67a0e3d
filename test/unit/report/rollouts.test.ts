// The report's Rollouts section (issue 19): rollout records and members written through the RolloutStore port of the
// in-memory store, streamed back through ReportSource.scanRollouts, aggregated by collectReport and rendered. The
// waves' counts and states must agree with what the rollout status route computes (rolloutStatus) from the same rows.
import { describe, expect, test } from '@jest/globals';
import type { RolloutMember, RolloutRecord } from '../../../src/core/index.js';
import { rolloutStatus } from '../../../src/pipeline/rollouts.js';
import { collectReport } from '../../../src/report/collect.js';
import { renderReport } from '../../../src/report/render/render.js';
import { baselineOf } from '../../support/builders.js';
import { InMemoryReportSource, InMemoryStore } from '../../support/fakes/index.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const SINCE = new Date('2026-03-03T12:00:00Z');
const at = (minutesAgo: number): string => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();

const baseline = baselineOf({
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'auto' }, workloadIdentity: { mode: 'auto' } },
  rollouts: [
    {
      name: 'mi-migration',
      actions: ['enable-managed-identity'],
      waves: [
        { name: 'canary', match: { tags: { ring: 'canary' } } },
        { name: 'early', match: { tags: { ring: 'early' } }, maxConcurrent: 2 },
      ],
      maxConcurrent: 5,
      maxFailures: 3,
      soakMinutes: 60,
    },
    { name: 'wi-enable', actions: ['enable-workload-identity'], waves: [{ name: 'first', match: { tags: { ring: 'canary' } } }], maxFailures: '10%' },
    { name: 'not-yet', rules: ['no-pod-identity'], waves: [{ name: 'only', match: { tags: { ring: 'canary' } } }] },
  ],
});

function clusterId(i: number): string {
  return `/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-${String(i).padStart(3, '0')}`;
}

function member(i: number, wave: number, status: RolloutMember['status']): RolloutMember {
  return { clusterId: clusterId(i), wave, status, registeredAt: at(600), ...(status === 'Failed' ? { error: { code: 'Conflict', message: 'refused' } } : {}) };
}

/** mi-migration: canary done and approved by alice, early approved by bob and running; wi-enable halted; one orphan. */
async function filledStore(): Promise<InMemoryStore> {
  const store = new InMemoryStore();
  const migration: RolloutRecord = {
    rolloutId: 'mi-migration',
    status: 'Running',
    createdAt: at(600),
    waves: [
      { name: 'canary', readyAt: at(600), approvedAt: at(590), approvedBy: 'alice@contoso.com', completedAt: at(300) },
      { name: 'early', readyAt: at(240), approvedAt: at(200), approvedBy: 'bob@contoso.com' },
      { name: 'remaining' },
    ],
  };
  await store.createRollout(migration);
  const migrationMembers = [
    member(0, 0, 'Succeeded'),
    member(1, 0, 'Succeeded'),
    member(2, 0, 'Failed'),
    member(10, 1, 'Succeeded'),
    member(11, 1, 'Succeeded'),
    member(12, 1, 'Running'),
    member(13, 1, 'Failed'),
    member(14, 1, 'Pending'),
    member(15, 1, 'Pending'),
    member(70, 2, 'Pending'),
    member(71, 2, 'Pending'),
    member(72, 2, 'Pending'),
  ];
  for (const one of migrationMembers) await store.putMember('mi-migration', one);

  await store.createRollout({
    rolloutId: 'wi-enable',
    status: 'Halted',
    createdAt: at(500),
    waves: [{ name: 'first' }, { name: 'remaining' }],
    halt: { at: at(100), by: 'failure-budget', reason: '2 clusters failed; the budget (10%) allows 1' },
  });
  for (let i = 0; i < 15; i++) await store.putMember('wi-enable', member(100 + i, i < 10 ? 0 : 1, i < 2 ? 'Failed' : i < 8 ? 'Succeeded' : 'Pending'));

  // A rollout the baseline no longer has: shown as recorded.
  await store.createRollout({ rolloutId: 'old-policy', status: 'Running', createdAt: at(5000), waves: [{ name: 'a', completedAt: at(4000) }, { name: 'b' }] });
  await store.putMember('old-policy', member(200, 1, 'Running'));
  return store;
}

async function collect(store: InMemoryStore, maxRows?: number) {
  return collectReport(new InMemoryReportSource(store), { baseline, baselineLabel: 'baseline.json', store: 'test store', since: SINCE, now: NOW, ...(maxRows !== undefined ? { maxRows } : {}) });
}

describe('the report on rollouts', () => {
  test('shows each rollout of the baseline with its waves in order, then recorded ones it no longer has', async () => {
    const store = await filledStore();

    const data = await collect(store);

    const rollouts = data.rollouts;
    expect(rollouts?.total).toBe(4);
    expect(rollouts?.omitted).toBe(0);
    expect(rollouts?.rows.map((row) => [row.rolloutId, row.state, row.inBaseline])).toStrictEqual([
      ['mi-migration', 'running', true],
      ['wi-enable', 'halted', true],
      ['not-yet', 'not-started', true],
      ['old-policy', 'running', false],
    ]);
    const migration = rollouts?.rows[0];
    expect(migration?.waves.map((wave) => ({ name: wave.name, state: wave.state, clusters: wave.clusters, running: wave.running, succeeded: wave.succeeded, failed: wave.failed, approvedBy: wave.approvedBy }))).toStrictEqual([
      { name: 'canary', state: 'completed', clusters: 3, running: 0, succeeded: 2, failed: 1, approvedBy: 'alice@contoso.com' },
      { name: 'early', state: 'running', clusters: 6, running: 1, succeeded: 2, failed: 1, approvedBy: 'bob@contoso.com' },
      { name: 'remaining', state: 'waiting', clusters: 3, running: 0, succeeded: 0, failed: 0, approvedBy: undefined },
    ]);
    expect(migration).toMatchObject({ currentWave: 'early', approvalPerWave: true, failures: 2, countedFailures: 2, budget: 3, maxFailures: '3' });
    expect(migration?.waves[1]?.maxConcurrent).toBe(2);

    const halted = rollouts?.rows[1];
    expect(halted?.halt).toStrictEqual({ at: at(100), by: 'failure-budget', reason: '2 clusters failed; the budget (10%) allows 1' });
    expect(halted).toMatchObject({ approvalPerWave: false, failures: 2, budget: 1, maxFailures: '10%' });
    expect(halted?.waves.map((wave) => wave.state)).toStrictEqual(['halted', 'waiting']);
    expect(rollouts?.rows[2]?.waves.map((wave) => [wave.name, wave.state, wave.clusters])).toStrictEqual([
      ['only', 'waiting', 0],
      ['remaining', 'waiting', 0],
    ]);
    expect(rollouts?.rows[3]?.waves.map((wave) => [wave.name, wave.state, wave.clusters, wave.running])).toStrictEqual([
      ['a', 'completed', 0, 0],
      ['b', 'running', 1, 1],
    ]);
  });

  test('agrees with the rollout status route on the same rows', async () => {
    const store = await filledStore();

    const data = await collect(store);

    for (const rolloutId of ['mi-migration', 'wi-enable']) {
      const view = await rolloutStatus({ store, baseline }, rolloutId, NOW);
      const row = data.rollouts?.rows.find((candidate) => candidate.rolloutId === rolloutId);
      expect(row?.waves.map((wave) => [wave.name, wave.clusters, wave.pending, wave.running, wave.succeeded, wave.failed, wave.soakUntil])).toStrictEqual(
        view.waves.map((wave) => [wave.name, wave.clusters, wave.pending, wave.running, wave.succeeded, wave.failed, wave.soakUntil]),
      );
      expect([row?.failures, row?.countedFailures, row?.budget, row?.maxFailures, row?.currentWave]).toStrictEqual([view.failures, view.countedFailures, view.budget, view.maxFailures, view.currentWave]);
    }
  });

  test('a wave after a completed one soaks, then waits for approval', async () => {
    const store = new InMemoryStore();
    await store.createRollout({ rolloutId: 'mi-migration', status: 'Running', createdAt: at(100), waves: [{ name: 'canary', approvedAt: at(100), approvedBy: 'alice', completedAt: at(30) }, { name: 'early' }, { name: 'remaining' }] });
    await store.putMember('mi-migration', member(0, 0, 'Succeeded'));
    await store.putMember('mi-migration', member(10, 1, 'Pending'));

    const soaking = (await collect(store)).rollouts?.rows[0];
    const soaked = (await collectReport(new InMemoryReportSource(store), { baseline, baselineLabel: 'b', store: 's', since: SINCE, now: new Date(NOW.getTime() + 31 * 60_000) })).rollouts?.rows[0];

    expect(soaking?.state).toBe('soaking');
    expect(soaking?.waves[1]).toMatchObject({ state: 'soaking', soakUntil: new Date(Date.parse(at(30)) + 60 * 60_000).toISOString() });
    expect(soaked?.state).toBe('awaiting-approval');
    expect(soaked?.waves[1]?.state).toBe('awaiting-approval');
  });

  test('lists at most maxRows rollouts and counts the rest', async () => {
    const store = await filledStore();

    const data = await collect(store, 2);

    expect(data.rollouts?.rows.map((row) => row.rolloutId)).toStrictEqual(['mi-migration', 'wi-enable']);
    expect(data.rollouts?.total).toBe(4);
    expect(data.rollouts?.omitted).toBe(2);
  });

  test('renders the waves, their states, approvers, the halt and the budget', async () => {
    const store = await filledStore();
    const data = await collect(store, 2);

    const html = renderReport(data);

    expect(html).toContain('data-section="rollouts"');
    expect(html).toMatch(/data-testid="rollouts-total" data-count="4"/);
    expect(html).toMatch(/data-testid="rollout-mi-migration-state" data-state="running"/);
    expect(html).toMatch(/data-testid="rollout-mi-migration-wave-1" data-state="running"/);
    expect(html).toMatch(/data-testid="rollout-wi-enable-state" data-state="halted"/);
    expect(html).toContain('alice@contoso.com');
    expect(html).toContain('bob@contoso.com');
    expect(html).toMatch(/data-testid="rollout-wi-enable-halt"[^]*by <strong>failure-budget<\/strong>: 2 clusters failed; the budget \(10%\) allows 1/);
    expect(html).toMatch(/data-testid="rollout-mi-migration-failures" data-count="2">2<\/span> of a budget of 3 \(maxFailures 3\)/);
    expect(html).toContain('2 more rollouts are counted above but not listed');
    expect(html).not.toContain('old-policy');
  });

  test('refuses a rollout row with a state it does not know', async () => {
    const data = await collect(await filledStore());
    const broken = structuredClone(data);
    (broken.rollouts?.rows[0]?.waves[0] as { state: string }).state = 'sideways';

    expect(() => renderReport(broken)).toThrow(/rollouts\.rows\[0\]\.waves\[0\]\.state must be one of completed, running/);
  });
});
