// Rollout policies in the baseline and the pure decisions on them: validation messages that name the path, the
// defaults, which policy governs a step, the wave of a cluster, the failure budget, the window gate and the progress.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { validateBaseline } from '../../../src/core/baseline.js';
import { parseMaintenanceConfig } from '../../../src/core/maintenance-windows.js';
import {
  emptyMemberTally,
  failureBudget,
  newRolloutRecord,
  rolloutPolicyFor,
  rolloutProgress,
  rolloutProgressOf,
  tallyMember,
  waveNames,
  waveState,
  wavesNeedApproval,
  waveOf,
  windowBlock,
  type RolloutMember,
  type RolloutPolicy,
} from '../../../src/core/rollouts.js';
import { baselineOf, problemsOf } from '../../support/builders.js';
import { REPO_ROOT } from '../../support/paths.js';

const SUB_A = '11111111-1111-1111-1111-111111111111';
const SUB_B = '22222222-2222-2222-2222-222222222222';
const id = (sub: string, group: string, name: string) => `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`;

const POLICY = {
  name: 'mi-migration',
  actions: ['enable-managed-identity'],
  waves: [
    { name: 'canary', match: { tags: { ring: 'canary' } }, maxConcurrent: 2 },
    { name: 'dev', match: { subscriptions: [SUB_A] } },
    { name: 'prod-weu', match: { subscriptions: [SUB_B], resourceGroups: ['rg-weu', `/subscriptions/${SUB_B}/resourceGroups/rg-neu`] } },
  ],
};

function policyOf(overrides: Record<string, unknown> = {}): RolloutPolicy {
  const baseline = baselineOf({ rules: { managedIdentity: { mode: 'approval' } }, rollouts: [{ ...POLICY, ...overrides }] });
  return baseline.rollouts?.[0] as RolloutPolicy;
}

describe('rollout policies in the baseline', () => {
  test('fill in the defaults: 10 at once, halt at the first failure, no soak, a window required, 60 minutes', () => {
    expect(policyOf()).toStrictEqual({
      name: 'mi-migration',
      actions: ['enable-managed-identity'],
      rules: [],
      waves: [
        { name: 'canary', match: { tags: { ring: 'canary' } }, maxConcurrent: 2 },
        { name: 'dev', match: { subscriptions: [SUB_A] } },
        { name: 'prod-weu', match: { subscriptions: [SUB_B], resourceGroups: ['rg-weu', `/subscriptions/${SUB_B}/resourceGroups/rg-neu`] } },
      ],
      maxConcurrent: 10,
      maxFailures: { count: 0 },
      soakMinutes: 0,
      respectMaintenanceWindow: true,
      allowWithoutWindow: false,
      stepMinutes: 60,
    });
  });

  test('read a percentage budget', () => {
    expect(policyOf({ maxFailures: '2.5%' }).maxFailures).toStrictEqual({ percent: 2.5 });
  });

  test.each([
    [{ maxFailures: '150%' }, 'rollouts[0].maxFailures: must be a whole number >= 0 or a percentage such as "5%"'],
    [{ maxFailures: -1 }, 'rollouts[0].maxFailures: must be a whole number >= 0 or a percentage such as "5%"'],
    [{ maxConcurrent: 0 }, 'rollouts[0].maxConcurrent: must be a whole number >= 1'],
    [{ soakMinutes: 1.5 }, 'rollouts[0].soakMinutes: must be a whole number >= 0'],
    [{ stepMinutes: 2000 }, 'rollouts[0].stepMinutes: must be a whole number of minutes from 1 to 1440'],
    [{ name: 'MI Migration' }, 'rollouts[0].name: must be 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit'],
    [{ actions: ['enable-mi'] }, 'rollouts[0].actions[0]: "enable-mi" is not an action; expected one of'],
    [{ actions: undefined }, 'rollouts[0]: names no "actions" and no "rules", so it governs nothing'],
    [{ rules: ['defender'] }, 'rollouts[0].rules[0]: "defender" is not a rule of this baseline; expected one of managed-identity'],
    [{ waves: [] }, 'rollouts[0].waves: must not be empty'],
    [{ waves: [{ name: 'remaining', match: { tags: { a: 'b' } } }] }, 'rollouts[0].waves[0].name: "remaining" is the name of the last wave'],
    [{ waves: [{ name: 'a', match: { tags: { a: 'b' } } }, { name: 'a', match: { tags: { a: 'c' } } }] }, 'rollouts[0].waves[1].name: "a" is already used by waves[0]'],
    [{ waves: [{ name: 'a', match: {} }] }, 'rollouts[0].waves[0].match: selects nothing; give subscriptions, resourceGroups or tags'],
    [{ waves: [{ name: 'a', match: { subscriptions: ['x'] } }] }, 'rollouts[0].waves[0].match.subscriptions[0]: must be a subscription id (a GUID)'],
    [{ waves: [{ name: 'a', match: { resourceGroups: ['/subscriptions/x'] } }] }, 'rollouts[0].waves[0].match.resourceGroups[0]: must be a resource group name or /subscriptions/<id>/resourceGroups/<name>'],
    [{ waves: [{ name: 'a', match: { zones: ['1'] } }] }, 'rollouts[0].waves[0].match.zones: is not a known property'],
  ])('refuse %j, naming the path', (overrides, problem) => {
    const problems = problemsOf(() => baselineOf({ rules: { managedIdentity: { mode: 'approval' } }, rollouts: [{ ...POLICY, ...overrides }] }));
    expect(problems.some((p) => p.startsWith(problem))).toBe(true);
  });

  test('refuse two policies with one name, or one action governed twice', () => {
    const problems = problemsOf(() => baselineOf({ rules: { managedIdentity: { mode: 'approval' } }, rollouts: [POLICY, POLICY] }));
    expect(problems).toStrictEqual(['rollouts[1].name: "mi-migration" is already used by rollouts[0]', 'rollouts[1].actions[0]: "enable-managed-identity" is already governed by rollouts[0]']);
  });

  test('govern steps by action, else by rule; other steps are not governed', () => {
    const byAction = policyOf();
    const byRule = { ...policyOf({ name: 'pod-identity', actions: undefined, rules: ['managed-identity'] }) };
    expect(rolloutPolicyFor([byRule, byAction], { action: 'enable-managed-identity', ruleId: 'managed-identity' })?.name).toBe('mi-migration');
    expect(rolloutPolicyFor([byRule], { action: 'enable-managed-identity', ruleId: 'Managed-Identity' })?.name).toBe('pod-identity');
    expect(rolloutPolicyFor([byAction], { action: 'install-extension', ruleId: 'required-extension/flux' })).toBeUndefined();
  });

  test('ask for approval per wave when a governed rule is in approval mode, not in auto mode', () => {
    const policy = policyOf();
    expect(wavesNeedApproval(baselineOf({ rules: { managedIdentity: { mode: 'approval' } } }), policy)).toBe(true);
    expect(wavesNeedApproval(baselineOf({ rules: { managedIdentity: { mode: 'auto' } } }), policy)).toBe(false);
  });
});

describe('waveOf', () => {
  const policy = policyOf();
  test.each([
    ['a tag (names compare case-insensitively)', id(SUB_B, 'rg-weu', 'c1'), { Ring: 'canary' }, 0],
    ['the first wave that matches', id(SUB_A, 'rg-weu', 'c1'), { ring: 'canary' }, 0],
    ['a subscription', id(SUB_A, 'rg-x', 'c1'), {}, 1],
    ['a subscription and a group by name', id(SUB_B, 'RG-WEU', 'c1'), {}, 2],
    ['a subscription and a group by id', id(SUB_B, 'rg-neu', 'c1'), {}, 2],
    ['nothing: the last wave', id(SUB_B, 'rg-eus', 'c1'), { ring: 'prod' }, 3],
  ])('by %s', (_what, clusterId, tags, wave) => {
    expect(waveOf(policy, { id: clusterId, tags })).toBe(wave);
  });
});

describe('failureBudget', () => {
  test('is the count, or the percentage of the clusters rounded down', () => {
    expect(failureBudget(policyOf({ maxFailures: 3 }), 500)).toBe(3);
    expect(failureBudget(policyOf({ maxFailures: '1%' }), 500)).toBe(5);
    expect(failureBudget(policyOf({ maxFailures: '1%' }), 199)).toBe(1);
  });
});

describe('windowBlock', () => {
  const window = parseMaintenanceConfig({ name: 'aksManagedNodeOSUpgradeSchedule', properties: { maintenanceWindow: { schedule: { weekly: { intervalWeeks: 1, dayOfWeek: 'Saturday' } }, durationHours: 4, startTime: '22:00', utcOffset: '+00:00' } } });
  const disruptive = { disrupts: 'reimages every node' };

  test('lets a disruptive step start inside a window with enough time left', () => {
    expect(windowBlock(policyOf(), disruptive, [window], new Date('2026-01-17T23:00:00Z'))).toBeUndefined();
  });

  test('blocks it when the window closes before the step would end, with the next window long enough', () => {
    expect(windowBlock(policyOf(), disruptive, [window], new Date('2026-01-18T01:30:00Z'))).toMatchObject({ reason: 'OutsideMaintenanceWindow', nextWindowStart: '2026-01-24T22:00:00.000Z' });
  });

  test('blocks a cluster without a window unless the policy allows it', () => {
    expect(windowBlock(policyOf(), disruptive, [], new Date('2026-01-18T01:30:00Z'))).toMatchObject({ reason: 'NoMaintenanceWindow' });
    expect(windowBlock(policyOf({ allowWithoutWindow: true }), disruptive, [], new Date('2026-01-18T01:30:00Z'))).toBeUndefined();
  });

  test('never reads an unreadable configuration as "no window"', () => {
    expect(windowBlock(policyOf({ allowWithoutWindow: true }), disruptive, [], new Date('2026-01-18T01:30:00Z'), ['default'])).toMatchObject({ reason: 'NoMaintenanceWindow', message: expect.stringContaining('default could not be read') });
  });

  test('ignores windows for a step that disrupts nothing, or a policy that does not respect them', () => {
    expect(windowBlock(policyOf(), { disrupts: null }, [], new Date('2026-01-18T01:30:00Z'))).toBeUndefined();
    expect(windowBlock(policyOf({ respectMaintenanceWindow: false }), disruptive, [], new Date('2026-01-18T01:30:00Z'))).toBeUndefined();
  });
});

describe('rolloutProgress', () => {
  const policy = policyOf({ soakMinutes: 30, maxFailures: 1 });
  const now = new Date('2026-01-15T12:00:00Z');
  let next = 0;
  const member = (wave: number, status: RolloutMember['status']): RolloutMember => ({ clusterId: id(SUB_A, 'rg', `c${(next += 1)}`), wave, status, registeredAt: now.toISOString() });

  test('opens the first wave only once approved, in approval mode; in auto mode at once', () => {
    const record = newRolloutRecord(policy, now);
    const members = [member(0, 'Pending'), member(1, 'Pending')];
    expect(rolloutProgress(policy, true, record, members, now).waves[0]).toMatchObject({ open: false, awaitingApproval: true });
    expect(rolloutProgress(policy, false, record, members, now).waves[0]).toMatchObject({ open: true, awaitingApproval: false });
    expect(rolloutProgress(policy, false, record, members, now).waves[1]).toMatchObject({ open: false, complete: false });
  });

  test('opens the next wave after the soak that follows the completion of the one before', () => {
    const record = newRolloutRecord(policy, now);
    record.waves[0] = { name: 'canary', completedAt: '2026-01-15T11:45:00.000Z' };
    const members = [member(0, 'Succeeded'), member(1, 'Pending')];
    expect(rolloutProgress(policy, false, record, members, now).waves[1]).toMatchObject({ open: false, soakUntil: '2026-01-15T12:15:00.000Z' });
    expect(rolloutProgress(policy, false, record, members, new Date('2026-01-15T12:15:00Z')).waves[1]).toMatchObject({ open: true });
  });

  test('is over budget with more failures than allowed since the last resume', () => {
    const record = newRolloutRecord(policy, now);
    const members = [member(0, 'Failed'), member(0, 'Failed'), member(0, 'Succeeded')];
    expect(rolloutProgress(policy, false, record, members, now)).toMatchObject({ failures: 2, countedFailures: 2, budget: 1, overBudget: true });
    record.resume = { at: now.toISOString(), by: 'ops', failuresBefore: 2 };
    expect(rolloutProgress(policy, false, record, members, now)).toMatchObject({ failures: 2, countedFailures: 0, overBudget: false });
  });

  test('from members counted one by one (the report streams them) is the same as from the list', () => {
    const record = newRolloutRecord(policy, now);
    record.waves[0] = { name: 'canary', completedAt: '2026-01-15T11:45:00.000Z' };
    const members = [member(0, 'Succeeded'), member(0, 'Failed'), member(1, 'Running'), member(1, 'Pending'), member(2, 'Pending')];
    const tally = emptyMemberTally();
    for (const one of members) tallyMember(tally, one);
    expect(rolloutProgressOf(policy, false, record, tally, now)).toStrictEqual(rolloutProgress(policy, false, record, members, now));
    expect(tally.total).toBe(5);
    expect(tally.byWave.get(1)).toStrictEqual({ Pending: 1, Running: 1, Succeeded: 0, Failed: 0, total: 2 });
  });
});

describe('waveState', () => {
  const policy = policyOf({ soakMinutes: 30 });
  const now = new Date('2026-01-15T12:00:00Z');
  const member = (n: number, wave: number, status: RolloutMember['status']): RolloutMember => ({ clusterId: id(SUB_A, 'rg', `w${n}`), wave, status, registeredAt: now.toISOString() });
  const states = (approval: boolean, record: ReturnType<typeof newRolloutRecord>, members: RolloutMember[], at: Date, halted = false): string[] =>
    rolloutProgress(policy, approval, record, members, at).waves.map((wave) => waveState(wave, halted, at));

  test('names each wave: completed, running (or halted), soaking, awaiting approval, waiting', () => {
    const record = newRolloutRecord(policy, now);
    const members = [member(1, 0, 'Running'), member(2, 1, 'Pending')];
    expect(states(false, record, members, now)).toStrictEqual(['running', 'waiting', 'waiting', 'waiting']);
    expect(states(false, record, members, now, true)).toStrictEqual(['halted', 'waiting', 'waiting', 'waiting']);
    expect(states(true, record, members, now)).toStrictEqual(['awaiting-approval', 'waiting', 'waiting', 'waiting']);

    record.waves[0] = { name: 'canary', approvedAt: '2026-01-15T11:00:00.000Z', completedAt: '2026-01-15T11:45:00.000Z' };
    const done = [member(1, 0, 'Succeeded'), member(2, 1, 'Pending')];
    expect(states(true, record, done, now)).toStrictEqual(['completed', 'soaking', 'waiting', 'waiting']);
    expect(states(true, record, done, new Date('2026-01-15T12:15:00Z'))).toStrictEqual(['completed', 'awaiting-approval', 'waiting', 'waiting']);
    expect(states(false, record, done, new Date('2026-01-15T12:15:00Z'))).toStrictEqual(['completed', 'running', 'waiting', 'waiting']);
  });
});

describe('the example in docs/rollouts.md', () => {
  test('is a valid baseline: four waves and the remaining one, a budget of 10 failures for 500 clusters', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'docs', 'rollouts.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const policy = validateBaseline(JSON.parse(example)).rollouts?.[0] as RolloutPolicy;
    expect(waveNames(policy)).toStrictEqual(['canary', 'dev', 'staging', 'prod-europe', 'remaining']);
    expect(failureBudget(policy, 500)).toBe(10);
  });
});
