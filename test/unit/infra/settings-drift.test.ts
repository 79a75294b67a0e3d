// One set of settings. The rule:
//   code reads      = APP_SETTINGS ∪ DEV_ONLY_SETTINGS ∪ COMMAND_LINE_SETTINGS (and nothing else, checked by scanning src/)
//   infra sets      = APP_SETTINGS − AzureWebJobsStorage (the Azurite connection string; Azure uses __accountName),
//                     some always (appSettings), some only while their feature is on (conditionalAppSettings,
//                     which must be settings loadConfig can do without)
//   local sample    = APP_SETTINGS ∪ DEV_ONLY_SETTINGS ∪ LOCAL_HOST_SETTINGS − the identity-only storage settings
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { APP_SETTINGS, COMMAND_LINE_SETTINGS, DEV_ONLY_SETTINGS, LOCAL_HOST_SETTINGS, loadConfig } from '../../../src/config.js';
import type { Node } from 'web-tree-sitter';
import { type BicepFile, callArguments, declarationName, declarations, infraFile, loadInfra, objectKeys, property, repoRoot, resourcesOfType } from '../../support/bicep.js';
import { findEnvReads } from '../../support/env-reads.js';

const appSettings: string[] = Object.values(APP_SETTINGS);
const devOnlySettings: string[] = Object.values(DEV_ONLY_SETTINGS);
const hostOnlySettings: string[] = [...LOCAL_HOST_SETTINGS];
const identityOnlyStorage: string[] = [APP_SETTINGS.storageAccountName, APP_SETTINGS.storageCredential, APP_SETTINGS.storageClientId];

/** Both directions of a set difference, each under a label worded for the person who has to fix it. */
function expectSameSet(actual: Iterable<string>, expected: Iterable<string>, actualName: string, expectedName: string): void {
  const have = new Set(actual);
  const want = new Set(expected);
  const missing = [...want].filter((name) => !have.has(name)).sort();
  const extra = [...have].filter((name) => !want.has(name)).sort();
  const lacks = `${actualName} lacks`;
  const has = `${actualName} has, which ${expectedName} does not`;
  expect({ [lacks]: missing, [has]: extra }).toStrictEqual({ [lacks]: [], [has]: [] });
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

  beforeAll(async () => {
    files = await loadInfra();
  });

  /** The appSettings object literal of function-app.bicep; throws when there is none. */
  function infraSettingsVariable() {
    const functionApp = infraFile(files, 'infra/modules/function-app.bicep');
    const variable = declarations(functionApp, 'variable_declaration').find((v) => declarationName(v) === 'appSettings');
    if (!variable) throw new Error('infra/modules/function-app.bicep has no appSettings variable');
    const value = variable.namedChildren.at(-1);
    if (value?.type !== 'object') throw new Error('appSettings must be an object literal so its names can be checked');
    return value;
  }

  /** Looks through the wrappers tree-sitter puts around an expression (expression, parentheses). */
  function unwrap(node: Node): Node {
    let current = node;
    while ((current.type === 'expression' || current.type === 'primary_expression' || current.type === 'parenthesized_expression') && current.namedChildren.length === 1) {
      current = current.namedChildren[0]!;
    }
    return current;
  }

  /**
   * The settings function-app.bicep writes only under a condition: conditionalAppSettings is `cond ? {} : { ... }`,
   * `cond ? { ... } : {}`, or a union() of such. Throws for any other shape, so a new form has to be taught here.
   */
  function conditionalSettings(): { name: string; condition: string }[] {
    const functionApp = infraFile(files, 'infra/modules/function-app.bicep');
    const variable = declarations(functionApp, 'variable_declaration').find((v) => declarationName(v) === 'conditionalAppSettings');
    if (!variable) throw new Error('infra/modules/function-app.bicep has no conditionalAppSettings variable');
    const read = (node: Node): { name: string; condition: string }[] => {
      const expression = unwrap(node);
      if (expression.type === 'call_expression' && expression.childForFieldName('function')?.text === 'union') return callArguments(expression).flatMap(read);
      if (expression.type !== 'ternary_expression') throw new Error(`conditionalAppSettings: expected cond ? {...} : {} or union(...), got ${expression.text.slice(0, 80)}`);
      const condition = unwrap(expression.childForFieldName('condition')!).text;
      const [whenTrue, whenFalse] = [expression.childForFieldName('consequence')!, expression.childForFieldName('alternative')!].map(unwrap);
      const branches = [
        { branch: whenTrue!, condition },
        { branch: whenFalse!, condition: `!(${condition})` },
      ];
      if (branches.some(({ branch }) => branch.type !== 'object')) throw new Error(`conditionalAppSettings: both branches of ${condition} must be object literals`);
      const filled = branches.filter(({ branch }) => objectKeys(branch).length > 0);
      if (filled.length !== 1) throw new Error(`conditionalAppSettings: exactly one branch of ${condition} must be {}`);
      return objectKeys(filled[0]!.branch).map((name) => ({ name, condition: filled[0]!.condition }));
    };
    return read(variable.namedChildren.at(-1)!);
  }

  test('sets in Azure exactly APP_SETTINGS except the local-only AzureWebJobsStorage connection string', () => {
    const expected = appSettings.filter((name) => name !== APP_SETTINGS.storageConnectionString);

    const keys = [...objectKeys(infraSettingsVariable()), ...conditionalSettings().map(({ name }) => name)];

    expectSameSet(keys, expected, 'infra (function-app.bicep appSettings and conditionalAppSettings)', 'src/config.ts APP_SETTINGS');
    // A name in both would be written twice, the conditional value silently winning.
    expect(keys.filter((name, index) => keys.indexOf(name) !== index)).toStrictEqual([]);
  });

  test('sets the events settings only with the events topic, and only settings loadConfig can do without', () => {
    const conditional = conditionalSettings();
    const minimal = { [APP_SETTINGS.storageAccountName]: 'stguard' };

    // Without any of them the app still starts; so each may be absent in Azure.
    expect(() => loadConfig(minimal)).not.toThrow();
    expect(conditional.filter(({ name }) => identityOnlyStorage.includes(name) || name === APP_SETTINGS.storageConnectionString)).toStrictEqual([]);
    // Both hang on the topic endpoint the module is given (empty unless enableEventsTopic).
    expect(conditional.map(({ name }) => name).sort()).toStrictEqual([APP_SETTINGS.eventsTopicEndpoint, APP_SETTINGS.exemptionExpiryNoticeDays].sort());
    expect(conditional.filter(({ condition }) => !/\beventsTopicEndpoint\b/.test(condition))).toStrictEqual([]);
  });

  test('never sets development-only or host-only settings in Azure', () => {
    const keys = [...objectKeys(infraSettingsVariable()), ...conditionalSettings().map(({ name }) => name)];

    // The local events receiver's CA and token are among them (the app's managed identity reaches the real topic).
    expect(devOnlySettings).toEqual(expect.arrayContaining(['EVENTS_CA_FILE', 'EVENTS_TOKEN']));

    const forbidden = [...devOnlySettings, ...hostOnlySettings, APP_SETTINGS.storageConnectionString];

    // Settings that must not be set in Azure.
    expect(keys.filter((name) => forbidden.includes(name))).toStrictEqual([]);
  });

  test('writes the settings variable to the app, with baseline secrets unable to override it', () => {
    const config = resourcesOfType(files, 'Microsoft.Web/sites/config').filter(({ body }) => property(body.body, 'name')?.text === "'appsettings'");

    // One appsettings config resource.
    expect(config).toHaveLength(1);
    expect(property(config[0]!.body.body, 'properties')?.text).toBe('union(extensionSecretSettings, appSettings, conditionalAppSettings)');
  });

  test('uses identity-based storage and Entra ID telemetry in Azure', () => {
    const settings = infraSettingsVariable();

    expect(property(settings, APP_SETTINGS.storageCredential)?.text).toBe("'managedidentity'");
    expect(property(settings, APP_SETTINGS.appInsightsAuthenticationString)?.text).toBe("'Authorization=AAD;ClientId=${identityClientId}'");
    expect(property(settings, APP_SETTINGS.storageClientId)?.text).toBe('identityClientId');
    expect(property(settings, APP_SETTINGS.azureClientId)?.text).toBe('identityClientId');
  });

  test('lists in local.settings.sample.json everything the code and host read locally, minus identity-only storage', () => {
    const expected = [...appSettings, ...devOnlySettings, ...hostOnlySettings].filter((name) => !identityOnlyStorage.includes(name));

    expectSameSet(Object.keys(readLocalSample().Values), expected, 'local.settings.sample.json', 'src/config.ts');
  });

  test('ships a sample that loadConfig accepts as an Azurite setup, with no secrets in it', () => {
    const sample = readLocalSample();

    const config = loadConfig(sample.Values);

    expect(sample.IsEncrypted).toBe(false);
    expect(sample.Values[APP_SETTINGS.storageConnectionString]).toBe('UseDevelopmentStorage=true');
    // ARM_TOKEN and EVENTS_TOKEN must be empty in the sample.
    expect(sample.Values[DEV_ONLY_SETTINGS.armToken]).toBe('');
    expect(sample.Values[DEV_ONLY_SETTINGS.eventsToken]).toBe('');
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    // Settings whose value looks like a secret.
    const secretLike = /AccountKey=|SharedAccessSignature|sig=|InstrumentationKey=|eyJ[A-Za-z0-9_-]{10,}/;
    expect(Object.entries(sample.Values).filter(([, value]) => secretLike.test(value)).map(([name]) => name)).toStrictEqual([]);
    expect(config.storage).toStrictEqual({ connectionString: 'UseDevelopmentStorage=true' });
    // The timer binding reads SWEEP_SCHEDULE (%SWEEP_SCHEDULE%): six NCRONTAB fields, as infra's default.
    expect(sample.Values[APP_SETTINGS.sweepSchedule]?.split(' ')).toHaveLength(6);
  });

  test('reads no environment variable in src/ that src/config.ts does not declare', () => {
    const declared = new Set([...appSettings, ...devOnlySettings, ...Object.values(COMMAND_LINE_SETTINGS)]);
    const srcDir = path.join(repoRoot, 'src');
    const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));

    const undeclared = sources
      .flatMap((name) => findEnvReads(readFileSync(path.join(srcDir, name), 'utf8'), `src/${name.split(path.sep).join('/')}`))
      .filter((read) => !declared.has(read.name))
      .map((read) => `${read.file}:${read.line} reads ${read.name}`);

    expect(sources).toContain('config.ts');
    // Declare these in src/config.ts (and infra, and the sample) or stop reading them.
    expect(undeclared).toStrictEqual([]);
  });

  test('the env-read scanner recognises the usual ways of reading a variable', () => {
    const source = [
      '// process.env.IN_A_COMMENT is prose, not a read',
      'const a = process.env.DOTTED;',
      "const b = process.env['BRACKETED'];",
      'const c = env["FROM_ENV_PARAM"];',
      'const { DESTRUCTURED, other: RENAMED } = process.env;',
      'const d = env.UPPER_CASE;',
    ].join('\n');

    const reads = findEnvReads(source, 'x.ts');

    expect(reads.map((read) => `${read.line}:${read.name}`)).toStrictEqual(['2:DOTTED', '3:BRACKETED', '4:FROM_ENV_PARAM', '5:DESTRUCTURED', '5:other', '6:UPPER_CASE']);
  });
});
