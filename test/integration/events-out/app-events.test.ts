// The whole app publishing its compliance events over real sockets: Azurite, the HTTPS ARM emulator and the events
// receiver (emulator/events-receiver.ts, the Event Grid topic's stand-in), the app's services built from the settings
// EVENTS_TOPIC_ENDPOINT, EVENTS_CA_FILE and EVENTS_TOKEN exactly as in Azure but for the token. What arrives is what
// @azure/eventgrid's EventGridDeserializer read on the receiver: one event per recorded transition, an approval
// request for a step waiting for a person, an exemption notice once, no secrets, and a 503 from the topic retried.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CloudEvent } from '@azure/eventgrid';
import { startEventsReceiver, type RunningEventsReceiver } from '../../../emulator/events-receiver.js';
import { generateFleet } from '../../../emulator/index.js';
import { validateBaseline } from '../../../src/core/baseline.js';
import { Driver, OTHER_IDENTITY } from '../../support/driver.js';
import { NO_DRIFT } from '../../support/events.js';
import { setPath, type Json } from '../../support/arm.js';
import { REPO_ROOT } from '../../support/paths.js';

/** Azurite, the emulator and the receiver, then a first sweep over the fleet. */
const START_TIMEOUT = 90_000;
const TEST_TIMEOUT = 90_000;
const POLL = { updateIntervalInMs: 20 };
const DAY_MS = 24 * 60 * 60 * 1000;

interface EventData {
  clusterId: string;
  ruleId: string;
  from?: string | null;
  to?: string;
  stepId?: string;
  approve?: { cli: string };
}

function dataOf(event: CloudEvent<unknown>): EventData {
  return event.data as EventData;
}

/** Kind (type without the prefix), cluster name, rule and what changed: compact and order-free when sorted. */
function line(event: CloudEvent<unknown>): string {
  const data = dataOf(event);
  const kind = event.type.replace('AksBaselineGuard.', '');
  const cluster = data.clusterId.split('/').at(-1) ?? '';
  if (kind === 'ComplianceChanged') return `${kind} ${cluster} ${data.ruleId} ${data.from ?? 'none'}->${data.to ?? ''}`;
  if (kind === 'ApprovalRequested') return `${kind} ${cluster} ${data.stepId ?? ''}`;
  return `${kind} ${cluster} ${data.ruleId}`;
}

describe('compliance events from the running app, to the events receiver over HTTPS', () => {
  let receiver: RunningEventsReceiver;
  let driver: Driver;
  let clusters: { id: string; subscriptionId: string; resourceGroup: string; name: string }[];
  let initial: CloudEvent<unknown>[];
  /** Every event accepted during the whole file (receiver.clear() does not reach it). */
  const everything: CloudEvent<unknown>[] = [];

  beforeAll(async () => {
    receiver = await startEventsReceiver();
    receiver.onBatch((batch) => everything.push(...batch.events));
    // The default baseline, and an exemption of the first cluster's managed identity rule that ends in 3 days.
    const fleet = { clusters: 2, subscriptions: 1, seed: 18, drift: NO_DRIFT };
    const exempted = generateFleet(fleet).clusters[0]?.id ?? '';
    const expires = new Date(Date.now() + 3 * DAY_MS).toISOString();
    const { $schema: _schema, ...document } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'baselines/default.json'), 'utf8')) as Record<string, unknown>;
    const baseline = validateBaseline({ ...document, exemptions: [{ clusterId: exempted, ruleId: 'managed-identity', reason: 'migration, ticket 4711', expires }] });
    driver = await Driver.start({
      fleet,
      baseline,
      settings: { EVENTS_TOPIC_ENDPOINT: receiver.endpoint, EVENTS_CA_FILE: receiver.caFile, EVENTS_TOKEN: receiver.token, EXEMPTION_EXPIRY_NOTICE_DAYS: '7' },
    });
    clusters = (driver.emulator.fleet?.clusters ?? []).map(({ id, subscriptionId, resourceGroup, name }) => ({ id, subscriptionId, resourceGroup, name }));
    await driver.sweep();
    await driver.drain();
    initial = receiver.received();
  }, START_TIMEOUT);
  afterAll(async () => {
    await driver?.stop();
    await receiver?.stop();
  });

  test('the first sweep: every rule of every cluster seen once, the exemption noticed once', () => {
    const [first, second] = clusters.map((cluster) => cluster.name);

    const lines = initial.map(line).sort();

    expect(lines).toStrictEqual(
      [
        ...[first, second].flatMap((name) => [
          `ComplianceChanged ${name} no-pod-identity none->Compliant`,
          `ComplianceChanged ${name} required-extension/flux none->Compliant`,
          `ComplianceChanged ${name} workload-identity none->Compliant`,
        ]),
        `ComplianceChanged ${first} managed-identity none->Exempt`,
        `ComplianceChanged ${second} managed-identity none->Compliant`,
        `ExemptionExpiring ${first} managed-identity`,
      ].sort(),
    );
    // Subject is the cluster, ids are unique, every request accepted.
    expect(initial.every((event) => event.subject === dataOf(event).clusterId && event.source === 'aks-baseline-guard' && (event as { specversion?: string }).specversion === '1.0')).toBe(true);
    expect(new Set(initial.map((event) => event.id)).size).toBe(initial.length);
    expect(receiver.requests().every((request) => request.status === 200)).toBe(true);
  });

  test(
    'drift fixed automatically: its two transitions, once each; a second sweep publishes nothing new',
    async () => {
      // Prepare
      const target = clusters[0]!;
      receiver.clear();
      const managedClusters = driver.clientsAs(OTHER_IDENTITY).containerService(target.subscriptionId).managedClusters;
      const current = await managedClusters.get(target.resourceGroup, target.name);

      // Act: someone turns workload identity off; its event reaches the app, which fixes it
      await managedClusters.beginCreateOrUpdateAndWait(target.resourceGroup, target.name, { ...current, securityProfile: { ...current.securityProfile, workloadIdentity: { enabled: false } } }, POLL);
      await driver.drain();
      const afterFix = receiver.received().map(line);
      await driver.sweep();
      await driver.drain();

      // Assess
      expect(afterFix).toStrictEqual([`ComplianceChanged ${target.name} workload-identity Compliant->NonCompliant`, `ComplianceChanged ${target.name} workload-identity NonCompliant->Compliant`]);
      expect(receiver.received().map(line)).toStrictEqual(afterFix);
    },
    TEST_TIMEOUT,
  );

  test(
    'a step waiting for approval: one ApprovalRequested with the command that approves it; a 503 from the topic is retried, not doubled',
    async () => {
      // Prepare: pod identity turned on behind the app's back (no event), and the topic failing its next request
      const target = clusters[1]!;
      receiver.clear();
      const body = driver.emulator.state.cluster(target.id) as Json;
      setPath(body, 'properties.podIdentityProfile', { enabled: true, allowNetworkPluginKubenet: false });
      driver.emulator.putCluster(body);
      receiver.failNext(1, { status: 503 });

      // Act: the next sweep finds it
      await driver.sweep();
      await driver.drain();

      // Assess
      expect(receiver.received().map(line)).toStrictEqual([`ComplianceChanged ${target.name} no-pod-identity Compliant->NonCompliant`, `ApprovalRequested ${target.name} no-pod-identity:disable-pod-identity`]);
      expect(receiver.requests().map((request) => request.status)).toStrictEqual([503, 200]);
      const approval = receiver.received()[1]!;
      expect(dataOf(approval).approve?.cli).toBe(
        `aks-baseline-guard scan --subscription ${target.subscriptionId} --resource-group ${target.resourceGroup} --apply --approve no-pod-identity:disable-pod-identity`,
      );
    },
    TEST_TIMEOUT,
  );

  test(
    'writes that keep failing: RemediationFailed once, at the attempt limit, with the attempts and the error',
    async () => {
      // Prepare: every write of the first cluster's long-running PUT fails; its workload identity is turned off unseen
      const target = clusters[0]!;
      receiver.clear();
      driver.emulator.setFaults([{ route: `PUT ${target.id}`, kind: 'lro-failed', rate: 1 }]);
      const body = driver.emulator.state.cluster(target.id) as Json;
      setPath(body, 'properties.securityProfile.workloadIdentity', { enabled: false });
      driver.emulator.putCluster(body);

      // Act: the sweep finds it; the worker tries, the continuations retry after their back-off, up to MAX_REMEDIATION_ATTEMPTS (3)
      await driver.sweep();
      await driver.drain();
      driver.emulator.setFaults([]);

      // Assess
      const lines = receiver.received().map(line);
      expect(lines).toStrictEqual([
        `ComplianceChanged ${target.name} workload-identity Compliant->NonCompliant`,
        `ComplianceChanged ${target.name} workload-identity NonCompliant->RemediationFailed`,
        `RemediationFailed ${target.name} workload-identity`,
      ]);
      const failed = receiver.received()[2]!;
      // ARM failed each operation after accepting it; the queue worker does not wait for operations, so what it knows
      // is that three accepted writes did not fix the rule (a refusal ARM answers at once carries its own code).
      expect(failed.data).toMatchObject({ attempts: 3, errorCode: 'AttemptLimitReached', message: expect.stringMatching(/3 attempts did not fix workload-identity$/) });
      expect((await driver.services.store.getState(target.id))?.status).toBe('RemediationFailed');
    },
    TEST_TIMEOUT,
  );

  test('no secrets in anything published: no token, key, connection string, nor who asked', () => {
    const published = JSON.stringify(everything);

    expect(everything.length).toBeGreaterThan(10);
    for (const secret of [receiver.token, driver.env['ARM_TOKEN'] ?? '', driver.azurite.connectionString]) expect(published).not.toContain(secret);
    expect(published).not.toMatch(/AccountKey|SharedAccess|Bearer|eyJ[\w-]{10,}|"caller"/);
    // Every id once: nothing arrived twice over the whole run, the 503 included.
    expect(new Set(everything.map((event) => event.id)).size).toBe(everything.length);
  });
});
