// Shared set-up for the ARM adapter tests: the real SDK clients, pointed at the in-process HTTPS emulator.
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { createArmClients, type ArmClients, type ArmClientsOptions } from '../../src/azure/arm/index.js';
import { validateBaseline, type Baseline } from '../../src/core/index.js';
import { generateFleet, type RunningEmulator } from '../../emulator/index.js';

/** Short waits so the suite stays fast; the behaviour under test does not depend on them. */
export const FAST_CLIENT_OPTIONS: ArmClientsOptions = {
  pollIntervalInMs: 20,
  retry: { retryDelayInMs: 20, maxRetryDelayInMs: 500 },
};

export function clientsFor(emulator: RunningEmulator, options: ArmClientsOptions & { token?: string } = {}): ArmClients {
  const { token, ...rest } = options;
  return createArmClients({ endpoint: emulator.endpoint, caFile: emulator.caFile, token: token ?? emulator.token }, { ...FAST_CLIENT_OPTIONS, ...rest });
}

export interface CapturedRequest {
  method: string;
  url: string;
  body: unknown;
}

/** A policy that records what the SDK puts on the wire (method, url, JSON body). */
export function captureRequests(): { policy: PipelinePolicy; requests: CapturedRequest[] } {
  const requests: CapturedRequest[] = [];
  return {
    requests,
    policy: {
      name: 'testCaptureRequests',
      sendRequest: async (request, next) => {
        const body = typeof request.body === 'string' && request.body.length > 0 ? (JSON.parse(request.body) as unknown) : undefined;
        const captured = { method: request.method, url: request.url, body };
        requests.push(captured);
        const response = await next(request);
        // Policies later in the pipeline may rewrite the URL (the Extensions client's custom api-version): keep what was sent.
        captured.url = request.url;
        return response;
      },
    },
  };
}

/** Baseline used by the adapter tests: every cluster rule automatic, Flux required. */
export function autoBaseline(overrides: Record<string, unknown> = {}): Baseline {
  return validateBaseline({
    version: 1,
    rules: {
      managedIdentity: { mode: 'auto' },
      podIdentityDisabled: { mode: 'auto' },
      workloadIdentity: { mode: 'auto' },
    },
    requiredExtensions: [{ name: 'flux', extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, mode: 'auto' }],
    ...overrides,
  });
}

export const SUBSCRIPTION = '6b3ea2d4-1f0c-4e5a-9b7d-2c8e1f4a6d90';

export function clusterIdFor(name: string, resourceGroup = 'rg-test', subscriptionId = SUBSCRIPTION): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

const NO_DRIFT = {
  servicePrincipal: 0, podIdentity: 0, noOidcIssuer: 0, noWorkloadIdentity: 0, missingExtension: 0, extensionFailed: 0,
  extensionWrongReleaseTrain: 0, extensionPinnedVersion: 0, updating: 0, unsupportedRegion: 0, oldKubernetes: 0, exempt: 0,
};

/**
 * A realistic, compliant cluster body (the emulator's fleet generator, built from the spec and recorded payloads),
 * renamed to `name`, with `change` applied to its REST body. Returns the body and its Flux extension.
 */
export function clusterBody(name: string, change: (body: Json) => void = () => {}, resourceGroup = 'rg-test'): { id: string; body: Json; extensions: Json[] } {
  const [generated] = generateFleet({ clusters: 1, subscriptions: 1, seed: 7, drift: NO_DRIFT }).clusters;
  if (!generated) throw new Error('the fleet generator returned no cluster');
  const id = clusterIdFor(name, resourceGroup);
  const body: Json = structuredClone(generated.body);
  body['id'] = id;
  body['name'] = name;
  change(body);
  const extensions = generated.extensions.map((extension) => {
    const copy: Json = structuredClone(extension);
    copy['id'] = `${id}/providers/Microsoft.KubernetesConfiguration/extensions/${String(copy['name'])}`;
    return copy;
  });
  return { id, body, extensions };
}

export function seedCluster(emulator: RunningEmulator, name: string, change?: (body: Json) => void, options: { extensions?: boolean } = {}): string {
  const { id, body, extensions } = clusterBody(name, change);
  emulator.putCluster(body);
  if (options.extensions !== false) for (const extension of extensions) emulator.putExtension(id, extension);
  return id;
}

export type Json = Record<string, unknown>;

/** The value at a dotted path of free-form JSON (`properties.securityProfile.workloadIdentity.enabled`). */
export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Json)[key];
  }
  return current;
}

/** Sets a dotted path, creating objects on the way. */
export function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let current = target;
  for (const key of keys) {
    const next = current[key];
    if (typeof next !== 'object' || next === null) current[key] = {};
    current = current[key] as Json;
  }
  if (value === undefined) delete current[last];
  else current[last] = value;
}
