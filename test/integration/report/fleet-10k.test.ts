// The report of a 10,000-cluster store: the built CLI against Azurite must write it in under 10 s (reading the store and
// rendering, as the CLI measures and prints them; the whole process, Node's start-up included, within 20 s), under
// 5 MB, and headless Chromium must draw it in under 10 s with the counts the rows hold. The measurements are printed,
// so a slow run on a loaded machine says by how much it was slow. Alone on two cores the whole CLI takes about 4 s;
// inside the full suite on a machine shared with other work (load average 20) it read the store in 8 s and took
// 12 s with Node's start-up, most of it waiting for a core.
//
// Seeding: 10,000 states, their history of the period and their remediation rows are inserted one row per request, 32
// at a time, in the Table adapter's layout (Azurite takes a single insert in about 1.5 ms but an entity-group
// transaction in about 12 ms, and the adapter's own recordEvaluation writes four requests, one of them a transaction:
// about 90 s for 10,000 clusters here). The seeding time is printed too; report-cli.test.ts reads a sample back through
// the adapter to prove the layout.
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { checkReportInBrowser, type ReportCheckResult } from '../../../demo/browserCheck.js';
import { compiled } from '../../support/paths.js';
import { runChild, type FinishedChild } from '../../support/processes.js';
import { expectationFor, generateFleet, seedTables, type GeneratedFleet } from '../../support/report-fleet.js';
import { STORE_START_TIMEOUT_MS, startStoreHarness, type StoreHarness } from '../../support/store.js';

const CLI = compiled('src/cli/main.js');
const CLUSTERS = 10_000;
/** The limits of issue 18. */
const MAX_HTML_BYTES = 5 * 1024 * 1024;
const MAX_MS = 10_000;
/**
 * Seeding 10,000 clusters takes about 20 s alone on two idle cores, but over 6 minutes inside the full suite on a
 * machine shared with other work (Azurite competes with the other Jest worker and its Azurites): the budget is for
 * that case, so the suite fails on the report's limits, not on the seeding.
 */
const SEED_TIMEOUT = 720_000;

function measured(name: string, value: string): void {
  // On stderr, outside Jest's console capture, so it shows in every run.
  process.stderr.write(`[report 10k] ${name}: ${value}\n`);
}

describe(`the report of a ${CLUSTERS.toLocaleString('en')}-cluster store`, () => {
  let harness: StoreHarness;
  let fleet: GeneratedFleet;
  let dir: string;
  let out: string;
  let run: FinishedChild;
  let runMs: number;

  beforeAll(async () => {
    harness = await startStoreHarness();
    dir = await mkdtemp(path.join(tmpdir(), 'abg-report-10k-'));
    out = path.join(dir, 'report.html');
    fleet = generateFleet({ clusters: CLUSTERS, subscriptions: 40, seed: 10_000, now: new Date() });
    const seeded = await seedTables(harness.clients, fleet);
    await harness.store.startSweep({ sweepId: fleet.sweep.sweepId, trigger: 'timer', now: new Date(fleet.sweep.startedAt) });
    await harness.store.finishSweep(fleet.sweep.sweepId, { clustersEnqueued: fleet.expected.clusters, subscriptions: [], errors: [], now: new Date(fleet.sweep.finishedAt ?? fleet.sweep.startedAt) });
    measured('seeded', `${seeded.rows} rows (${CLUSTERS} states, their history and remediations) in ${(seeded.ms / 1000).toFixed(1)} s`);

    const started = performance.now();
    run = await runChild(process.execPath, [CLI, 'report', '--connection-string', harness.azurite.connectionString, '--since', '30d', '--out', out], { timeoutMs: 60_000 });
    runMs = performance.now() - started;
    measured('cli', `${(runMs / 1000).toFixed(2)} s from start to exit (node start-up included); it said: ${run.stderr.trim()}`);
  }, STORE_START_TIMEOUT_MS + SEED_TIMEOUT + 60_000);

  afterAll(async () => {
    await harness?.azurite.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the CLI writes it in under 10 s, under 5 MB', () => {
    const bytes = statSync(out).size;
    measured('html', `${(bytes / 1024 / 1024).toFixed(2)} MB`);
    // What the CLI says it spent on the report itself: the store's scans, then the page.
    const spent = /store read in ([\d.]+) s, rendered in (\d+) ms/.exec(run.stderr);
    const reportMs = spent ? Number(spent[1]) * 1000 + Number(spent[2]) : Number.NaN;

    expect({ code: run.code, stderr: run.stderr }).toStrictEqual(expect.objectContaining({ code: 0 }));
    expect(bytes).toBeLessThan(MAX_HTML_BYTES);
    expect(reportMs).toBeLessThan(MAX_MS);
    expect(runMs).toBeLessThan(2 * MAX_MS);
  });

  test(
    'Chromium draws it in under 10 s, every section and chart, with the counts the rows hold',
    async () => {
      const started = performance.now();
      const check: ReportCheckResult = await checkReportInBrowser(out, expectationFor(fleet, {}), { timeoutInMs: 30_000 });
      const wallMs = performance.now() - started;
      measured('browser', `loaded in ${check.timings.loadMs.toFixed(0)} ms, charts drawn at ${check.timings.chartsMs} ms after navigation (${(wallMs / 1000).toFixed(1)} s with Chromium's start), ${check.pagedTables} paged tables`);

      expect(check.problems).toStrictEqual([]);
      expect(check.consoleErrors).toStrictEqual([]);
      expect(check.timings.chartsMs).toBeGreaterThan(0);
      expect(check.timings.chartsMs).toBeLessThan(MAX_MS);
    },
    60_000,
  );
});
