// The emulator's "done when", as a plain script over the two unchanged Azure SDK packages:
//   npm run emulator -- --clusters 200 --subscriptions 4 > arm.env &   (then: set -a; . ./arm.env; set +a)
//   node dist/emulator/examples/sdk-walkthrough.js
// It lists every cluster across pages, reads one with its extensions, moves a service-principal cluster
// to managed identity with If-Match, shows the 412 a stale eTag gets, installs an extension and finds
// the events those writes raised.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { pathToFileURL } from 'node:url';
import { ContainerServiceClient, type ManagedCluster } from '@azure/arm-containerservice';
import { SourceControlConfigurationClient } from '@azure/arm-kubernetesconfiguration';

export interface WalkthroughConfig {
  endpoint: string;
  ca: string;
  token: string;
  subscriptionIds: string[];
}

export interface WalkthroughResult {
  clustersListed: number;
  pagesRead: number;
  inspectedCluster: string;
  extensionsOfInspected: string[];
  migratedCluster: string;
  identityAfter: string | undefined;
  staleETagStatus: number | undefined;
  installedExtension: string;
  events: { eventType: string; subject: string; operationName: string }[];
}

interface EventGridEvent {
  eventType: string;
  subject: string;
  data: { operationName: string };
}

const CLUSTER_RP = 'Microsoft.ContainerService';
const CLUSTER_TYPE = 'managedClusters';
const POLL = { updateIntervalInMs: 100 };

function resourceGroupOf(id: string): string {
  const group = id.split('/')[4];
  if (!group) throw new Error(`cannot read a resource group from '${id}'`);
  return group;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error ? (error as { statusCode?: number }).statusCode : undefined;
}

/** The emulator's recent-events feed (not ARM; an out-of-process stand-in for an Event Grid subscription). */
function fetchEvents(config: WalkthroughConfig): Promise<EventGridEvent[]> {
  return new Promise((resolve, reject) => {
    const call = request(`${config.endpoint}/_emulator/events`, { ca: config.ca, headers: { authorization: `Bearer ${config.token}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value: EventGridEvent[] }).value);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    call.on('error', reject);
    call.end();
  });
}

export async function runWalkthrough(config: WalkthroughConfig, log: (line: string) => void = console.log): Promise<WalkthroughResult> {
  const credential = { getToken: async () => ({ token: config.token, expiresOnTimestamp: Date.now() + 3600_000 }) };
  const options = { endpoint: config.endpoint, tlsOptions: { ca: config.ca } };

  // 1. Every cluster, page by page.
  const clusters: ManagedCluster[] = [];
  let pagesRead = 0;
  for (const subscriptionId of config.subscriptionIds) {
    const client = new ContainerServiceClient(credential, subscriptionId, options);
    for await (const page of client.managedClusters.list().byPage()) {
      pagesRead += 1;
      clusters.push(...page);
    }
  }
  log(`listed ${clusters.length} clusters in ${config.subscriptionIds.length} subscriptions over ${pagesRead} pages`);

  const subscriptionOf = (cluster: ManagedCluster): string => (cluster.id ?? '').split('/')[2] ?? '';
  const isServicePrincipal = (cluster: ManagedCluster): boolean => !cluster.identity && cluster.servicePrincipalProfile?.clientId !== 'msi';
  const target = clusters.find((cluster) => isServicePrincipal(cluster) && cluster.provisioningState === 'Succeeded');
  if (!target?.id || !target.name) throw new Error('the fleet has no idle service-principal cluster to migrate');
  const subscriptionId = subscriptionOf(target);
  const resourceGroup = resourceGroupOf(target.id);
  const containerService = new ContainerServiceClient(credential, subscriptionId, options);
  const configuration = new SourceControlConfigurationClient(credential, subscriptionId, options);

  // 2. One cluster with its extensions.
  const cluster = await containerService.managedClusters.get(resourceGroup, target.name);
  const extensions: string[] = [];
  for await (const extension of configuration.extensions.list(resourceGroup, CLUSTER_RP, CLUSTER_TYPE, target.name)) {
    extensions.push(`${extension.name ?? '?'} (${extension.extensionType ?? '?'}, ${extension.releaseTrain ?? '?'}, ${extension.provisioningState ?? '?'})`);
  }
  log(`got ${cluster.name ?? '?'}: eTag ${cluster.eTag ?? '?'}, identity ${cluster.identity?.type ?? 'none (service principal)'}, extensions: ${extensions.join(', ') || 'none'}`);

  // 3. Managed identity, guarded by the eTag just read.
  const staleETag = cluster.eTag;
  const migrated = await containerService.managedClusters.beginCreateOrUpdateAndWait(
    resourceGroup,
    target.name,
    { ...cluster, identity: { type: 'SystemAssigned' } },
    { ifMatch: staleETag, ...POLL },
  );
  log(`enabled managed identity on ${target.name}: identity ${migrated.identity?.type ?? '?'}, provisioningState ${migrated.provisioningState ?? '?'}, eTag ${migrated.eTag ?? '?'}`);

  // 4. The eTag read before that write is stale now.
  let staleETagStatus: number | undefined;
  try {
    await containerService.managedClusters.beginCreateOrUpdateAndWait(resourceGroup, target.name, { ...cluster, tags: { touchedBy: 'walkthrough' } }, { ifMatch: staleETag, ...POLL });
  } catch (error) {
    staleETagStatus = statusOf(error);
  }
  log(`a PUT with the stale eTag ${staleETag ?? '?'} got HTTP ${staleETagStatus ?? 'success (unexpected)'}`);

  // 5. Install an extension the cluster lacks.
  const extensionName = extensions.some((line) => line.startsWith('flux ')) ? 'dapr' : 'flux';
  const installed = await configuration.extensions.beginCreateAndWait(
    resourceGroup,
    CLUSTER_RP,
    CLUSTER_TYPE,
    target.name,
    extensionName,
    extensionName === 'flux'
      ? { extensionType: 'microsoft.flux', releaseTrain: 'Stable', autoUpgradeMinorVersion: true, scope: { cluster: { releaseNamespace: 'flux-system' } } }
      : { extensionType: 'microsoft.dapr', releaseTrain: 'Stable', autoUpgradeMinorVersion: true },
    POLL,
  );
  log(`installed extension ${installed.name ?? '?'} (${installed.extensionType ?? '?'} ${installed.currentVersion ?? '?'}): ${installed.provisioningState ?? '?'}`);

  // 6. The events those writes raised.
  const ours = [target.id.toLowerCase(), `${target.id}/providers/Microsoft.KubernetesConfiguration/extensions/${extensionName}`.toLowerCase()];
  const events = (await fetchEvents(config))
    .filter((event) => ours.includes(event.subject.toLowerCase()))
    .map((event) => ({ eventType: event.eventType, subject: event.subject, operationName: event.data.operationName }));
  for (const event of events) log(`event ${event.eventType} (${event.operationName}) on ${event.subject}`);

  return {
    clustersListed: clusters.length,
    pagesRead,
    inspectedCluster: target.id,
    extensionsOfInspected: extensions,
    migratedCluster: target.name,
    identityAfter: migrated.identity?.type,
    staleETagStatus,
    installedExtension: extensionName,
    events,
  };
}

function configFromEnvironment(): WalkthroughConfig {
  const missing = ['ARM_ENDPOINT', 'ARM_CA_FILE', 'ARM_TOKEN', 'ARM_SUBSCRIPTION_IDS'].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(`set ${missing.join(', ')} (source the first lines printed by \`npm run emulator\`)`);
  }
  return {
    endpoint: process.env['ARM_ENDPOINT'] ?? '',
    ca: readFileSync(process.env['ARM_CA_FILE'] ?? '', 'utf8'),
    token: process.env['ARM_TOKEN'] ?? '',
    subscriptionIds: (process.env['ARM_SUBSCRIPTION_IDS'] ?? '').split(',').filter(Boolean),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWalkthrough(configFromEnvironment()).then(
    (result) => {
      const ok = result.identityAfter === 'SystemAssigned' && result.staleETagStatus === 412 && result.events.length >= 2;
      console.log(ok ? 'walkthrough: all steps behaved like ARM' : 'walkthrough: some step did not behave like ARM');
      process.exit(ok ? 0 : 1);
    },
    (error: unknown) => {
      console.error(`walkthrough failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
