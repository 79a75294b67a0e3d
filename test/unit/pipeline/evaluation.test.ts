// The evaluation pipeline on in-memory ports (no Azurite, no emulator): the stages in order, the intent protocol
// (intent rows, attempts, back-off, writes that may still be in flight), and the three policies.
import { describe, expect, test } from '@jest/globals';
import { DEFAULT_MAX_REMEDIATION_ATTEMPTS } from '../../../src/config.js';
import type { ApplyOutcome } from '../../../src/ports.js';
import { runEvaluation, type EvaluationDeps, type EvaluationPolicy, type EvaluationRequest, type EvaluationRun, type IntentRules } from '../../../src/pipeline/evaluation.js';
import { queuePolicy, remediatePolicy, scanPolicy } from '../../../src/pipeline/policies.js';
import { ALL_IDENTITY_RULES, baselineOf, CLUSTER_ID, FLUX, FLUX_OK, NOW, snapshotOf } from '../../support/builders.js';
import { FakeArm, InMemoryStore } from '../../support/fakes/index.js';
import { crashAfterIntent, crashAfterWrite } from '../../support/faults.js';
import { RecordingTelemetry } from '../../support/telemetry.js';

const BASELINE = baselineOf({ rules: ALL_IDENTITY_RULES, requiredExtensions: [FLUX] });
const INTENTS: IntentRules = { maxAttempts: 3, backoffBaseSeconds: 60, maxBackoffSeconds: 3600, openIntentGraceMs: 120_000, followUpDelaySeconds: 25 };
const QUEUE = queuePolicy({}, INTENTS);
const ENABLE_WI = 'workload-identity:enable-workload-identity';
const DISABLE_POD = 'no-pod-identity:disable-pod-identity';
const INSTALL_FLUX = 'required-extension/flux:install-extension';
const REPAIR_FLUX = 'required-extension/flux:repair-extension';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface World {
  arm: FakeArm;
  store: InMemoryStore;
  telemetry: RecordingTelemetry;
  deps: EvaluationDeps;
}

function world(...snapshots: Parameters<typeof snapshotOf>[]): World {
  const arm = new FakeArm(snapshots.map((args) => snapshotOf(...args)));
  const store = new InMemoryStore();
  const telemetry = new RecordingTelemetry();
  return { arm, store, telemetry, deps: { reader: arm, writer: arm, telemetry, baseline: BASELINE, records: { state: store, remediations: store, attempts: store } } };
}

function request(secondsLater = 0): EvaluationRequest {
  return { clusterId: CLUSTER_ID, cause: { kind: 'sweep', id: 'sweep-1' }, now: new Date(NOW.getTime() + secondsLater * 1000), log: quiet };
}

async function run(deps: EvaluationDeps, policy: EvaluationPolicy = QUEUE, secondsLater = 0): Promise<EvaluationRun> {
  const result = await runEvaluation(deps, policy, request(secondsLater));
  if (!result.found) throw new Error(`${result.clusterId} was not found`);
  return result;
}

function outcomes(result: EvaluationRun): Record<string, string> {
  return Object.fromEntries(result.steps.map((report) => [report.step.id, report.outcome]));
}

const FAILED: ApplyOutcome = { status: 'failed', failure: { kind: 'permanent', code: 'BadRequest', message: `${CLUSTER_ID}: BadRequest (HTTP 400): no` } };

describe('runEvaluation', () => {
  test('records a compliant cluster and writes nothing', async () => {
    // Prepare
    const { arm, store, telemetry, deps } = world([{}, [FLUX_OK]]);

    // Act
    const result = await run(deps);

    // Assess
    expect(result.status).toBe('Compliant');
    expect(result.steps).toStrictEqual([]);
    expect(arm.writes).toStrictEqual([]);
    expect(arm.reads.get(CLUSTER_ID.toLowerCase())).toBe(1);
    expect((await store.getState(CLUSTER_ID))?.status).toBe('Compliant');
    expect(result.followUp).toBeUndefined();
    expect(telemetry.events.map((event) => event.name)).toStrictEqual(['ClusterEvaluated']);
  });

  test('writes an auto step once: the intent row before the write, Accepted after it, one attempt, and a follow-up to confirm it', async () => {
    // Prepare
    const { arm, store, telemetry, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);

    // Act
    const result = await run(deps);

    // Assess
    expect(outcomes(result)).toStrictEqual({ [ENABLE_WI]: 'started' });
    expect(arm.writes.map((write) => write.stepId)).toStrictEqual([ENABLE_WI]);
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([[ENABLE_WI, 'Accepted', 1]]);
    expect((await store.getAttempts(CLUSTER_ID, 'workload-identity')).count).toBe(1);
    expect(result.followUp).toStrictEqual({ delaySeconds: 25, reason: `confirm ${ENABLE_WI}` });
    expect(result.status).toBe('NonCompliant');
    expect(telemetry.events.map((event) => event.name)).toStrictEqual(['RemediationStarted', 'ClusterEvaluated']);
  });

  test('confirms the write on the follow-up from its operation status: the row is Succeeded, the rule Compliant, its attempts start over', async () => {
    // Prepare: a first run started the write
    const { arm, store, telemetry, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);
    await run(deps);

    // Act
    const result = await run(deps, QUEUE, 25);

    // Assess
    expect(result.status).toBe('Compliant');
    expect(arm.writes).toHaveLength(1);
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([[ENABLE_WI, 'Succeeded', 1]]);
    expect((await store.getAttempts(CLUSTER_ID, 'workload-identity')).count).toBe(0);
    expect(telemetry.events.filter((event) => event.name === 'RemediationSucceeded').map((event) => event.properties['confirmedBy'])).toStrictEqual(['operation']);
    expect(arm.operationChecks).toStrictEqual(['https://arm.fake/operations/1']);
    expect(result.followUp).toBeUndefined();
  });

  test('holds an approval step until it is approved; naming it on the remediate route clears its attempt limit', async () => {
    // Prepare: pod identity on, and its rule already at the attempt limit
    const { arm, store, deps } = world([{ podIdentity: true }, [FLUX_OK]]);
    for (let attempt = 0; attempt < INTENTS.maxAttempts; attempt += 1) await store.recordAttempt(CLUSTER_ID, 'no-pod-identity', { now: NOW, backoffBaseSeconds: 1, maxBackoffSeconds: 1 });

    // Act
    const held = await run(deps);
    const approved = await run(deps, remediatePolicy({ dryRun: false, approve: ['no-pod-identity'] }, INTENTS), 5);

    // Assess
    expect(outcomes(held)).toStrictEqual({ [DISABLE_POD]: 'awaiting-approval' });
    expect(outcomes(approved)).toStrictEqual({ [DISABLE_POD]: 'started' });
    expect(arm.writes.map((write) => write.stepId)).toStrictEqual([DISABLE_POD]);
    // The counter started over: this write is attempt 1.
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([[DISABLE_POD, 'Accepted', 1]]);
  });

  test('writes nothing and records nothing in a dry run', async () => {
    const { arm, store, telemetry, deps } = world([{ workloadIdentity: false, podIdentity: true }, []]);

    const result = await run(deps, remediatePolicy({ dryRun: true, approve: ['no-pod-identity'] }, INTENTS));

    expect(outcomes(result)).toStrictEqual({ [ENABLE_WI]: 'skipped-dry-run', [DISABLE_POD]: 'skipped-dry-run', [INSTALL_FLUX]: 'skipped-dry-run' });
    expect(arm.writes).toStrictEqual([]);
    expect(store.states.size).toBe(0);
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([]);
    expect(telemetry.events).toStrictEqual([]);
  });

  test('starts what it can without waiting, and blocks the extension install behind the cluster write', async () => {
    const { arm, deps } = world([{ workloadIdentity: false }, []]);

    const result = await run(deps);

    expect(outcomes(result)).toStrictEqual({ [ENABLE_WI]: 'started', [INSTALL_FLUX]: 'blocked' });
    expect(result.steps.find((report) => report.step.id === INSTALL_FLUX)?.reason).toMatch(/still running; extension writes wait for it/);
    expect(arm.writes).toHaveLength(1);
  });

  describe('the remediation log is read only when a remediation may be open', () => {
    /** Counts the run's reads of the remediation log. */
    function countingLogReads(store: InMemoryStore): { count: number } {
      const reads = { count: 0 };
      const listRemediations = store.listRemediations.bind(store);
      store.listRemediations = (...args) => {
        reads.count += 1;
        return listRemediations(...args);
      };
      return reads;
    }

    test('a cluster recorded clean, and clean again, is evaluated without reading the log', async () => {
      // Prepare: a first evaluation recorded it (the first one reads the log: the state row does not say yet)
      const { store, deps } = world([{}, [FLUX_OK]]);
      await run(deps);
      const reads = countingLogReads(store);

      // Act
      const result = await run(deps, QUEUE, 60);

      // Assess
      expect(result.status).toBe('Compliant');
      expect(reads.count).toBe(0);
    });

    test('after a write, the log is read until the write is confirmed, and then no more', async () => {
      // Prepare: clean, then someone turns workload identity off
      const { arm, store, deps } = world([{}, [FLUX_OK]]);
      await run(deps);
      arm.put(snapshotOf({ workloadIdentity: false }, [FLUX_OK]));
      const reads = countingLogReads(store);

      // Act: the write, its confirmation, and one more evaluation
      await run(deps, QUEUE, 10);
      const confirmed = await run(deps, QUEUE, 40);
      const readsUntilConfirmed = reads.count;
      await run(deps, QUEUE, 70);

      // Assess
      expect(confirmed.status).toBe('Compliant');
      expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([[ENABLE_WI, 'Succeeded', 1]]);
      expect(readsUntilConfirmed).toBe(2);
      expect(reads.count).toBe(2);
    });

    test('a crash right after the intent row leaves the state row saying a remediation may be open', async () => {
      // Prepare: recorded clean; then the drift, and a run that dies right after its intent row
      const { arm, store, deps } = world([{}, [FLUX_OK]]);
      await run(deps);
      arm.put(snapshotOf({ workloadIdentity: false }, [FLUX_OK]));
      const crashing = crashAfterIntent(store, {
        afterIntent: async () => {
          throw new Error('simulated crash');
        },
      });
      await expect(runEvaluation({ ...deps, records: { state: store, remediations: crashing, attempts: store } }, QUEUE, request(10))).rejects.toThrow('simulated crash');
      // Someone else fixes it before the redelivery.
      arm.put(snapshotOf({}, [FLUX_OK]));

      // Act
      await run(deps, QUEUE, 200);

      // Assess: the redelivery read the log and closed the intent the crash left open
      expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([[ENABLE_WI, 'Succeeded', 1]]);
      expect((await store.readBasis(CLUSTER_ID)).remediationsOpen).toBe(false);
    });
  });

  test('never writes twice after a crash between the intent row and the ARM write', async () => {
    // Prepare: the first run dies right after its intent row
    const { arm, store, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);
    let crashes = 0;
    const crashing = crashAfterIntent(store, {
      afterIntent: async () => {
        crashes += 1;
        if (crashes === 1) throw new Error('simulated crash');
      },
    });
    const crashDeps: EvaluationDeps = { ...deps, records: { state: store, remediations: crashing, attempts: store } };

    // Act
    await expect(runEvaluation(crashDeps, QUEUE, request())).rejects.toThrow('simulated crash');
    const redelivered = await run(crashDeps, QUEUE, 1);
    const later = await run(crashDeps, QUEUE, 180);

    // Assess: the redelivery found the open intent and wrote nothing; past the grace period the intent is closed as
    // not confirmed and the step written, once
    expect(outcomes(redelivered)).toStrictEqual({ [ENABLE_WI]: 'started' });
    expect(redelivered.steps[0]?.reason).toMatch(/may still be in flight; not writing again/);
    expect(outcomes(later)).toStrictEqual({ [ENABLE_WI]: 'started' });
    expect(arm.writes).toHaveLength(1);
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([
      [ENABLE_WI, 'Failed', 1],
      [ENABLE_WI, 'Accepted', 1],
    ]);
    expect((await store.listRemediations(CLUSTER_ID)).at(-1)?.error?.code).toBe('NotConfirmed');
  });

  test('closes, past the grace, the open intent of a crashed create that the plan now names a repair', async () => {
    // Prepare: the install is accepted, then the run dies before recording it; the create ends with a failed extension
    const { arm, store, deps } = world([{}, []]);
    const crashDeps: EvaluationDeps = {
      ...deps,
      writer: crashAfterWrite(arm, {
        afterWrite: () => Promise.reject(new Error('simulated crash')),
      }),
    };
    await expect(runEvaluation(crashDeps, QUEUE, request())).rejects.toThrow('simulated crash');
    arm.put(snapshotOf({}, [{ ...FLUX_OK, provisioningState: 'Failed' }]));
    // The repairs are refused, so flux stays failed.
    arm.answer = () => FAILED;

    // Act: a run within the grace, and one past it
    const within = await run(deps, QUEUE, 1);
    const installWithin = (await store.listRemediations(CLUSTER_ID)).filter((row) => row.stepId === INSTALL_FLUX).map((row) => row.status);
    const past = await run(deps, QUEUE, 180);

    // Assess: within the grace the install row stays open and the run comes back for it; past it, with nothing
    // mid-operation, the install is closed as not confirmed and the log has no open row left
    expect(outcomes(within)).toStrictEqual({ [REPAIR_FLUX]: 'failed' });
    expect(installWithin).toStrictEqual(['Started']);
    expect(within.followUp).toStrictEqual({ delaySeconds: 25, reason: `confirm ${INSTALL_FLUX}` });
    expect(outcomes(past)).toStrictEqual({ [REPAIR_FLUX]: 'failed' });
    const install = (await store.listRemediations(CLUSTER_ID)).filter((row) => row.stepId === INSTALL_FLUX);
    expect(install.map((row) => [row.status, row.error?.code])).toStrictEqual([['Failed', 'NotConfirmed']]);
    expect((await store.readBasis(CLUSTER_ID)).remediationsOpen).toBe(false);
  });

  test('backs off after a failed write and records RemediationFailed once the attempts are spent', async () => {
    // Prepare: ARM refuses every write of the step
    const { arm, store, telemetry, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);
    arm.answer = () => FAILED;

    // Act: a run, one during the back-off, then one after each back-off
    const first = await run(deps);
    const backingOff = await run(deps, QUEUE, 30);
    const second = await run(deps, QUEUE, 61);
    const third = await run(deps, QUEUE, 61 + 121);
    const after = await run(deps, QUEUE, 61 + 121 + 300);

    // Assess
    expect([first, backingOff, second, third, after].map((result) => result.steps[0]?.outcome)).toStrictEqual(['failed', 'try-later', 'failed', 'failed', 'failed']);
    expect(first.followUp).toStrictEqual({ delaySeconds: 60, reason: `retry ${ENABLE_WI} after its back-off` });
    expect(after.steps[0]?.reason).toMatch(/^gave up after 3 attempts \(MAX_REMEDIATION_ATTEMPTS=3\); last error BadRequest$/);
    expect([first.status, third.status, after.status]).toStrictEqual(['NonCompliant', 'RemediationFailed', 'RemediationFailed']);
    expect(store.rowsOf(CLUSTER_ID).map(([, status, attempt]) => `${status} ${attempt}`)).toStrictEqual(['Failed 1', 'Failed 2', 'Failed 3']);
    const state = await store.getState(CLUSTER_ID);
    expect(state?.results.find((result) => result.ruleId === 'workload-identity')).toMatchObject({ status: 'RemediationFailed', lastError: { code: 'BadRequest' } });
    expect(telemetry.events.filter((event) => event.name === 'RemediationFailed').map((event) => event.properties['final'])).toStrictEqual(['false', 'false', 'true']);
  });

  test("an accepted write whose operation ends Failed is logged Failed with ARM's error, backs off, and gives up at the limit", async () => {
    // Prepare: ARM accepts every write of the step, and each operation then fails
    const { arm, store, telemetry, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);
    const OPERATION_FAILED = { kind: 'permanent' as const, code: 'InternalOperationError', message: `${CLUSTER_ID}: the operation ended Failed: no` };
    arm.operationFails = () => OPERATION_FAILED;

    // Act: the write, its continuation (the operation has failed), one during the back-off, then the same after each
    // back-off, and one long after the limit
    const times = [0, 25, 50, 90, 115, 240, 265, 2000];
    const results: EvaluationRun[] = [];
    for (const seconds of times) results.push(await run(deps, QUEUE, seconds));

    // Assess
    expect(results.map((result) => result.steps[0]?.outcome)).toStrictEqual(['started', 'try-later', 'try-later', 'started', 'try-later', 'started', 'failed', 'failed']);
    expect(arm.writes).toHaveLength(3);
    expect(store.rowsOf(CLUSTER_ID).map(([, status, attempt]) => `${status} ${attempt}`)).toStrictEqual(['Failed 1', 'Failed 2', 'Failed 3']);
    expect((await store.listRemediations(CLUSTER_ID)).map((row) => row.error?.code)).toStrictEqual(['InternalOperationError', 'InternalOperationError', 'InternalOperationError']);
    // The back-off runs from when the failure was seen: 60 s after the first, 120 s after the second.
    expect(results[1]?.followUp).toStrictEqual({ delaySeconds: 60, reason: 'back-off of workload-identity' });
    const attempts = await store.getAttempts(CLUSTER_ID, 'workload-identity');
    expect(attempts).toMatchObject({ count: 3, lastError: { code: 'InternalOperationError' } });
    expect(results.at(-2)?.status).toBe('RemediationFailed');
    expect(results.at(-1)?.status).toBe('RemediationFailed');
    const state = await store.getState(CLUSTER_ID);
    expect(state?.results.find((result) => result.ruleId === 'workload-identity')).toMatchObject({ status: 'RemediationFailed', lastError: { code: 'InternalOperationError' } });
    expect(telemetry.events.filter((event) => event.name === 'RemediationFailed').map((event) => [event.properties['errorCode'], event.properties['final']])).toStrictEqual([
      ['InternalOperationError', 'false'],
      ['InternalOperationError', 'false'],
      ['InternalOperationError', 'true'],
    ]);
    expect(telemetry.events.filter((event) => event.name === 'RemediationSucceeded')).toStrictEqual([]);
    expect(results.at(-1)?.followUp).toBeUndefined();
  });

  test('a scan that waits logs a failed operation Failed, counts it as the attempt it was, and gives up at the limit', async () => {
    // Prepare: the rule has all but one of its attempts (the scan's default limit) behind it
    const { arm, store, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);
    arm.operationFails = () => ({ kind: 'permanent', code: 'InternalOperationError', message: `${CLUSTER_ID}: the operation ended Failed: no` });
    for (let attempt = 0; attempt < DEFAULT_MAX_REMEDIATION_ATTEMPTS - 1; attempt += 1) await store.recordAttempt(CLUSTER_ID, 'workload-identity', { now: NOW, backoffBaseSeconds: 1, maxBackoffSeconds: 1 });

    // Act
    const result = await run(deps, scanPolicy({ apply: true, wait: true, record: true, approvals: [] }), 10);

    // Assess
    expect(outcomes(result)).toStrictEqual({ [ENABLE_WI]: 'failed' });
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([[ENABLE_WI, 'Failed', DEFAULT_MAX_REMEDIATION_ATTEMPTS]]);
    expect(result.status).toBe('RemediationFailed');
    expect(await store.getAttempts(CLUSTER_ID, 'workload-identity')).toMatchObject({ count: DEFAULT_MAX_REMEDIATION_ATTEMPTS, lastError: { code: 'InternalOperationError' } });
  });

  test('an operation still running keeps its row open, even when the rule already passes', async () => {
    // Prepare: the write is in place, its operation still running
    const { arm, store, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);
    await run(deps);
    arm.operations.set('https://arm.fake/operations/1', { status: 'in-progress' });

    // Act
    const result = await run(deps, QUEUE, 25);

    // Assess
    expect(result.status).toBe('Compliant');
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([[ENABLE_WI, 'Accepted', 1]]);
    expect(result.followUp).toStrictEqual({ delaySeconds: 25, reason: `confirm ${ENABLE_WI}` });
  });

  test('waits out a busy cluster without an intent row', async () => {
    const { arm, store, deps } = world([{ workloadIdentity: false, provisioningState: 'Updating' }, [FLUX_OK]]);

    const result = await run(deps);

    expect(outcomes(result)).toStrictEqual({ [ENABLE_WI]: 'try-later' });
    expect(arm.writes).toStrictEqual([]);
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([]);
    expect(result.followUp).toStrictEqual({ delaySeconds: 25, reason: `${ENABLE_WI} is waiting for a busy resource` });
  });

  describe('blocked steps (PlanStep.blockedBy) are never attempted', () => {
    const STOPPED = { workloadIdentity: false, powerState: 'Stopped' };
    const MANAGED_FLUX = { ...FLUX_OK, releaseTrain: 'Preview', managedBy: CLUSTER_ID, managementCategory: 'managed' };
    const cases: [string, Parameters<typeof snapshotOf>, Record<string, string>, string[]][] = [
      ['a stopped cluster: every write step', [STOPPED, []], { [ENABLE_WI]: 'blocked', [INSTALL_FLUX]: 'blocked' }, ['ClusterStopped', 'ClusterStopped']],
      ['an AKS-managed extension', [{}, [MANAGED_FLUX]], { 'required-extension/flux:update-extension': 'blocked' }, ['ManagedByAks']],
    ];
    test.each(cases)('%s: no intent row, no attempt, no follow-up; the finding is recorded and the report says why', async (_name, cluster, expected, reasons) => {
      // Prepare
      const { arm, store, deps } = world(cluster);

      // Act
      const result = await run(deps);

      // Assess
      expect(outcomes(result)).toStrictEqual(expected);
      expect(result.steps.map((report) => report.blockedBy?.reason)).toStrictEqual(reasons);
      expect(result.steps.every((report) => report.reason === report.step.blockedBy?.message)).toBe(true);
      expect(arm.writes).toStrictEqual([]);
      expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([]);
      for (const report of result.steps) expect((await store.getAttempts(CLUSTER_ID, report.step.ruleId)).count).toBe(0);
      expect(result.followUp).toBeUndefined();
      expect(result.retryLater).toBeUndefined();
      expect((await store.getState(CLUSTER_ID))?.status).toBe('NonCompliant');
    });

    test('an approval does not unblock a stopped cluster (the block is reported, not "awaiting approval")', async () => {
      const { arm, deps } = world([{ ...STOPPED, podIdentity: true }, [FLUX_OK]]);

      const result = await run(deps, remediatePolicy({ dryRun: false, approve: [DISABLE_POD] }, INTENTS));

      expect(outcomes(result)[DISABLE_POD]).toBe('blocked');
      expect(arm.writes).toStrictEqual([]);
    });

    test('the worker records the start of a remediation that removes something: what it removes and what it disrupts', async () => {
      const identity = { resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web', clientId: '11111111-2222-3333-4444-555555555555', objectId: '66666666-7777-8888-9999-000000000000' };
      const podIdentityProfile = { enabled: true, userAssignedIdentities: [{ name: 'web', namespace: 'shop', identity }], userAssignedIdentityExceptions: [{ name: 'probe', namespace: 'kube-system', podLabels: { app: 'probe' } }] };
      const { store, deps } = world([{ podIdentityProfile }, [FLUX_OK]]);

      await run(deps, queuePolicy({ approvals: [DISABLE_POD] }, INTENTS));

      const [row] = await store.listRemediations(CLUSTER_ID);
      expect(row).toMatchObject({ stepId: DISABLE_POD, disrupts: expect.stringMatching(/pod identit/i) });
      expect(row?.removes).toStrictEqual({
        podIdentities: [{ name: 'web', namespace: 'shop', identityResourceId: identity.resourceId, clientId: identity.clientId }],
        podIdentityExceptions: [{ name: 'probe', namespace: 'kube-system', podLabels: { app: 'probe' } }],
      });
    });
  });

  test("leaves a throttled write to the queue's retry, not to a follow-up", async () => {
    const { arm, store, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);
    const throttled = { kind: 'throttled' as const, code: 'TooManyRequests', message: `${CLUSTER_ID}: TooManyRequests (HTTP 429): slow down`, statusCode: 429 };
    arm.answer = () => ({ status: 'try-later', failure: throttled });

    const result = await run(deps);

    expect(result.retryLater).toStrictEqual(throttled);
    expect(result.followUp).toBeUndefined();
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([[ENABLE_WI, 'Skipped', 1]]);
    expect((await store.getAttempts(CLUSTER_ID, 'workload-identity')).count).toBe(0);
  });

  test('records a cluster ARM no longer has as Deleted', async () => {
    // Prepare: recorded once, then gone
    const { arm, store, deps } = world([{}, [FLUX_OK]]);
    await run(deps);
    arm.remove(CLUSTER_ID);

    // Act
    const result = await runEvaluation(deps, QUEUE, request(60));

    // Assess
    expect(result).toMatchObject({ found: false, failure: { kind: 'not-found' } });
    expect(result.transitions.map((t) => [t.from, t.to])).toStrictEqual([['Compliant', 'Deleted']]);
    expect((await store.getState(CLUSTER_ID))?.status).toBe('Deleted');
  });

  test("with the scan's policy, waits for each wave, evaluates again and records both evaluations", async () => {
    // Prepare: workload identity off and Flux missing; the install waits for the cluster write
    const { arm, store, deps } = world([{ workloadIdentity: false }, []]);

    // Act
    const result = await run(deps, scanPolicy({ apply: true, wait: true, record: true, approvals: [] }));

    // Assess
    expect(outcomes(result)).toStrictEqual({ [ENABLE_WI]: 'applied', [INSTALL_FLUX]: 'applied' });
    expect(arm.writes.map((write) => write.stepId)).toStrictEqual([ENABLE_WI, INSTALL_FLUX]);
    expect(result.after?.evaluation.status).toBe('Compliant');
    expect(store.rowsOf(CLUSTER_ID)).toStrictEqual([
      [ENABLE_WI, 'Succeeded', 1],
      [INSTALL_FLUX, 'Succeeded', 1],
    ]);
    const overall = (await store.listHistory(CLUSTER_ID)).filter((t) => t.ruleId === undefined).map((t) => [t.from, t.to]);
    expect(overall).toStrictEqual([
      ['NonCompliant', 'Compliant'],
      [null, 'NonCompliant'],
    ]);
    // Fixed: no attempts left behind.
    expect((await store.getAttempts(CLUSTER_ID, 'workload-identity')).count).toBe(0);
  });

  test('without a store, writes what the policy allows and records nothing', async () => {
    const { arm, store, deps } = world([{ workloadIdentity: false }, [FLUX_OK]]);
    const { records: _records, ...withoutStore } = deps;

    const result = await run(withoutStore, scanPolicy({ apply: true, wait: true, record: false, approvals: [] }));

    expect(outcomes(result)).toStrictEqual({ [ENABLE_WI]: 'applied' });
    expect(arm.writes).toHaveLength(1);
    expect(store.states.size).toBe(0);
  });

  test('refuses a policy that records without a store', async () => {
    const { deps } = world([{}, [FLUX_OK]]);
    const { records: _records, ...withoutStore } = deps;

    await expect(runEvaluation(withoutStore, QUEUE, request())).rejects.toThrow('the evaluation policy records, but no store was given');
  });
});
