// The maintenance-configuration reader on the real SDK client, with ARM answered in memory by a pipeline policy that
// never calls the network (the emulator does not serve maintenance configurations yet). The bodies are built from the
// spec's MaintenanceConfigurationsList_MaintenanceWindow.json example values (2026-06-01).
import { describe, expect, test } from '@jest/globals';
import { createHttpHeaders, type PipelinePolicy, type PipelineRequest } from '@azure/core-rest-pipeline';
import { classifyArmError, createArmClients, FixedTokenCredential, readMaintenanceConfigs } from '../../../../src/azure/arm/index.js';
import { rejectionOf } from '../../../support/rejection.js';

type Json = Record<string, unknown>;

const ENDPOINT = 'https://management.azure.com';
const CLUSTER = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1';
const NOT_ALLOWED = [
  { start: '2023-02-18', end: '2023-02-25' },
  { start: '2023-12-23', end: '2024-01-05' },
];

function config(name: string, properties: Json): Json {
  return { id: `${CLUSTER}/maintenanceConfigurations/${name}`, name, type: 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations', properties };
}

const NODE_OS = config('aksManagedNodeOSUpgradeSchedule', {
  maintenanceWindow: { schedule: { daily: { intervalDays: 5 } }, durationHours: 10, utcOffset: '-07:00', startDate: '2023-01-01', startTime: '13:30' },
});
const AUTO_UPGRADE = config('aksManagedAutoUpgradeSchedule', {
  maintenanceWindow: {
    schedule: { absoluteMonthly: { intervalMonths: 3, dayOfMonth: 15 } },
    durationHours: 5,
    utcOffset: '+00:00',
    startDate: '2023-01-01',
    startTime: '08:30',
    notAllowedDates: NOT_ALLOWED,
  },
});

interface Answer {
  status: number;
  body: unknown;
}

/** Clients whose every request is answered by `answer` (by URL), recording the requests. */
function clientsAnswering(answer: (url: URL) => Answer): { clients: ReturnType<typeof createArmClients>; requests: PipelineRequest[] } {
  const requests: PipelineRequest[] = [];
  const policy: PipelinePolicy = {
    name: 'testInMemoryArm',
    sendRequest: async (request) => {
      requests.push(request);
      const { status, body } = answer(new URL(request.url));
      return { request, status, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: JSON.stringify(body) };
    },
  };
  const clients = createArmClients({ endpoint: ENDPOINT }, { credential: new FixedTokenCredential('test'), additionalPolicies: [policy], retry: { maxRetries: 0 } });
  return { clients, requests };
}

describe('readMaintenanceConfigs', () => {
  test('reads the spec list example into the window model, by configuration name', async () => {
    // Prepare
    const { clients, requests } = clientsAnswering(() => ({ status: 200, body: { value: [NODE_OS, AUTO_UPGRADE] } }));

    // Act
    const read = await readMaintenanceConfigs(clients, CLUSTER);

    // Assess
    expect(requests.map((r) => [r.method, new URL(r.url).pathname])).toStrictEqual([['GET', `${CLUSTER}/maintenanceConfigurations`]]);
    expect(read).toStrictEqual({
      clusterId: CLUSTER,
      configurations: {
        aksManagedNodeOSUpgradeSchedule: {
          name: 'aksManagedNodeOSUpgradeSchedule',
          maintenanceWindow: { schedule: { type: 'daily', intervalDays: 5 }, durationHours: 10, utcOffset: '-07:00', startDate: '2023-01-01', startTime: '13:30', notAllowedDates: [] },
          timeInWeek: [],
          notAllowedTime: [],
        },
        aksManagedAutoUpgradeSchedule: {
          name: 'aksManagedAutoUpgradeSchedule',
          maintenanceWindow: {
            schedule: { type: 'absoluteMonthly', intervalMonths: 3, dayOfMonth: 15 },
            durationHours: 5,
            utcOffset: '+00:00',
            startDate: '2023-01-01',
            startTime: '08:30',
            notAllowedDates: NOT_ALLOWED,
          },
          timeInWeek: [],
          notAllowedTime: [],
        },
      },
      unreadable: [],
    });
  });

  test('reports a configuration that does not parse, with the values ARM sent, and still reads the others', async () => {
    // Prepare: a legacy default with an hour slot out of range, and a start date the SDK's deserializer (new Date)
    // would silently turn into 2023-03-02: reading the body as ARM sent it is what catches it.
    const broken = config('default', { timeInWeek: [{ day: 'Monday', hourSlots: [1, 24] }] });
    const badDate = config('aksManagedAutoUpgradeSchedule', { maintenanceWindow: { ...(AUTO_UPGRADE.properties as { maintenanceWindow: Json }).maintenanceWindow, startDate: '2023-02-30' } });
    const { clients } = clientsAnswering(() => ({ status: 200, body: { value: [broken, NODE_OS, badDate] } }));

    // Act
    const read = await readMaintenanceConfigs(clients, CLUSTER);

    // Assess
    expect(Object.keys(read.configurations)).toStrictEqual(['aksManagedNodeOSUpgradeSchedule']);
    expect(read.unreadable).toStrictEqual([
      { name: 'default', problems: ['properties.timeInWeek[0].hourSlots[1]: must be an integer from 0 to 23, got 24'] },
      { name: 'aksManagedAutoUpgradeSchedule', problems: ['properties.maintenanceWindow.startDate: must be a date (yyyy-mm-dd), got "2023-02-30"'] },
    ]);
  });

  test('follows nextLink; later pages are read from the SDK models to the same result', async () => {
    // Prepare
    const next = `${ENDPOINT}${CLUSTER}/maintenanceConfigurations?api-version=2026-06-01&$skipToken=2`;
    const { clients, requests } = clientsAnswering((url) =>
      url.searchParams.has('$skipToken') ? { status: 200, body: { value: [AUTO_UPGRADE] } } : { status: 200, body: { value: [NODE_OS], nextLink: next } },
    );
    const { clients: onePage } = clientsAnswering(() => ({ status: 200, body: { value: [NODE_OS, AUTO_UPGRADE] } }));

    // Act
    const paged = await readMaintenanceConfigs(clients, CLUSTER);
    const single = await readMaintenanceConfigs(onePage, CLUSTER);

    // Assess
    expect(requests).toHaveLength(2);
    expect(paged).toStrictEqual(single);
  });

  test('a cluster without configurations reads as empty', async () => {
    const { clients } = clientsAnswering(() => ({ status: 200, body: { value: [] } }));

    await expect(readMaintenanceConfigs(clients, CLUSTER)).resolves.toStrictEqual({ clusterId: CLUSTER, configurations: {}, unreadable: [] });
  });

  test('a failed list throws the SDK error, which classifies as for any other read', async () => {
    // Prepare
    const { clients } = clientsAnswering(() => ({ status: 404, body: { error: { code: 'ResourceNotFound', message: 'The Resource clustername1 was not found.' } } }));

    // Act
    const error = await rejectionOf(readMaintenanceConfigs(clients, CLUSTER));

    // Assess
    expect(classifyArmError(error, CLUSTER)).toMatchObject({ kind: 'not-found', code: 'ResourceNotFound' });
  });

  test('rejects an id that is not a cluster id before any request', async () => {
    const { clients, requests } = clientsAnswering(() => ({ status: 200, body: { value: [] } }));

    await expect(readMaintenanceConfigs(clients, '/subscriptions/x/resourceGroups/rg1')).rejects.toThrow(/is not a managed cluster resource id/);
    expect(requests).toHaveLength(0);
  });
});
