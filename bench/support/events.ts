// Event Grid events for benchmarks: a write to a cluster or to one of its extensions by someone other than the
// app, shaped by the emulator's builder (the Azure Resources system-topic layout of the docs' samples).
import { buildEvent, type EmulatorEvent } from '../../emulator/events.js';
import { EMULATOR_TENANT_ID, type CallerIdentity } from '../../emulator/index.js';

/** Someone other than the app (a person or a pipeline) changing clusters: their events start evaluations. */
export const ANOTHER_PARTY: CallerIdentity = { appId: '3b6f0d2e-8c1a-4f5b-9e7d-1a2b3c4d5e6f', objectId: '6e5d4c3b-2a19-4807-b6f5-e4d3c2b1a098', tenantId: EMULATOR_TENANT_ID };

export type EventTarget = 'cluster' | 'extension';

export function writeByAnotherParty(clusterId: string, target: EventTarget, at = new Date()): EmulatorEvent {
  const subscriptionId = /\/subscriptions\/([^/]+)/i.exec(clusterId)?.[1];
  if (!subscriptionId) throw new Error(`not a cluster id: ${clusterId}`);
  const resourceId = target === 'cluster' ? clusterId : `${clusterId}/providers/Microsoft.KubernetesConfiguration/extensions/flux`;
  const resourceType = target === 'cluster' ? 'Microsoft.ContainerService/managedClusters' : 'Microsoft.KubernetesConfiguration/extensions';
  const correlationId = crypto.randomUUID();
  return buildEvent(
    { action: 'write', resourceId, subscriptionId, resourceType },
    {
      caller: ANOTHER_PARTY,
      correlationId,
      clientRequestId: correlationId,
      clientIpAddress: '10.0.0.4',
      method: 'PUT',
      url: `https://management.azure.com${resourceId}?api-version=2026-06-01`,
    },
    at,
  );
}

/** Fisher-Yates with a seeded generator, so a run can be repeated exactly. */
export function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    // xorshift32: plenty for shuffling a benchmark's input.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
