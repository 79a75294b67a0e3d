// Access to the shared real-Azure payloads (../shared/fixtures, see SOURCES.md there). Tests run from the repo root
// against compiled code in dist/, so the directory is found from the working directory, or FIXTURES_DIR.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function fixturesDir(): string {
  return process.env.FIXTURES_DIR ? path.resolve(process.env.FIXTURES_DIR) : path.resolve(process.cwd(), '..', 'shared', 'fixtures');
}

export function fixturePath(relative: string): string {
  return path.join(fixturesDir(), relative);
}

/** A fixture file, parsed. */
export function readFixture(relative: string): unknown {
  return JSON.parse(readFileSync(fixturePath(relative), 'utf8')) as unknown;
}

/** The response body of a REST spec example (`responses[status].body`). */
export function exampleResponseBody(relative: string, status = '200'): Record<string, unknown> {
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
} as const;
