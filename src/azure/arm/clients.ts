// The official ARM SDK clients, configured once: endpoint, trusted CA, token scope, the SDK's own retry policy,
// and our pacing/counting policy. Clients are cached per subscription; all of them share one pacer, because ARM
// meters the subscription and the caller, not the client object.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { SourceControlConfigurationClient } from '@azure/arm-kubernetesconfiguration';
import { ResourceManagementClient } from '@azure/arm-resources';
import { StorageManagementClient } from '@azure/arm-storage';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy, PipelineRetryOptions, TlsSettings } from '@azure/core-rest-pipeline';
import type { AppConfig } from '../../config.js';
import { createArmCredential } from './credentials.js';
import { ArmRequestPacer, type ArmPacerOptions, type ArmRequestStats } from './pacing.js';

export interface ArmClientsOptions {
  /** Defaults to createArmCredential(arm, managedIdentityClientId). */
  credential?: TokenCredential;
  managedIdentityClientId?: string;
  /** The SDK retry policy. Defaults: 8 retries, 0.5 s base delay, 60 s cap (429/503 wait for Retry-After instead). */
  retry?: PipelineRetryOptions;
  /** How often LRO pollers poll when the service gives no Retry-After. Defaults to the SDK's own (2 s). */
  pollIntervalInMs?: number;
  /** Collects request counts; pass one object to several client sets to get totals. */
  stats?: ArmRequestStats;
  pacing?: ArmPacerOptions;
  /** More pipeline policies (telemetry, request capture in tests), run once per operation before the retry policy. */
  additionalPolicies?: PipelinePolicy[];
}

/** What the SDKs need to reach one ARM endpoint. Build with `createArmClients`. */
export interface ArmClients {
  readonly endpoint: string;
  readonly stats: ArmRequestStats;
  readonly pollIntervalInMs: number | undefined;
  containerService(subscriptionId: string): ContainerServiceClient;
  kubernetesConfiguration(subscriptionId: string): SourceControlConfigurationClient;
  subscriptions(): SubscriptionClient;
  /** Resource providers (registration state). */
  resources(subscriptionId: string): ResourceManagementClient;
  /** Storage accounts (region, blob endpoint): Azure Backup's account. */
  storage(subscriptionId: string): StorageManagementClient;
}

const PUBLIC_ARM_HOST = 'management.azure.com';

/**
 * The Extensions api-version every extension request uses: the first stable one whose answers say whether AKS manages
 * an extension (`managedBy`, `properties.managementDetails`; REST spec 2025-03-01, example GetExtensionWithManagedBy).
 * Writes at it take the same bodies as at the SDK's 2023-05-01.
 */
export const EXTENSIONS_API_VERSION = '2025-03-01';

/** The AAD scope for an ARM endpoint: the documented one for public Azure, `<origin>/.default` elsewhere. */
export function armCredentialScope(endpoint: string): string {
  const url = new URL(endpoint);
  return url.hostname.toLowerCase() === PUBLIC_ARM_HOST ? 'https://management.azure.com/.default' : `${url.origin}/.default`;
}

/**
 * Reads ARM_CA_FILE into TLS settings. The file is trusted in addition to the public roots, so the same
 * setting works for the emulator and for an endpoint behind a TLS-inspecting proxy.
 */
export function loadArmTlsSettings(caFile: string | undefined): TlsSettings | undefined {
  if (caFile === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new Error(`ARM_CA_FILE: cannot read "${caFile}" (${(error as Error).message})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`ARM_CA_FILE: "${caFile}" holds no PEM certificate`);
  return { ca: [...rootCertificates, pem] };
}

export function createArmClients(arm: AppConfig['arm'], options: ArmClientsOptions = {}): ArmClients {
  const endpoint = arm.endpoint.replace(/\/+$/, '');
  if (!/^https:\/\//i.test(endpoint)) throw new Error(`ARM endpoint: must be an https:// URL, got "${arm.endpoint}"`);
  const credential = options.credential ?? createArmCredential(arm, options.managedIdentityClientId);
  const pacer = new ArmRequestPacer(options.stats, options.pacing);
  // One settings object for every client: the node HTTP client caches its keep-alive agent per settings object.
  const tlsOptions = loadArmTlsSettings(arm.caFile);
  const scope = armCredentialScope(endpoint);
  const common = {
    endpoint,
    retryOptions: { maxRetries: 8, retryDelayInMs: 500, maxRetryDelayInMs: 60_000, ...options.retry },
    // perRetry: pace and count every attempt on the wire, including the SDK's retries after a 429 or 5xx.
    additionalPolicies: [
      ...(options.additionalPolicies ?? []).map((policy) => ({ policy, position: 'perCall' as const })),
      { policy: pacer.policy(), position: 'perRetry' as const },
    ],
    ...(tlsOptions ? { tlsOptions } : {}),
  };

  const containerService = new Map<string, ContainerServiceClient>();
  const kubernetesConfiguration = new Map<string, SourceControlConfigurationClient>();
  const resources = new Map<string, ResourceManagementClient>();
  const storage = new Map<string, StorageManagementClient>();
  let subscriptionClient: SubscriptionClient | undefined;
  /** One client per subscription and kind, made on first use. */
  const cached = <T>(clientsOf: Map<string, T>, subscriptionId: string, make: () => T): T => {
    const key = subscriptionId.toLowerCase();
    let client = clientsOf.get(key);
    if (!client) {
      client = make();
      clientsOf.set(key, client);
    }
    return client;
  };

  return {
    endpoint,
    stats: pacer.stats,
    pollIntervalInMs: options.pollIntervalInMs,
    containerService(subscriptionId) {
      const key = subscriptionId.toLowerCase();
      let client = containerService.get(key);
      if (!client) {
        client = new ContainerServiceClient(credential, subscriptionId, { ...common, credentials: { scopes: [scope] } });
        containerService.set(key, client);
      }
      return client;
    },
    kubernetesConfiguration(subscriptionId) {
      const key = subscriptionId.toLowerCase();
      let client = kubernetesConfiguration.get(key);
      if (!client) {
        // This older generated client builds URLs from `$host`; `endpoint` only feeds its pipeline. Its model is
        // 2023-05-01's; at EXTENSIONS_API_VERSION ARM also returns managedBy and managementDetails (reader.ts).
        client = new SourceControlConfigurationClient(credential, subscriptionId, { ...common, $host: endpoint, credentialScopes: [scope], apiVersion: EXTENSIONS_API_VERSION });
        kubernetesConfiguration.set(key, client);
      }
      return client;
    },
    subscriptions() {
      subscriptionClient ??= new SubscriptionClient(credential, { ...common, credentials: { scopes: [scope] } });
      return subscriptionClient;
    },
    resources(subscriptionId) {
      return cached(resources, subscriptionId, () => new ResourceManagementClient(credential, subscriptionId, { ...common, credentials: { scopes: [scope] } }));
    },
    storage(subscriptionId) {
      return cached(storage, subscriptionId, () => new StorageManagementClient(credential, subscriptionId, { ...common, credentials: { scopes: [scope] } }));
    },
  };
}
