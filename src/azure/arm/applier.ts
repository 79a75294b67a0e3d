// The StepWriter port on the ARM SDKs: applies one plan step and hands back a handle on the long-running
// operation; the caller decides whether to wait for it. Cluster writes re-read the cluster, write only the step's
// change into the model as read, and carry If-Match with the eTag just read. When the cluster changed since the
// step was planned (or on a 412), the step is planned again from a fresh read with the core's own evaluateSnapshot,
// once; a concurrent change is never overwritten. Extension writes send `configurationProtectedSettings` exactly when
// the step carries protectedSettingRefs (then all of them, resolved from app settings), on a PUT and on a PATCH;
// otherwise none, and a PATCH keeps what the service has. A recreate DELETEs the extension, waits until a GET answers
// 404, then PUTs it as an install. A blocked step (PlanStep.blockedBy) is never sent.
import type { Extension, Extensions, PatchExtension } from '@azure/arm-kubernetesconfiguration';
import { createDefaultHttpClient, createPipelineRequest, type HttpClient } from '@azure/core-rest-pipeline';
import {
  clusterIdOf,
  evaluateSnapshot,
  isBusy,
  parseClusterId,
  parseExtensionId,
  sameResourceId,
  withExtensions,
  type Baseline,
  type ClusterSnapshot,
  type PlanStep,
} from '../../core/index.js';
import type { ApplyOutcome, OperationCheck, OperationHandle, OperationTarget, ReadOptions, StepWriteContext, StepWriter } from '../../ports.js';
import type { ArmClients } from './clients.js';
import { applyMergePatch, changedLeaves, clusterPatchToModel, extensionBodyToModel, extensionPatchFromRest } from './convert.js';
import { busyFailure, classifyArmError, isRetryable, operationFailure, refusedFailure, type ArmFailure } from '../errors.js';
import { readClusterForWrite, readExtensions, type ArmClientsSource } from './reader.js';

export type { ApplyOutcome, OperationHandle, OperationTarget } from '../../ports.js';

export interface ApplyStepOptions {
  /** The snapshot the step was planned from. */
  plannedFrom: ClusterSnapshot;
  /** What the step was planned with: a cluster that changed since is evaluated again with these (core evaluateSnapshot). */
  baseline: Baseline;
  now: Date;
  /** Where `{ appSetting }` protected setting references are looked up. Defaults to process.env. */
  env?: Record<string, string | undefined>;
  abortSignal?: AbortSignal;
}

/** The StepWriter port: ARM clients made on first use, protected settings resolved from `env`. */
export class ArmStepWriter implements StepWriter {
  constructor(
    private readonly clients: ArmClientsSource,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  async startStep(step: PlanStep, context: StepWriteContext): Promise<OperationHandle> {
    return applyPlanStep(await this.clients(), step, { ...context, env: this.env });
  }

  async checkOperation(operationUrl: string, resourceId: string, options?: ReadOptions): Promise<OperationCheck> {
    return checkOperationStatus(await this.clients(), operationUrl, resourceId, options);
  }
}

let httpClient: HttpClient | undefined;

/**
 * One GET of an operation's status resource (the Azure-AsyncOperation URL ARM answered a write with), through the
 * SDK client's pipeline: its credential, TLS settings, retries and pacing. The bearer token goes to the ARM endpoint
 * only: a URL elsewhere is not read.
 */
export async function checkOperationStatus(clients: ArmClients, operationUrl: string, resourceId: string, options: ReadOptions = {}): Promise<OperationCheck> {
  let url: URL;
  try {
    url = new URL(operationUrl);
  } catch {
    return { status: 'unknown', reason: 'the operation URL is not a URL' };
  }
  if (url.origin.toLowerCase() !== new URL(clients.endpoint).origin.toLowerCase()) return { status: 'unknown', reason: `the operation URL is not on ${clients.endpoint}` };
  let subscriptionId: string;
  try {
    subscriptionId = parseClusterId(clusterIdOf(resourceId)).subscriptionId;
  } catch (error) {
    return { status: 'unknown', reason: (error as Error).message };
  }
  const client = clients.containerService(subscriptionId);
  let body: { status?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    const response = await client.pipeline.sendRequest((httpClient ??= createDefaultHttpClient()), createPipelineRequest({ url: url.toString(), method: 'GET', ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) }));
    if (response.status !== 200) return { status: 'unknown', reason: `the operation status answered HTTP ${response.status}` };
    body = JSON.parse(response.bodyAsText ?? '{}') as typeof body;
  } catch (error) {
    return { status: 'unknown', reason: classifyArmError(error, resourceId).message };
  }
  const status = typeof body.status === 'string' ? body.status : '';
  if (/^succeeded$/i.test(status)) return { status: 'succeeded' };
  if (/^(failed|canceled|cancelled)$/i.test(status)) return { status: 'failed', failure: operationFailure(resourceId, status, body.error) };
  return { status: 'in-progress' };
}

const CLUSTER_RP = 'Microsoft.ContainerService';
const CLUSTER_RESOURCE_NAME = 'managedClusters';

/** Starts the step's write. Resolves once ARM has accepted (or refused) it; ARM failures come back as outcomes. */
export async function applyPlanStep(clients: ArmClients, step: PlanStep, options: ApplyStepOptions): Promise<OperationHandle> {
  const isCluster = sameResourceId(step.change.path, options.plannedFrom.id);
  // The pipeline never hands over a blocked step; a caller that does gets it back unsent.
  if (step.blockedBy) return decided(step, isCluster ? 'cluster' : 'extension', step.change.path, new Date().toISOString(), blockedOutcome(step));
  if (isCluster) return startClusterWrite(clients, step, options, 1);
  return startExtensionWrite(clients, step, options);
}

async function startClusterWrite(clients: ArmClients, step: PlanStep, options: ApplyStepOptions, replansLeft: number): Promise<OperationHandle> {
  const clusterId = options.plannedFrom.id;
  const { resourceGroup, name } = parseClusterId(clusterId);
  const startedAt = new Date().toISOString();
  const finished = (outcome: ApplyOutcome, sent: PlanStep = step): OperationHandle => decided(sent, 'cluster', clusterId, startedAt, outcome);

  let fresh;
  try {
    fresh = await readClusterForWrite(clients, clusterId, { abortSignal: options.abortSignal });
  } catch (error) {
    return finished(outcomeOf(classifyArmError(error, clusterId)));
  }

  let current = step;
  let basis = options.plannedFrom;
  if (fresh.snapshot.eTag === undefined || fresh.snapshot.eTag !== basis.eTag) {
    // Changed since it was planned (or we cannot tell): plan again from what is there now.
    let snapshot: ClusterSnapshot;
    try {
      snapshot = withExtensions(fresh.snapshot, await readExtensions(clients, parseClusterId(clusterId), { abortSignal: options.abortSignal }));
    } catch (error) {
      return finished(outcomeOf(classifyArmError(error, clusterId)));
    }
    const replanned = evaluateSnapshot(snapshot, options.baseline, { now: options.now }).plan.find((candidate) => candidate.id === step.id);
    if (!replanned) return finished({ status: 'not-needed', reason: 'the cluster changed since it was planned and no longer needs this step' });
    current = replanned;
    basis = snapshot;
    // Stopped since it was planned, say: the fresh plan's block stands.
    if (current.blockedBy) return finished(blockedOutcome(current), current);
  }

  if (isBusy(fresh.snapshot.provisioningState)) {
    return finished({ status: 'try-later', failure: busyFailure(clusterId, fresh.snapshot.provisioningState) }, current);
  }
  const eTag = fresh.snapshot.eTag;
  if (eTag === undefined) {
    return finished(
      {
        status: 'failed',
        failure: refusedFailure('MissingETag', clusterId, 'the cluster has no eTag, and a cluster is never written without If-Match'),
      },
      current,
    );
  }

  // Only the leaves the step changes: the rest of the model stays exactly as read.
  const restPatch = changedLeaves(basis.body, current.clusterPatch ?? current.change.body);
  if (Object.keys(restPatch).length === 0) return finished({ status: 'not-needed', reason: 'the planned change is already in place' }, current);
  const model = applyMergePatch(fresh.model, clusterPatchToModel(restPatch));

  let correlationId: string | undefined;
  let operationUrl: string | undefined;
  const poller = clients.containerService(parseClusterId(clusterId).subscriptionId).managedClusters.createOrUpdate(resourceGroup, name, model, {
    ifMatch: eTag,
    abortSignal: options.abortSignal,
    ...pollOptions(clients),
    onResponse: (response) => {
      correlationId ??= correlationOf(response.headers);
      operationUrl ??= response.headers.get('azure-asyncoperation') ?? undefined;
    },
  });
  try {
    await poller.submitted();
  } catch (error) {
    const failure = classifyArmError(error, clusterId);
    if (failure.kind === 'precondition' && replansLeft > 0) {
      // Someone wrote between our read and our PUT. Read again and plan again from what they wrote.
      return startClusterWrite(clients, current, { ...options, plannedFrom: basis }, replansLeft - 1);
    }
    return finished(outcomeOf(failure), current);
  }
  return {
    stepId: current.id,
    action: current.action,
    target: 'cluster',
    resourceId: clusterId,
    startedAt,
    started: true,
    step: current,
    ...(correlationId ? { correlationId } : {}),
    ...(operationUrl ? { operationUrl } : {}),
    wait: async (waitOptions) => {
      try {
        await poller.pollUntilDone({ abortSignal: waitOptions?.abortSignal });
        return { status: 'succeeded' };
      } catch (error) {
        return outcomeOf(classifyArmError(error, clusterId));
      }
    },
  };
}

async function startExtensionWrite(clients: ArmClients, step: PlanStep, options: ApplyStepOptions): Promise<OperationHandle> {
  const resourceId = step.change.path;
  const startedAt = new Date().toISOString();
  const finished = (outcome: ApplyOutcome): OperationHandle => decided(step, 'extension', resourceId, startedAt, outcome);
  let ref;
  try {
    ref = parseExtensionId(resourceId);
  } catch (error) {
    return finished({ status: 'failed', failure: { kind: 'permanent', code: 'InvalidStep', message: `step ${step.id}: ${(error as Error).message}` } });
  }
  if (!sameResourceId(parseClusterId(options.plannedFrom.id).subscriptionId, ref.subscriptionId)) {
    // Cheap guard against a plan applied to the wrong cluster.
    return finished({ status: 'failed', failure: { kind: 'permanent', code: 'InvalidStep', message: `step ${step.id}: ${resourceId} is not on ${options.plannedFrom.id}` } });
  }

  const clusterState = options.plannedFrom.provisioningState;
  if (isBusy(clusterState)) {
    return finished({ status: 'try-later', failure: busyFailure(options.plannedFrom.id, clusterState) });
  }
  const existingState = options.plannedFrom.extensions.find((extension) => extension.name.toLowerCase() === ref.extensionName.toLowerCase())?.provisioningState;
  if (isBusy(existingState)) {
    return finished({ status: 'try-later', failure: busyFailure(resourceId, existingState) });
  }

  const extensions = clients.kubernetesConfiguration(ref.subscriptionId).extensions;
  let correlationId: string | undefined;
  let operationUrl: string | undefined;
  const requestOptions = {
    abortSignal: options.abortSignal,
    ...pollOptions(clients),
    onResponse: (response: { headers: { get(name: string): string | undefined } }) => {
      correlationId ??= correlationOf(response.headers);
      operationUrl ??= response.headers.get('azure-asyncoperation');
    },
  };
  // Resolved before anything is sent: a recreate whose protected settings cannot be resolved must not delete.
  const resolved = resolveProtectedSettings(step, resourceId, options.env ?? process.env);
  if ('failure' in resolved) return finished({ status: 'failed', failure: resolved.failure });

  let poller;
  try {
    if (step.change.recreate?.deleteFirst) {
      // Delete, wait until it is gone, then create: the settings that cannot change take their new values only so.
      const deleted = await deleteAndWaitUntilGone(extensions, ref, resourceId, { ...requestOptions });
      if (deleted) return finished(deleted);
      // The operation to read later is the create's, not the delete's.
      operationUrl = undefined;
    }
    if (step.change.method === 'PATCH') {
      const patch = extensionPatchFromRest(step.change.body) as PatchExtension;
      // With protectedSettingRefs the PATCH carries every protected setting the baseline declares (one that carries
      // some deletes the others); without, it carries none and the service keeps what it has.
      if (resolved.settings) patch.configurationProtectedSettings = resolved.settings;
      poller = await extensions.beginUpdate(ref.resourceGroup, CLUSTER_RP, CLUSTER_RESOURCE_NAME, ref.name, ref.extensionName, patch, requestOptions);
    } else {
      const extension = extensionBodyToModel(step.change.body) as Extension;
      delete extension.configurationProtectedSettings;
      if (resolved.settings) extension.configurationProtectedSettings = resolved.settings;
      poller = await extensions.beginCreate(ref.resourceGroup, CLUSTER_RP, CLUSTER_RESOURCE_NAME, ref.name, ref.extensionName, extension, requestOptions);
    }
  } catch (error) {
    return finished(outcomeOf(classifyArmError(error, resourceId)));
  }
  const started = poller;
  return {
    stepId: step.id,
    action: step.action,
    target: 'extension',
    resourceId,
    startedAt,
    started: true,
    step,
    ...(correlationId ? { correlationId } : {}),
    ...(operationUrl ? { operationUrl } : {}),
    wait: async (waitOptions) => {
      try {
        await started.pollUntilDone({ abortSignal: waitOptions?.abortSignal });
        return { status: 'succeeded' };
      } catch (error) {
        return outcomeOf(classifyArmError(error, resourceId));
      }
    },
  };
}

/**
 * The first half of a recreate: DELETE the extension, wait for the operation, then GET until ARM answers 404 (the
 * extension's delete is done when it is gone, not when its operation says so). Undefined when it is gone; otherwise
 * the outcome to report (nothing was created).
 */
async function deleteAndWaitUntilGone(
  extensions: Extensions,
  ref: ReturnType<typeof parseExtensionId>,
  resourceId: string,
  requestOptions: { abortSignal?: AbortSignal | undefined; updateIntervalInMs?: number },
): Promise<ApplyOutcome | undefined> {
  const args = [ref.resourceGroup, CLUSTER_RP, CLUSTER_RESOURCE_NAME, ref.name, ref.extensionName] as const;
  try {
    await extensions.beginDeleteAndWait(...args, requestOptions);
  } catch (error) {
    const failure = classifyArmError(error, resourceId);
    if (failure.kind !== 'not-found') return outcomeOf(failure);
  }
  const interval = requestOptions.updateIntervalInMs ?? DEFAULT_GONE_POLL_MS;
  for (let check = 0; check < GONE_CHECKS; check += 1) {
    try {
      await extensions.get(...args, { abortSignal: requestOptions.abortSignal });
    } catch (error) {
      const failure = classifyArmError(error, resourceId);
      if (failure.kind === 'not-found') return undefined;
      return outcomeOf(failure);
    }
    await sleep(interval, requestOptions.abortSignal);
  }
  return { status: 'try-later', failure: busyFailure(resourceId, 'Deleting') };
}

/** How often, and how many times, a recreate looks for the deleted extension to be gone. */
const DEFAULT_GONE_POLL_MS = 2_000;
const GONE_CHECKS = 30;

function sleep(ms: number, abortSignal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    abortSignal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * Protected setting values are looked up at apply time and only ever placed in the request body: never returned,
 * stored or logged. A missing value fails the step rather than writing without it. `settings` is undefined when the
 * step carries no references: then the write sends no `configurationProtectedSettings` at all.
 */
function resolveProtectedSettings(
  step: PlanStep,
  resourceId: string,
  env: Record<string, string | undefined>,
): { settings: Record<string, string> | undefined } | { failure: ArmFailure } {
  if (step.protectedSettingRefs === undefined) return { settings: undefined };
  const settings: Record<string, string> = {};
  for (const [name, ref] of Object.entries(step.protectedSettingRefs)) {
    if ('keyVaultSecretUri' in ref) {
      return {
        failure: refusedFailure(
          'ProtectedSettingUnsupported',
          resourceId,
          `protected setting "${name}" refers to a Key Vault secret; only { appSetting } references are supported. Put the value in an app setting and reference it by name.`,
        ),
      };
    }
    const value = env[ref.appSetting];
    if (value === undefined || value === '') {
      return { failure: refusedFailure('ProtectedSettingMissing', resourceId, `protected setting "${name}" comes from app setting ${ref.appSetting}, which is not set`) };
    }
    settings[name] = value;
  }
  return { settings };
}

function decided(step: PlanStep, target: OperationTarget, resourceId: string, startedAt: string, outcome: ApplyOutcome): OperationHandle {
  return {
    stepId: step.id,
    action: step.action,
    target,
    resourceId,
    startedAt,
    started: false,
    step,
    wait: async () => outcome,
  };
}

/** A blocked step is not sent: "not now" (nothing was tried), with the block's reason as the code. */
function blockedOutcome(step: PlanStep): ApplyOutcome {
  const blockedBy = step.blockedBy as NonNullable<PlanStep['blockedBy']>;
  return { status: 'try-later', failure: { kind: 'conflict', code: blockedBy.reason, message: `${step.change.path}: ${blockedBy.reason}: ${blockedBy.message}` } };
}

function outcomeOf(failure: ArmFailure): ApplyOutcome {
  // A 412 after the one re-plan is "not now" too: the next evaluation reads and plans afresh.
  if (isRetryable(failure.kind) || failure.kind === 'precondition') return { status: 'try-later', failure };
  return { status: 'failed', failure };
}

function pollOptions(clients: ArmClients): { updateIntervalInMs?: number } {
  return clients.pollIntervalInMs === undefined ? {} : { updateIntervalInMs: clients.pollIntervalInMs };
}

function correlationOf(headers: { get(name: string): string | undefined }): string | undefined {
  return headers.get('x-ms-correlation-request-id') ?? headers.get('x-ms-request-id');
}
