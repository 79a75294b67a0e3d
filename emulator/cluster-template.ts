// Cluster bodies start from the real payloads vendored in emulator/fixtures (see SOURCES.md there), so every field a
// real cluster carries is there.
import { fixture, type FixturePath } from './fixtures/index.js';
import type { ArmObject } from './store.js';

const GET_FIXTURE: FixturePath = 'arm/containerservice/ManagedClustersGet.2026-05-01.json';
const RECORDING_FIXTURE: FixturePath = 'arm/recordings/aks-update-enable-managed-identity.azure-cli-recording.json';

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
    const get = asObject(fixture(GET_FIXTURE), GET_FIXTURE);
    const body = asObject(asObject(asObject(get['responses'], 'responses')['200'], '200')['body'], 'body');
    const recording = asObject(fixture(RECORDING_FIXTURE), RECORDING_FIXTURE);
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
