// Cluster bodies start from the real payloads in ../shared/fixtures (beside the project, also in CI),
// so every field a real cluster carries is there.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArmObject } from './store.js';

const GET_FIXTURE = 'arm/containerservice/ManagedClustersGet.2026-05-01.json';
const RECORDING_FIXTURE = 'arm/recordings/aks-update-enable-managed-identity.azure-cli-recording.json';

function fixturesDirectory(): string {
  const configured = process.env['ARM_EMULATOR_FIXTURES'];
  if (configured) {
    if (!existsSync(join(configured, GET_FIXTURE))) throw new Error(`ARM_EMULATOR_FIXTURES=${configured} does not contain ${GET_FIXTURE}`);
    return configured;
  }
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, 'shared', 'fixtures');
    if (existsSync(join(candidate, GET_FIXTURE))) return candidate;
    const parent = resolve(directory, '..');
    if (parent === directory) break;
    directory = parent;
  }
  throw new Error(`cannot find shared/fixtures/${GET_FIXTURE} beside the project; set ARM_EMULATOR_FIXTURES to the fixtures folder`);
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

function asObject(value: unknown, what: string): ArmObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`fixture ${what} is not an object`);
  return value as ArmObject;
}

let cached: ArmObject | undefined;

/**
 * The spec's GET body (a service-principal cluster), completed with the fields the recorded
 * `az aks update` exchange shows and the spec example lacks (powerState, sku, securityProfile...).
 */
export function clusterTemplate(): ArmObject {
  if (!cached) {
    const directory = fixturesDirectory();
    const get = asObject(readJson(join(directory, GET_FIXTURE)), GET_FIXTURE);
    const body = asObject(asObject(asObject(get['responses'], 'responses')['200'], '200')['body'], 'body');
    const recording = asObject(readJson(join(directory, RECORDING_FIXTURE)), RECORDING_FIXTURE);
    const clusterBodies = (recording['interactions'] as ArmObject[])
      .filter((step) => asObject(step['request'], 'request')['method'] === 'GET')
      .map((step) => asObject(step['response'], 'response')['body'])
      .filter((value): value is ArmObject => typeof value === 'object' && value !== null && 'properties' in value);
    const recorded = clusterBodies.at(-1);
    if (!recorded) throw new Error(`${RECORDING_FIXTURE} has no cluster GET`);
    const recordedProperties = asObject(recorded['properties'], 'recorded properties');
    const properties = asObject(body['properties'], 'properties');
    for (const [name, value] of Object.entries(recordedProperties)) {
      if (!(name in properties) && name !== 'identityProfile') properties[name] = value;
    }
    if (recorded['sku'] && !body['sku']) body['sku'] = recorded['sku'];
    cached = body;
  }
  return structuredClone(cached);
}
