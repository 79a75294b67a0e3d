// The real Azure payloads the tests use: the same copies the emulator ships with (emulator/fixtures, provenance in
// SOURCES.md there). Imported as modules, so no test depends on the working directory.
import { fixture, type FixturePath } from '../../emulator/fixtures/index.js';

export type { FixturePath };

/** A fixture, parsed (a fresh copy each time). */
export function readFixture(relative: FixturePath): unknown {
  return fixture(relative);
}

/** The response body of a REST spec example (`responses[status].body`). */
export function exampleResponseBody(relative: FixturePath, status = '200'): Record<string, unknown> {
  const example = readFixture(relative) as { responses?: Record<string, { body?: unknown }> };
  const body = example.responses?.[status]?.body;
  if (typeof body !== 'object' || body === null) throw new Error(`${relative} has no responses["${status}"].body`);
  return body as Record<string, unknown>;
}

export const FIXTURES = {
  clusterGet: 'arm/containerservice/ManagedClustersGet.2026-05-01.json',
  clusterList: 'arm/containerservice/ManagedClustersList.2026-02-01.json',
  clusterListByGroup: 'arm/containerservice/ManagedClustersListByResourceGroup.2026-05-01.json',
  clusterListTwoPages: 'arm/derived/ManagedClustersListByResourceGroup.two-pages.derived.json',
  msiRecording: 'arm/recordings/aks-update-enable-managed-identity.azure-cli-recording.json',
  extensionGet: 'arm/kubernetesconfiguration/GetExtension.2023-05-01.json',
  extensionList: 'arm/kubernetesconfiguration/ListExtensions.2023-05-01.json',
  extensionCreate: 'arm/kubernetesconfiguration/CreateExtension.2023-05-01.json',
  extensionPatch: 'arm/kubernetesconfiguration/PatchExtension.2023-05-01.json',
} as const satisfies Record<string, FixturePath>;
