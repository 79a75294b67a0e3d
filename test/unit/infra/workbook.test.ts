// The Azure Monitor workbook shipped in infra/ queries only telemetry the code emits (or is named to emit):
//   workbook → names:  every custom event and metric name in its KQL is in src/names.ts
//   names → workbook:  every emitted event and metric is charted, or listed in NOT_SHOWN with a reason
//   names → code:      every name in TELEMETRY_EVENTS/TELEMETRY_METRICS is emitted in src/, and nothing else is;
//                      a PLANNED_TELEMETRY_EVENTS name that gets emitted must move to TELEMETRY_EVENTS
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { FUNCTION_NAMES, PLANNED_TELEMETRY_EVENTS, TELEMETRY_EVENTS, TELEMETRY_METRICS } from '../../../src/names.js';
import {
  type BicepFile,
  Resolver,
  callArguments,
  declarationName,
  declarations,
  infraFile,
  loadInfra,
  property,
  propertyPath,
  repoRoot,
  required,
  resourceBody,
  resourcesOfType,
} from '../../support/bicep.js';

const WORKBOOK_FILE = 'infra/workbooks/compliance.workbook.json';

/** Bicep's limit on what loadTextContent() may load, in characters. */
const LOAD_TEXT_CONTENT_LIMIT = 131_072;

/** Telemetry the code emits that the workbook deliberately leaves out, with the reason. Empty: it shows all of it. */
const NOT_SHOWN: Record<string, string> = {};

const emittedEvents: string[] = Object.values(TELEMETRY_EVENTS);
const emittedMetrics: string[] = Object.values(TELEMETRY_METRICS);
const plannedEvents: string[] = Object.values(PLANNED_TELEMETRY_EVENTS);
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

// ---- the workbook's KQL ----

interface WorkbookItem {
  type: number;
  name?: string;
  content?: {
    version?: string;
    query?: string;
    title?: string;
    queryType?: number;
    resourceType?: string;
    crossComponentResources?: unknown;
    parameters?: { name: string }[];
    items?: WorkbookItem[];
  };
}

interface Workbook {
  version: string;
  $schema?: string;
  items: WorkbookItem[];
}

/** Every item, groups (type 12) included, depth first. */
function allItems(items: WorkbookItem[]): WorkbookItem[] {
  return items.flatMap((item) => [item, ...allItems(item.content?.items ?? [])]);
}

/** Application Insights tables a query may read; the one named last before a name filter is the filter's table. */
const TABLES = ['customEvents', 'customMetrics', 'requests', 'dependencies', 'exceptions', 'traces', 'pageViews', 'availabilityResults', 'performanceCounters'];
const TABLE = new RegExp(`(?<![\\w.])(${TABLES.join('|')})\\b`, 'g');
/** `name == "X"` and `name in ("X", "Y")`: the two forms the check understands. */
const NAME_FILTER = /(?<![\w.])name\s*(?:==\s*"([^"]*)"|in\s*\(([^)]*)\))/g;
/** Any other comparison on name would escape the check, so it is refused. */
const OTHER_NAME_TEST = /(?<![\w.])name\s*(=~|!=|!~|in~|!in|has|contains|startswith|endswith|matches|hasprefix|hassuffix)(?![\w])/g;

interface NameUse {
  table: string;
  name: string;
}

/** The telemetry names a KQL query filters on, each with its table, and what the check cannot read. */
function namesInQuery(kql: string): { uses: NameUse[]; problems: string[] } {
  const query = kql.replace(/^\s*\/\/.*$/gm, '');
  const tables = [...query.matchAll(TABLE)].map((match) => ({ table: match[1]!, at: match.index }));
  const uses: NameUse[] = [];
  const problems: string[] = [];
  const filters = [...query.matchAll(NAME_FILTER)];
  for (const filter of filters) {
    const table = tables.filter(({ at }) => at < filter.index).at(-1)?.table;
    if (!table) {
      problems.push(`${filter[0]}: no table before it`);
      continue;
    }
    if (filter[1] !== undefined) uses.push({ table, name: filter[1] });
    else {
      const list = filter[2] ?? '';
      const names = [...list.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
      if (list.replace(/"[^"]*"/g, '').replace(/[\s,]/g, '') !== '') problems.push(`${filter[0]}: only string literals can be checked`);
      uses.push(...names.map((name) => ({ table, name })));
    }
  }
  for (const other of query.matchAll(OTHER_NAME_TEST)) problems.push(`name ${other[1]}: use name == "X" or name in ("X", ...) so the names can be checked`);
  // A read of custom telemetry without a name filter could chart anything.
  tables.forEach(({ table, at }, index) => {
    if (table !== 'customEvents' && table !== 'customMetrics') return;
    const end = tables[index + 1]?.at ?? query.length;
    if (!filters.some((filter) => filter.index > at && filter.index < end)) problems.push(`${table} read without a name filter`);
  });
  return { uses, problems };
}

// ---- what src/ emits ----

function sourceFiles(): { file: string; text: string }[] {
  const srcDir = path.join(repoRoot, 'src');
  return readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ file: `src/${name.split(path.sep).join('/')}`, text: readFileSync(path.join(srcDir, name), 'utf8') }));
}

/** Names passed to Telemetry.event()/metric() as a literal or as a TELEMETRY_EVENTS/TELEMETRY_METRICS member. */
function emittedNames(sources: { text: string }[]): { events: string[]; metrics: string[] } {
  const constants: Record<string, Record<string, string>> = { TELEMETRY_EVENTS, TELEMETRY_METRICS };
  const events: string[] = [];
  const metrics: string[] = [];
  const call = /\.(event|metric)\(\s*(?:(['"`])(\w+)\2|(TELEMETRY_EVENTS|TELEMETRY_METRICS)\.(\w+))/g;
  for (const { text } of sources) {
    for (const match of text.matchAll(call)) {
      const name = match[3] ?? constants[match[4]!]?.[match[5]!] ?? `${match[4]}.${match[5]}`;
      (match[1] === 'event' ? events : metrics).push(name);
    }
  }
  return { events: sorted(events), metrics: sorted(metrics) };
}

/** The string literals of a `type X = 'a' | 'b'` union somewhere in src/, or 'derived' when it is built from a names.ts constant. */
function unionMembers(sources: { file: string; text: string }[], typeName: string, constant: string): string[] | 'derived' {
  const found = sources.flatMap(({ file, text }) => {
    const match = new RegExp(`export type ${typeName}\\s*=([^;]+);`).exec(text);
    return match ? [{ file, body: match[1]! }] : [];
  });
  if (found.length !== 1) throw new Error(`expected one declaration of ${typeName} in src/, found ${found.map((f) => f.file).join(', ') || 'none'}`);
  const { body } = found[0]!;
  if (body.includes(constant)) return 'derived';
  return sorted([...body.matchAll(/'([^']+)'/g)].map((match) => match[1]!));
}

// ---- KQL analysis: Kusto's own parser and binder (@kusto/language-service-next, the Kusto.Language library) ----

/**
 * The Application Insights tables the workbook reads, with the columns of their classic schema that matter here.
 * A column the workbook uses that is missing here fails the analysis: add it only if Application Insights has it.
 */
const COMMON_COLUMNS =
  'timestamp:datetime, name:string, itemType:string, customDimensions:dynamic, customMeasurements:dynamic, operation_Name:string, operation_Id:string, ' +
  'operation_ParentId:string, cloud_RoleName:string, cloud_RoleInstance:string, appId:string, appName:string, sdkVersion:string, itemId:string, itemCount:int';
const APP_INSIGHTS_TABLES: Record<string, string> = {
  customEvents: `(${COMMON_COLUMNS})`,
  customMetrics: `(${COMMON_COLUMNS}, value:real, valueCount:int, valueSum:real, valueMin:real, valueMax:real, valueStdDev:real)`,
  requests: `(${COMMON_COLUMNS}, id:string, source:string, url:string, success:bool, resultCode:string, duration:real, performanceBucket:string)`,
};

/** Sample values the workbook substitutes for its parameters before a query runs. */
const PARAMETER_SAMPLES: Record<string, string> = { '{TimeRange}': '> ago(7d)', '{TimeRange:grain}': '1h' };

interface KustoDiagnostic {
  Severity: string;
  Code: string;
  Message: string;
  Start: number;
  Length: number;
}
interface KustoLanguage {
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
    DatabaseSymbol: { $ctor3: new (name: string, alternateName: string | null, members: unknown[], isOpen: boolean) => unknown };
  };
  GlobalState: { Default: { WithDatabase(database: unknown): unknown } };
  KustoCode: { ParseAndAnalyze(text: string, globals: unknown): { GetDiagnostics(): { Count: number; getItem(index: number): KustoDiagnostic } } };
}

/** Loads Kusto.Language (Bridge.NET scripts that install globals) and returns an analyser for the App Insights tables. */
async function kqlAnalyser(): Promise<(query: string) => string[]> {
  // Through a variable: the package's .d.ts files describe globals, not modules, so TypeScript must not resolve these.
  const load = (specifier: string): Promise<unknown> => import(specifier);
  await load('@kusto/language-service-next/bridge.min.js');
  await load('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  const kusto = (globalThis as unknown as { Kusto?: { Language: KustoLanguage } }).Kusto;
  if (!kusto) throw new Error('@kusto/language-service-next did not install the Kusto global');
  const language = kusto.Language;
  const tables = Object.entries(APP_INSIGHTS_TABLES).map(([name, schema]) => new language.Symbols.TableSymbol.$ctor7(name, schema, null));
  const globals = language.GlobalState.Default.WithDatabase(new language.Symbols.DatabaseSymbol.$ctor3('appinsights', null, tables, false));
  return (query) => {
    const diagnostics = language.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
    return Array.from({ length: diagnostics.Count }, (_, index) => diagnostics.getItem(index))
      .filter((diagnostic) => diagnostic.Severity === 'Error')
      .map((diagnostic) => `${diagnostic.Code} at "${query.slice(diagnostic.Start, diagnostic.Start + diagnostic.Length)}": ${diagnostic.Message}`);
  };
}

describe('the workbook queries only telemetry the code emits', () => {
  let workbook: Workbook;
  let workbookText: string;
  let queries: { item: string; query: string }[];
  let uses: NameUse[];
  let files: BicepFile[];
  let resolver: Resolver;

  beforeAll(async () => {
    workbookText = readFileSync(path.join(repoRoot, WORKBOOK_FILE), 'utf8');
    workbook = JSON.parse(workbookText) as Workbook;
    queries = allItems(workbook.items)
      .filter((item) => item.type === 3)
      .map((item) => ({ item: item.name ?? '(unnamed)', query: required(item.content?.query, `the query of workbook item ${item.name}`) }));
    uses = queries.flatMap(({ query }) => namesInQuery(query).uses);
    files = await loadInfra();
    resolver = new Resolver(files);
  });

  const namesFrom = (table: string): string[] => sorted(uses.filter((use) => use.table === table).map((use) => use.name));

  test('the name reader understands the query forms the workbook uses, and refuses others', () => {
    const read = namesInQuery(
      [
        '// name == "InAComment" is not a filter',
        'let a = customEvents | where name == "A" | extend x = countif(name == "B");',
        'let m = customMetrics | where name in ("M1", "M2");',
        'requests | where name == "evaluateCluster" | project customDimensions.name',
      ].join('\n'),
    );
    const refused = namesInQuery('customEvents | where name startswith "Remediation"');
    const unfiltered = namesInQuery('customMetrics | summarize count() by name');

    expect(read).toStrictEqual({
      uses: [
        { table: 'customEvents', name: 'A' },
        { table: 'customEvents', name: 'B' },
        { table: 'customMetrics', name: 'M1' },
        { table: 'customMetrics', name: 'M2' },
        { table: 'requests', name: 'evaluateCluster' },
      ],
      problems: [],
    });
    expect(refused.problems).toStrictEqual(['name startswith: use name == "X" or name in ("X", ...) so the names can be checked', 'customEvents read without a name filter']);
    expect(unfiltered.problems).toStrictEqual(['customMetrics read without a name filter']);
  });

  test('has queries, each of which the name reader can check', () => {
    const problems = queries.flatMap(({ item, query }) => namesInQuery(query).problems.map((problem) => `${item}: ${problem}`));

    expect(queries.length).toBeGreaterThanOrEqual(8);
    expect(problems).toStrictEqual([]);
  });

  test('queries only custom events in TELEMETRY_EVENTS or PLANNED_TELEMETRY_EVENTS', () => {
    const known = new Set([...emittedEvents, ...plannedEvents]);

    // Declare these in src/names.ts (and emit them) or take them out of the workbook.
    expect(namesFrom('customEvents').filter((name) => !known.has(name))).toStrictEqual([]);
  });

  test('queries only custom metrics in TELEMETRY_METRICS', () => {
    expect(namesFrom('customMetrics').filter((name) => !emittedMetrics.includes(name))).toStrictEqual([]);
  });

  test('reads host request telemetry only for functions in FUNCTION_NAMES', () => {
    const functions: string[] = Object.values(FUNCTION_NAMES);

    expect(namesFrom('requests').filter((name) => !functions.includes(name))).toStrictEqual([]);
  });

  test('shows every event and metric the code emits, except those listed in NOT_SHOWN', () => {
    const used = new Set([...namesFrom('customEvents'), ...namesFrom('customMetrics')]);
    const emitted = [...emittedEvents, ...emittedMetrics];

    // Chart these in the workbook, or add them to NOT_SHOWN with the reason.
    expect(emitted.filter((name) => !used.has(name) && !(name in NOT_SHOWN))).toStrictEqual([]);
    // NOT_SHOWN may hold only emitted names that the workbook really leaves out.
    expect(Object.keys(NOT_SHOWN).filter((name) => !emitted.includes(name) || used.has(name))).toStrictEqual([]);
  });

  test('charts every planned event (planned names exist only for the workbook)', () => {
    expect(plannedEvents.filter((name) => !namesFrom('customEvents').includes(name))).toStrictEqual([]);
  });

  test('declares every parameter its queries use', () => {
    const declared = new Set(allItems(workbook.items).flatMap((item) => (item.type === 9 ? (item.content?.parameters ?? []).map((p) => p.name) : [])));

    const undeclared = queries.flatMap(({ item, query }) => [...query.matchAll(/\{(\w+)(?::\w+)?\}/g)].filter((match) => !declared.has(match[1]!)).map((match) => `${item}: ${match[0]}`));

    expect(declared.has('TimeRange')).toBe(true);
    expect(undeclared).toStrictEqual([]);
  });

  test('is a Notebook/1.0 workbook whose queries all run against its own Application Insights component', () => {
    const items = allItems(workbook.items);
    const names = items.map((item) => item.name);

    expect(workbook.version).toBe('Notebook/1.0');
    expect(workbook.$schema).toMatch(/schema\/workbook\.json$/);
    expect(names.filter((name, index) => !name || names.indexOf(name) !== index)).toStrictEqual([]);
    // Query items: logs queries (queryType 0) over microsoft.insights/components, with a title, and no other resources.
    const odd = items
      .filter((item) => item.type === 3)
      .filter(({ content }) => content?.version !== 'KqlItem/1.0' || content.queryType !== 0 || content.resourceType !== 'microsoft.insights/components' || !content.title || content.crossComponentResources !== undefined)
      .map((item) => item.name);
    expect(odd).toStrictEqual([]);
    expect(workbookText.length).toBeLessThan(LOAD_TEXT_CONTENT_LIMIT);
  });

  describe('its KQL, analysed by Kusto.Language against the Application Insights schema', () => {
    let analyse: (query: string) => string[];

    // Kusto.Language is 5 MB of script: loading it takes a few seconds, more on a busy machine.
    beforeAll(async () => {
      analyse = await kqlAnalyser();
    }, 60_000);

    test('reports errors, so a clean result means something', () => {
      expect(analyse('customEvents | where name == "A" | project timestmp')).toStrictEqual([
        `KS142 at "timestmp": The name 'timestmp' does not refer to any known column, table, variable or function.`,
      ]);
      expect(analyse('customEvents | summarize (').length).toBeGreaterThan(0);
    });

    test('parses and binds every query of the workbook without errors', () => {
      const errors = queries.flatMap(({ item, query }) => {
        const filled = Object.entries(PARAMETER_SAMPLES).reduce((text, [parameter, sample]) => text.replaceAll(parameter, sample), query);
        return analyse(filled).map((error) => `${item}: ${error}`);
      });

      expect(errors).toStrictEqual([]);
    });
  });

  describe('the code', () => {
    let sources: { file: string; text: string }[];

    beforeAll(() => {
      sources = sourceFiles();
    });

    test('emits exactly TELEMETRY_EVENTS and TELEMETRY_METRICS', () => {
      const emitted = emittedNames(sources);

      // Left: emitted in src/ but not declared in src/names.ts; right: declared but emitted nowhere.
      expect({ undeclared: emitted.events.filter((name) => !emittedEvents.includes(name)), notEmitted: emittedEvents.filter((name) => !emitted.events.includes(name)) }).toStrictEqual({
        undeclared: [],
        notEmitted: [],
      });
      expect({ undeclared: emitted.metrics.filter((name) => !emittedMetrics.includes(name)), notEmitted: emittedMetrics.filter((name) => !emitted.metrics.includes(name)) }).toStrictEqual({
        undeclared: [],
        notEmitted: [],
      });
    });

    test('emits no PLANNED_TELEMETRY_EVENTS yet (once it does, move the name to TELEMETRY_EVENTS)', () => {
      expect(emittedNames(sources).events.filter((name) => plannedEvents.includes(name))).toStrictEqual([]);
    });

    test('types the telemetry interface with the same names, so no name can be emitted through a variable unseen', () => {
      const events = unionMembers(sources, 'TelemetryEventName', 'TELEMETRY_EVENTS');
      const metrics = unionMembers(sources, 'TelemetryMetricName', 'TELEMETRY_METRICS');

      // 'derived' (the type is built from the constant) agrees by construction.
      expect(events === 'derived' ? sorted(emittedEvents) : events).toStrictEqual(sorted(emittedEvents));
      expect(metrics === 'derived' ? sorted(emittedMetrics) : metrics).toStrictEqual(sorted(emittedMetrics));
    });

    test('the emission scanner recognises literal and constant names, and ignores declarations', () => {
      const found = emittedNames([
        {
          text: [
            "telemetry.event('ClusterEvaluated', { clusterId });",
            'services.telemetry.metric("NonCompliantClusters", 3);',
            'telemetry.event(TELEMETRY_EVENTS.sweepCompleted, {});',
            'event(name: TelemetryEventName): void {}',
          ].join('\n'),
        },
      ]);

      expect(found).toStrictEqual({ events: ['ClusterEvaluated', 'SweepCompleted'], metrics: ['NonCompliantClusters'] });
    });
  });

  describe('in Bicep', () => {
    test('is a shared Microsoft.Insights/workbooks@2023-06-01 with a GUID name, sourced from Application Insights and loaded from the JSON file', () => {
      const workbooks = resourcesOfType(files, 'Microsoft.Insights/workbooks');

      expect(workbooks).toHaveLength(1);
      const { file, declaration, body } = workbooks[0]!;
      expect(declaration.text).toContain("'Microsoft.Insights/workbooks@2023-06-01'");
      expect(resolver.literal(property(body.body, 'kind')!)).toBe('shared');
      const name = required(property(body.body, 'name'), `${file}: workbook name`);
      expect([name.type, name.childForFieldName('function')?.text]).toStrictEqual(['call_expression', 'guid']);
      expect(resolver.literal(propertyPath(body.body, 'properties', 'category')!)).toBe('workbook');
      expect(propertyPath(body.body, 'properties', 'displayName')).toBeDefined();
      // sourceId is the module's parameter, fed from the monitoring module below.
      expect(propertyPath(body.body, 'properties', 'sourceId')?.text).toBe('applicationInsightsId');
      const serialized = required(propertyPath(body.body, 'properties', 'serializedData'), `${file}: serializedData`);
      expect([serialized.type, serialized.childForFieldName('function')?.text]).toStrictEqual(['call_expression', 'loadTextContent']);
      const loaded = resolver.literal(callArguments(serialized)[0]!);
      expect(typeof loaded).toBe('string');
      expect(path.posix.join(path.posix.dirname(file), loaded as string)).toBe(WORKBOOK_FILE);
    });

    test("is wired from main.bicep to the app's Application Insights component", () => {
      const main = infraFile(files, 'infra/main.bicep');
      const monitoring = infraFile(files, 'infra/modules/monitoring.bicep');
      const module = required(
        declarations(main, 'module_declaration').find((m) => m.namedChildren.some((child) => child.type === 'string' && child.text === "'modules/workbook.bicep'")),
        'the workbook module in main.bicep',
      );
      const output = required(
        declarations(monitoring, 'output_declaration').find((o) => declarationName(o) === 'applicationInsightsId'),
        'output applicationInsightsId of monitoring.bicep',
      );

      expect(resourceBody(module).condition).toBeUndefined();
      expect(propertyPath(resourceBody(module).body, 'params', 'applicationInsightsId')?.text).toBe('monitoring.outputs.applicationInsightsId');
      expect(output.namedChildren.at(-1)?.text).toBe('appInsights.id');
      expect(resourcesOfType([monitoring], 'Microsoft.Insights/components').map(({ name }) => name)).toStrictEqual(['appInsights']);
    });
  });
});
