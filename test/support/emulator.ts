// Real SDK clients and a raw HTTPS caller pointed at a running emulator.
import { request } from 'node:https';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { SourceControlConfigurationClient } from '@azure/arm-kubernetesconfiguration';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { RunningEmulator } from '../../emulator/index.js';

export const CLUSTER_RP = 'Microsoft.ContainerService';
export const CLUSTER_TYPE = 'managedClusters';
/**
 * The time a beforeAll gives startEmulator(): it starts in well under a second, and rejects (never waits) when it
 * cannot listen, so this is only the backstop for a machine that is badly overloaded.
 */
export const EMULATOR_START_TIMEOUT_MS = 60_000;
/** Fast polling: the emulator's LROs last tens of milliseconds in tests. */
export const POLL = { updateIntervalInMs: 10 };

export interface ClientOptions {
  token?: string;
  policies?: PipelinePolicy[];
  /** Shorten the SDK's exponential back-off (500s, resets) so fault tests stay fast. Retry-After is still honoured. */
  fastRetries?: boolean;
}

function clientOptions(emulator: RunningEmulator, options: ClientOptions) {
  return {
    endpoint: emulator.endpoint,
    tlsOptions: { ca: emulator.ca },
    additionalPolicies: (options.policies ?? []).map((policy) => ({ policy, position: 'perRetry' as const })),
    ...(options.fastRetries ? { retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 } } : {}),
  };
}

function credentialFor(token: string) {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) };
}

export function containerService(emulator: RunningEmulator, subscriptionId: string, options: ClientOptions = {}): ContainerServiceClient {
  return new ContainerServiceClient(credentialFor(options.token ?? emulator.token), subscriptionId, clientOptions(emulator, options));
}

export function extensionsClient(emulator: RunningEmulator, subscriptionId: string, options: ClientOptions = {}): SourceControlConfigurationClient {
  return new SourceControlConfigurationClient(credentialFor(options.token ?? emulator.token), subscriptionId, clientOptions(emulator, options));
}

/** A policy that records the status and headers of every attempt the SDK makes (retries included). */
export function recordResponses(): { policy: PipelinePolicy; seen: { status: number; headers: Record<string, string> }[] } {
  const seen: { status: number; headers: Record<string, string> }[] = [];
  return {
    seen,
    policy: {
      name: 'recordResponses',
      async sendRequest(pipelineRequest, next) {
        const response = await next(pipelineRequest);
        seen.push({ status: response.status, headers: response.headers.toJSON() });
        return response;
      },
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

/** One HTTPS request without the SDK, for what the SDK hides (headers, casing, raw bodies). */
export function armRequest(
  emulator: RunningEmulator,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers['authorization'] = `Bearer ${options.token ?? emulator.token}`;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const call = request(`${emulator.endpoint}${path}`, { method, headers, ca: emulator.ca, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, text });
      });
    });
    call.on('error', reject);
    call.end(payload);
  });
}

export function resourceGroupOf(id: string): string {
  const group = id.split('/')[4];
  if (!group) throw new Error(`no resource group in '${id}'`);
  return group;
}

export function errorOf(error: unknown): { statusCode?: number; code?: string; message: string } {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { statusCode, code, message } = error as { statusCode?: number; code?: string; message?: string };
  return { statusCode, code, message: message ?? '' };
}

/** @azure/arm-resources' client (providers: registration state), pointed at the emulator. */
export function resourcesClient(emulator: RunningEmulator, subscriptionId: string, options: ClientOptions = {}): ResourceManagementClient {
  return new ResourceManagementClient(credentialFor(options.token ?? emulator.token), subscriptionId, clientOptions(emulator, options));
}
