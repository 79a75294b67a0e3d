// The facts about resources around a cluster that an evaluation needs besides the cluster itself (EvaluationFacts):
// which ones a baseline wants for a cluster, so the edge reads exactly those, and the parser of a facts document (the
// offline `evaluate --facts`). Pure.
import type { Baseline } from './baseline.js';
import { isObject } from './cluster-body.js';
import { InvalidInputError } from './errors.js';
import { profileFor } from './extension-types/index.js';
import { resolveSettings } from './placeholders.js';
import type { ClusterSnapshot, EvaluationFacts, StorageAccountFacts } from './types.js';

/** What the edge reads for one cluster. Empty lists and `tenant: false` mean nothing to read. */
export interface FactsWanted {
  /** The cluster's subscription: provider registrations and the tenant are read there. */
  subscriptionId: string;
  /** Resource provider namespaces whose registration state is read, once each. */
  providers: string[];
  /** Whether the tenant of the subscription is read. */
  tenant: boolean;
  /** Storage account resource ids, once each (as the settings name them). */
  storageAccounts: string[];
}

/**
 * The facts the baseline's required extensions need on this cluster: the providers their prerequisites check, and
 * what their profiles name in the settings as filled in for this cluster. Nothing when there are no required extensions.
 */
export function factsWanted(snapshot: Pick<ClusterSnapshot, 'name' | 'resourceGroup' | 'subscriptionId' | 'location'>, baseline: Pick<Baseline, 'requiredExtensions'>): FactsWanted {
  const providers = new Map<string, string>();
  const accounts = new Map<string, string>();
  let tenant = false;
  for (const entry of baseline.requiredExtensions) {
    const profile = profileFor(entry.extensionType);
    for (const prerequisite of profile.prerequisites ?? []) {
      if (prerequisite.provider) providers.set(prerequisite.provider.toLowerCase(), prerequisite.provider);
    }
    const wanted = profile.factsWanted?.(resolveSettings(entry.configurationSettings, snapshot).settings) ?? {};
    tenant ||= wanted.tenant === true;
    for (const id of wanted.storageAccounts ?? []) accounts.set(id.toLowerCase(), id);
  }
  return { subscriptionId: snapshot.subscriptionId, providers: [...providers.values()], tenant, storageAccounts: [...accounts.values()] };
}

/** Whether there is anything to read. */
export function wantsAnyFact(wanted: FactsWanted): boolean {
  return wanted.providers.length > 0 || wanted.tenant || wanted.storageAccounts.length > 0;
}

const STORAGE_ACCOUNT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i;

/** The subscription, resource group and name in a storage account id; undefined when `id` is not one. */
export function storageAccountAddress(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const match = STORAGE_ACCOUNT_ID.exec(id.trim());
  return match ? { subscriptionId: match[1] as string, resourceGroup: match[2] as string, name: match[3] as string } : undefined;
}

const FACT_KEYS = ['tenantId', 'providerRegistrations', 'storageAccounts', 'missingStorageAccounts'];

/**
 * A facts document: `{ tenantId?, providerRegistrations?: { namespace: state }, storageAccounts?: { id: { location,
 * blobEndpoint, blobContainers? } }, missingStorageAccounts?: [id] }`, the shape of EvaluationFacts. Throws InvalidInputError naming every problem.
 */
export function parseEvaluationFacts(document: unknown): EvaluationFacts {
  if (!isObject(document)) throw new InvalidInputError(['(root): must be an object with tenantId, providerRegistrations and/or storageAccounts']);
  const problems: string[] = [];
  const facts: EvaluationFacts = {};
  for (const key of Object.keys(document)) {
    if (!FACT_KEYS.includes(key)) problems.push(`${key}: is not a fact (known: ${FACT_KEYS.join(', ')})`);
  }
  const { tenantId, providerRegistrations, storageAccounts, missingStorageAccounts } = document;
  if (tenantId !== undefined) {
    if (typeof tenantId === 'string' && tenantId.trim() !== '') facts.tenantId = tenantId;
    else problems.push('tenantId: must be a non-empty string');
  }
  if (providerRegistrations !== undefined) {
    if (!isObject(providerRegistrations)) problems.push('providerRegistrations: must be an object of namespace -> registrationState');
    else {
      const states: Record<string, string> = {};
      for (const [namespace, state] of Object.entries(providerRegistrations)) {
        if (typeof state === 'string' && state !== '') states[namespace] = state;
        else problems.push(`providerRegistrations.${namespace}: must be a registration state such as "Registered" or "NotRegistered"`);
      }
      facts.providerRegistrations = states;
    }
  }
  if (storageAccounts !== undefined) {
    if (!isObject(storageAccounts)) problems.push('storageAccounts: must be an object of storage account id -> { location, blobEndpoint }');
    else {
      const accounts: Record<string, StorageAccountFacts> = {};
      for (const [id, value] of Object.entries(storageAccounts)) {
        const at = `storageAccounts[${JSON.stringify(id)}]`;
        if (!storageAccountAddress(id)) problems.push(`${at}: is not a storage account resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>)`);
        if (!isObject(value)) {
          problems.push(`${at}: must be an object with location and blobEndpoint`);
          continue;
        }
        const { location, blobEndpoint, blobContainers } = value;
        if (typeof location !== 'string' || location === '') problems.push(`${at}.location: must be the account's region, e.g. "eastus"`);
        if (typeof blobEndpoint !== 'string' || !/^https:\/\//i.test(blobEndpoint)) problems.push(`${at}.blobEndpoint: must be the account's https:// blob endpoint (primaryEndpoints.blob)`);
        if (blobContainers !== undefined && !(Array.isArray(blobContainers) && blobContainers.every((name) => typeof name === 'string'))) problems.push(`${at}.blobContainers: must be a list of container names`);
        if (typeof location === 'string' && typeof blobEndpoint === 'string') {
          accounts[id] = { location, blobEndpoint, ...(Array.isArray(blobContainers) ? { blobContainers: blobContainers as string[] } : {}) };
        }
      }
      facts.storageAccounts = accounts;
    }
  }
  if (missingStorageAccounts !== undefined) {
    if (!Array.isArray(missingStorageAccounts)) problems.push('missingStorageAccounts: must be a list of storage account resource ids');
    else {
      missingStorageAccounts.forEach((id: unknown, index) => {
        if (typeof id !== 'string' || !storageAccountAddress(id)) problems.push(`missingStorageAccounts[${index}]: is not a storage account resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>)`);
      });
      facts.missingStorageAccounts = missingStorageAccounts.filter((id): id is string => typeof id === 'string');
    }
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
  return facts;
}
