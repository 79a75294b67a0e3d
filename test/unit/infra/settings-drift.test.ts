// One set of settings. The rule:
//   code reads      = APP_SETTINGS ∪ DEV_ONLY_SETTINGS ∪ COMMAND_LINE_SETTINGS (and nothing else, checked by scanning src/)
//   infra sets      = APP_SETTINGS − AzureWebJobsStorage (the Azurite connection string; Azure uses __accountName)
//   local sample    = APP_SETTINGS ∪ DEV_ONLY_SETTINGS ∪ LOCAL_HOST_SETTINGS − the identity-only storage settings
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { APP_SETTINGS, COMMAND_LINE_SETTINGS, DEV_ONLY_SETTINGS, LOCAL_HOST_SETTINGS, loadConfig } from '../../../src/config.js';
import { type BicepFile, declarationName, declarations, infraFile, loadInfra, objectKeys, property, repoRoot, resourcesOfType } from '../../support/bicep.js';
import { findEnvReads } from '../../support/env-reads.js';

const appSettings: string[] = Object.values(APP_SETTINGS);
const devOnlySettings: string[] = Object.values(DEV_ONLY_SETTINGS);
const hostOnlySettings: string[] = [...LOCAL_HOST_SETTINGS];
const identityOnlyStorage: string[] = [APP_SETTINGS.storageAccountName, APP_SETTINGS.storageCredential, APP_SETTINGS.storageClientId];

/** Both directions of a set difference, worded for the person who has to fix it. */
function assertSameSet(actual: Iterable<string>, expected: Iterable<string>, actualName: string, expectedName: string): void {
  const have = new Set(actual);
  const want = new Set(expected);
  const missing = [...want].filter((name) => !have.has(name)).sort();
  const extra = [...have].filter((name) => !want.has(name)).sort();
  assert.ok(
    missing.length === 0 && extra.length === 0,
    [missing.length ? `${actualName} lacks ${missing.join(', ')}` : '', extra.length ? `${actualName} has ${extra.join(', ')}, which ${expectedName} does not` : '']
      .filter(Boolean)
      .join('; '),
  );
}

interface LocalSettings {
  IsEncrypted: boolean;
  Values: Record<string, string>;
}

function readLocalSample(): LocalSettings {
  return JSON.parse(readFileSync(path.join(repoRoot, 'local.settings.sample.json'), 'utf8')) as LocalSettings;
}

describe('app settings: infra, local.settings.sample.json and the code agree', () => {
  let files: BicepFile[];

  before(async () => {
    files = await loadInfra();
  });

  function infraSettingsVariable() {
    const functionApp = infraFile(files, 'infra/modules/function-app.bicep');
    const variable = declarations(functionApp, 'variable_declaration').find((v) => declarationName(v) === 'appSettings');
    assert.ok(variable, 'infra/modules/function-app.bicep has no appSettings variable');
    const value = variable.namedChildren.at(-1);
    assert.equal(value?.type, 'object', 'appSettings must be an object literal so its names can be checked');
    return value;
  }

  it('sets in Azure exactly APP_SETTINGS except the local-only AzureWebJobsStorage connection string', () => {
    const expected = appSettings.filter((name) => name !== APP_SETTINGS.storageConnectionString);
    assertSameSet(objectKeys(infraSettingsVariable()), expected, 'infra (function-app.bicep appSettings)', 'src/config.ts APP_SETTINGS');
  });

  it('never sets development-only or host-only settings in Azure', () => {
    const keys = new Set(objectKeys(infraSettingsVariable()));
    for (const name of [...devOnlySettings, ...hostOnlySettings, APP_SETTINGS.storageConnectionString]) {
      assert.ok(!keys.has(name), `${name} must not be set in Azure`);
    }
  });

  it('writes the settings variable to the app, with baseline secrets unable to override it', () => {
    const config = resourcesOfType(files, 'Microsoft.Web/sites/config').filter(({ body }) => property(body.body, 'name')?.text === "'appsettings'");
    assert.equal(config.length, 1, 'expected one appsettings config resource');
    assert.equal(property(config[0]!.body.body, 'properties')?.text, 'union(extensionSecretSettings, appSettings)');
  });

  it('uses identity-based storage and Entra ID telemetry in Azure', () => {
    const settings = infraSettingsVariable();
    assert.equal(property(settings, APP_SETTINGS.storageCredential)?.text, "'managedidentity'");
    assert.equal(property(settings, APP_SETTINGS.appInsightsAuthenticationString)?.text, "'Authorization=AAD;ClientId=${identityClientId}'");
    assert.equal(property(settings, APP_SETTINGS.storageClientId)?.text, 'identityClientId');
    assert.equal(property(settings, APP_SETTINGS.azureClientId)?.text, 'identityClientId');
  });

  it('lists in local.settings.sample.json everything the code and host read locally, minus identity-only storage', () => {
    const expected = [...appSettings, ...devOnlySettings, ...hostOnlySettings].filter((name) => !identityOnlyStorage.includes(name));
    assertSameSet(Object.keys(readLocalSample().Values), expected, 'local.settings.sample.json', 'src/config.ts');
  });

  it('ships a sample that loadConfig accepts as an Azurite setup, with no secrets in it', () => {
    const sample = readLocalSample();
    assert.equal(sample.IsEncrypted, false);
    assert.equal(sample.Values[APP_SETTINGS.storageConnectionString], 'UseDevelopmentStorage=true');
    assert.equal(sample.Values[DEV_ONLY_SETTINGS.armToken], '', 'ARM_TOKEN must be empty in the sample');
    assert.equal(sample.Values.FUNCTIONS_WORKER_RUNTIME, 'node');
    for (const [name, value] of Object.entries(sample.Values)) {
      assert.doesNotMatch(value, /AccountKey=|SharedAccessSignature|sig=|InstrumentationKey=|eyJ[A-Za-z0-9_-]{10,}/, `${name} looks like a secret`);
    }
    const config = loadConfig(sample.Values);
    assert.deepEqual(config.storage, { connectionString: 'UseDevelopmentStorage=true' });
    assert.equal(config.sweepSchedule, sample.Values[APP_SETTINGS.sweepSchedule]);
  });

  it('reads no environment variable in src/ that src/config.ts does not declare', () => {
    const declared = new Set([...appSettings, ...devOnlySettings, ...Object.values(COMMAND_LINE_SETTINGS)]);
    const srcDir = path.join(repoRoot, 'src');
    const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
    assert.ok(sources.includes('config.ts'), 'src/config.ts not found');
    const undeclared = sources
      .flatMap((name) => findEnvReads(readFileSync(path.join(srcDir, name), 'utf8'), `src/${name.split(path.sep).join('/')}`))
      .filter((read) => !declared.has(read.name))
      .map((read) => `${read.file}:${read.line} reads ${read.name}`);
    assert.deepEqual(undeclared, [], 'declare these in src/config.ts (and infra, and the sample) or stop reading them');
  });

  it('the env-read scanner recognises the usual ways of reading a variable', () => {
    const source = [
      '// process.env.IN_A_COMMENT is prose, not a read',
      'const a = process.env.DOTTED;',
      "const b = process.env['BRACKETED'];",
      'const c = env["FROM_ENV_PARAM"];',
      'const { DESTRUCTURED, other: RENAMED } = process.env;',
      'const d = env.UPPER_CASE;',
    ].join('\n');
    assert.deepEqual(
      findEnvReads(source, 'x.ts').map((read) => `${read.line}:${read.name}`),
      ['2:DOTTED', '3:BRACKETED', '4:FROM_ENV_PARAM', '5:DESTRUCTURED', '5:other', '6:UPPER_CASE'],
    );
  });
});
