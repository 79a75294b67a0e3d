// The report's aggregation (src/report/collect.ts) on the in-memory store: every number against counts taken from the
// generated rows themselves, compliance over time worked back from the states, the approvals and their commands,
// scrubbed failures with their attempts, bounded tables, exemptions ending soon, and each row read once.
import { describe, expect, test } from '@jest/globals';
import { validateBaseline, type Baseline } from '../../../src/core/index.js';
import { collectReport, historyPoints, type CollectReportOptions } from '../../../src/report/collect.js';
import { InMemoryReportSource, InMemoryStore } from '../../support/fakes/index.js';
import { fillInMemory, generateFleet, type GeneratedFleet } from '../../support/report-fleet.js';

const DEFAULT_BASELINE = {
  version: 1,
  rules: { managedIdentity: { mode: 'approval' }, podIdentityDisabled: { mode: 'approval' }, workloadIdentity: { mode: 'auto' } },
  requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' }],
};

function baseline(change: (document: typeof DEFAULT_BASELINE & Record<string, unknown>) => void = () => undefined): Baseline {
  const document = structuredClone(DEFAULT_BASELINE) as typeof DEFAULT_BASELINE & Record<string, unknown>;
  change(document);
  return validateBaseline(document);
}

function sourceFor(fleet: GeneratedFleet): { store: InMemoryStore; source: InMemoryReportSource } {
  const store = new InMemoryStore();
  fillInMemory(store, fleet);
  return { store, source: new InMemoryReportSource(store) };
}

function options(fleet: GeneratedFleet, extra: Partial<CollectReportOptions> = {}): CollectReportOptions {
  return { baseline: baseline(), baselineLabel: 'baselines/default.json', store: 'test store', since: fleet.since, now: fleet.now, ...extra };
}

/** Counts without zero entries. */
function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

describe('collectReport', () => {
  const fleet = generateFleet({ clusters: 400, subscriptions: 5, seed: 11 });

  test('counts the fleet, its subscriptions and its rules as the rows hold them', async () => {
    // Prepare
    const { source } = sourceFor(fleet);

    // Act
    const data = await collectReport(source, options(fleet));

    // Assess
    expect(nonZero(data.fleet.counts)).toStrictEqual(fleet.expected.statuses);
    expect(data.fleet.clusters).toBe(fleet.expected.clusters);
    expect(data.fleet.subscriptions).toBe(fleet.expected.subscriptions);
    expect(data.bySubscription.rows.reduce((sum, row) => sum + row.clusters, 0)).toBe(fleet.expected.clusters);
    const flux = data.byRule.find((row) => row.ruleId === 'required-extension/flux');
    const live = fleet.clusters.filter((cluster) => cluster.state.status !== 'Deleted');
    expect(flux?.counts['RemediationFailed']).toBe(live.filter((cluster) => cluster.scenario === 'remediationFailed').length);
    expect(flux?.mode).toBe('auto');
    expect(data.byRule.map((row) => row.ruleId)).toStrictEqual(['managed-identity', 'no-pod-identity', 'workload-identity', 'required-extension/flux']);
    expect(data.fleet.lastSweep).toMatchObject({ sweepId: 'sweep-latest', status: 'Completed' });
    expect(data.window).toStrictEqual({ since: fleet.since.toISOString(), until: fleet.now.toISOString(), bucketMs: 6 * 3_600_000 });
  });

  test('works compliance over time back from the states: the start as the rows say, now as the states say', async () => {
    // Prepare: the status of every cluster at the start of the period, from the generated rows
    const { source } = sourceFor(fleet);
    const atStart: Record<string, number> = {};
    for (const cluster of fleet.clusters) {
      const firstSeenInPeriod = cluster.history.some((transition) => transition.ruleId === undefined && transition.from === null);
      if (firstSeenInPeriod) continue;
      const change = cluster.history.find((transition) => transition.ruleId === undefined);
      const status = change?.from ?? cluster.state.status;
      if (status !== 'Deleted') atStart[status] = (atStart[status] ?? 0) + 1;
    }
    const { Deleted: _deleted, ...now } = fleet.expected.statuses;

    // Act
    const data = await collectReport(source, options(fleet));

    // Assess
    const points = data.history.points;
    expect(points).toHaveLength(121);
    expect(points[0]?.at).toBe(fleet.since.toISOString());
    expect(points.at(-1)?.at).toBe(fleet.now.toISOString());
    expect(points[0]?.counts).toStrictEqual(atStart);
    expect(points.at(-1)?.counts).toStrictEqual(now);
    expect(data.history.incomplete).toBe(false);
    expect(data.history.transitions).toBe(fleet.expected.clusterTransitions);
    // Fixes happen in the second half of the period: more clusters are compliant at its end than at day 9.
    expect(points[36]?.counts['Compliant'] ?? 0).toBeLessThan(points.at(-1)?.counts['Compliant'] ?? 0);
  });

  test('counts the remediations of the period by outcome, newest first, and spreads them over the buckets', async () => {
    const { source } = sourceFor(fleet);

    const data = await collectReport(source, options(fleet));

    expect(nonZero(data.remediations.byStatus)).toStrictEqual(fleet.expected.remediations);
    const started = data.remediations.buckets.reduce((sum, bucket) => sum + bucket.started, 0);
    expect(started).toBe(data.remediations.rows);
    const ended = data.remediations.buckets.reduce((sum, bucket) => sum + (bucket.ended['Succeeded'] ?? 0), 0);
    expect(ended).toBe(fleet.expected.remediations['Succeeded']);
    const times = data.remediations.recent.map((row) => row.startedAt);
    expect(times).toStrictEqual(times.toSorted().reverse());
    expect(data.remediations.recent).toHaveLength(Math.min(200, data.remediations.rows));
  });

  test('lists what waits for approval with the exact commands, and what the step disrupts', async () => {
    // Prepare: the function app's URL and Entra ID known, as the HTTP route knows them
    const { source } = sourceFor(fleet);

    // Act
    const data = await collectReport(source, options(fleet, { approvalCommands: { appUrl: 'https://func-abg.azurewebsites.net', entraAuth: true } }));

    // Assess
    expect(data.approvals.clusters).toBe(fleet.expected.awaitingApprovalClusters);
    expect(data.fleet.awaitingApproval).toBe(fleet.expected.awaitingApprovalClusters);
    expect(data.approvals.rules).toBe(fleet.expected.awaitingApprovalRules);
    const row = data.approvals.rows[0];
    const cluster = fleet.clusters.find((candidate) => candidate.state.clusterId === row?.clusterId)?.state;
    expect(row?.approve).toBe('managed-identity:enable-managed-identity');
    expect(row?.httpCall).toBe(
      `curl -X POST https://func-abg.azurewebsites.net/api/clusters/${cluster?.subscriptionId}/${cluster?.resourceGroup}/${cluster?.clusterName}/remediate ` +
        `-H 'x-functions-key: <function-key>' -H 'Authorization: Bearer <entra-id-token>' -H 'content-type: application/json' -d '{"approve":["managed-identity:enable-managed-identity"]}'`,
    );
    expect(row?.cliCommand).toBe(`npx aks-baseline-guard scan --subscription ${cluster?.subscriptionId} --resource-group ${cluster?.resourceGroup} --apply --approve managed-identity:enable-managed-identity`);
    expect(row?.steps).toStrictEqual([{ action: 'enable-managed-identity', disrupts: expect.stringContaining('Reimages every node') as unknown }]);
    expect(data.approvals.byRule).toStrictEqual([expect.objectContaining({ ruleId: 'managed-identity', clusters: fleet.expected.awaitingApprovalRules })]);
    // A blocked finding is not awaiting approval; it is listed by its reason.
    expect(data.blocked.findings).toBe(fleet.expected.blockedFindings);
    expect(data.blocked.byReason).toStrictEqual([{ reason: 'ClusterStopped', findings: fleet.expected.blockedFindings }]);
    expect(data.blocked.rows[0]?.message).toMatch(/az aks start -g rg-team-\d+ -n aks-\d+/);
  });

  test('approves a rule with several possible fixes by its rule id, naming each step and what it disrupts', async () => {
    // Prepare: Flux in approval mode, so the non-compliant Flux findings wait for a person
    const { source } = sourceFor(fleet);
    const fluxByApproval = baseline((document) => {
      (document.requiredExtensions[0] as { mode: string }).mode = 'approval';
    });

    // Act
    const data = await collectReport(source, options(fleet, { baseline: fluxByApproval, approvalCommands: { baselineFile: 'baselines/prod.json' } }));

    // Assess
    const flux = data.approvals.rows.find((row) => row.ruleId === 'required-extension/flux');
    expect(flux?.approve).toBe('required-extension/flux');
    expect(flux?.steps.map((step) => step.action)).toStrictEqual(['install-extension', 'repair-extension', 'update-extension', 'recreate-extension']);
    expect(flux?.steps.find((step) => step.action === 'recreate-extension')?.disrupts).toMatch(/Deletes the extension/);
    expect(flux?.steps.find((step) => step.action === 'install-extension')?.disrupts).toBeNull();
    expect(flux?.cliCommand).toMatch(/ --baseline baselines\/prod\.json --apply --approve required-extension\/flux$/);
    expect(flux?.httpCall).toContain(`-d '{"approve":["required-extension/flux"]}'`);
  });

  test('lists failed remediations with ARM code, a scrubbed message and the attempts recorded', async () => {
    const { source } = sourceFor(fleet);

    const data = await collectReport(source, options(fleet));

    expect(data.failures.findings).toBe(fleet.expected.failureFindings);
    expect(data.failures.rows.length).toBeGreaterThan(0);
    for (const row of data.failures.rows) {
      expect(row.attempts).toBe(5);
      expect(['ExtensionOperationFailed', 'BadRequest']).toContain(row.code);
      expect(row.message).toMatch(/^The resource operation failed: Authorization failed for sig=\*\*\* token=\*\*\* with body \{…\}$/);
    }
    expect(JSON.stringify(data)).not.toMatch(/secret-value|AbCdEf0123456789|eyJhbGci/);
    expect(data.failures.byCode.reduce((sum, row) => sum + row.findings, 0)).toBe(fleet.expected.failureFindings);
  });

  test('lists at most maxRows rows per table and counts the rest', async () => {
    const { source } = sourceFor(fleet);

    const data = await collectReport(source, options(fleet, { maxRows: 3 }));

    expect(data.approvals.rows).toHaveLength(3);
    expect(data.approvals.omitted).toBe(fleet.expected.awaitingApprovalRules - 3);
    expect(data.failures.rows).toHaveLength(Math.min(3, fleet.expected.failureFindings));
    expect(data.remediations.recent).toHaveLength(3);
    expect(data.remediations.omitted).toBe(data.remediations.rows - 3);
    // The counts stay whole.
    expect(data.approvals.rules).toBe(fleet.expected.awaitingApprovalRules);
  });

  test('reads every row of each scan once', async () => {
    const { source } = sourceFor(fleet);

    await collectReport(source, options(fleet));

    expect(source.scanned).toStrictEqual({
      states: fleet.clusters.length,
      history: fleet.clusters.reduce((sum, cluster) => sum + cluster.history.length, 0),
      remediations: fleet.clusters.reduce((sum, cluster) => sum + cluster.remediations.length, 0),
      rollouts: 0,
    });
  });

  test('lists the exemptions that end within the notice period, with the cluster as recorded', async () => {
    // Prepare: one ends in 3 days, one in 20, one ended yesterday, and one for every rule ends tomorrow
    const { source } = sourceFor(fleet);
    const first = fleet.clusters[0]?.state;
    const second = fleet.clusters[1]?.state;
    const day = (n: number): string => new Date(fleet.now.getTime() + n * 86_400_000).toISOString();
    const withExemptions = baseline((document) => {
      document['exemptions'] = [
        { clusterId: first?.clusterId, ruleId: 'workload-identity', reason: 'Migration to <workload identity> pending', expires: day(3) },
        { clusterId: first?.clusterId, ruleId: 'managed-identity', reason: 'Later', expires: day(20) },
        { clusterId: second?.clusterId, ruleId: 'workload-identity', reason: 'Over', expires: day(-1) },
        { clusterId: `/subscriptions/${first?.subscriptionId}/resourceGroups/rg-gone/providers/Microsoft.ContainerService/managedClusters/aks-gone`, ruleId: '*', reason: 'Decommissioning', expires: day(1) },
      ];
    });

    // Act
    const data = await collectReport(source, options(fleet, { baseline: withExemptions }));

    // Assess: soonest first; the unknown cluster has no name or status
    expect(data.exemptions.noticeDays).toBe(14);
    expect(data.exemptions.rows.map((row) => [row.ruleId, row.reason, row.expiry, row.clusterName ?? null, row.status ?? null])).toStrictEqual([
      ['*', 'Decommissioning', day(1), null, null],
      ['workload-identity', 'Migration to <workload identity> pending', day(3), first?.clusterName, first?.results.find((r) => r.ruleId === 'workload-identity')?.status],
    ]);
  });

  test('reports an empty store as an empty fleet', async () => {
    const empty = generateFleet({ clusters: 0, subscriptions: 1 });

    const data = await collectReport(new InMemoryReportSource(new InMemoryStore()), options(empty));

    expect(data.fleet).toMatchObject({ clusters: 0, subscriptions: 0, counts: {}, awaitingApproval: 0 });
    expect(data.history.points.every((point) => Object.keys(point.counts).length === 0)).toBe(true);
    expect(data.remediations.rows).toBe(0);
    expect(data.fleet.lastSweep).toBeUndefined();
  });

  test('refuses a period that does not end after it starts', async () => {
    await expect(collectReport(new InMemoryReportSource(new InMemoryStore()), options(fleet, { since: fleet.now }))).rejects.toThrow(/since .* must be before now/);
  });
});

describe('historyPoints', () => {
  const since = new Date('2026-01-01T00:00:00Z');
  const until = new Date('2026-01-01T03:00:00Z');

  test('undoes each bucket from the counts of now', () => {
    // Act: one cluster NonCompliant -> Compliant in the second hour, one first seen in the third
    const { points, incomplete } = historyPoints({ Compliant: 3, NonCompliant: 1 }, [{}, { Compliant: 1, NonCompliant: -1 }, { Compliant: 1 }], since, 3_600_000, until);

    // Assess
    expect(incomplete).toBe(false);
    expect(points).toStrictEqual([
      { at: '2026-01-01T00:00:00.000Z', counts: { Compliant: 1, NonCompliant: 2 } },
      { at: '2026-01-01T01:00:00.000Z', counts: { Compliant: 1, NonCompliant: 2 } },
      { at: '2026-01-01T02:00:00.000Z', counts: { Compliant: 2, NonCompliant: 1 } },
      { at: '2026-01-01T03:00:00.000Z', counts: { Compliant: 3, NonCompliant: 1 } },
    ]);
  });

  test('flags a history that does not add up with the states', () => {
    const { points, incomplete } = historyPoints({ Compliant: 1 }, [{ Compliant: 3 }], since, 3_600_000, new Date('2026-01-01T01:00:00Z'));

    expect(incomplete).toBe(true);
    expect(points[0]?.counts).toStrictEqual({});
  });
});
