import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { declarationName, declarations, decoratorNames, descendants, loadInfra, parseBicep, repoRoot, resourceBody, syntaxProblems } from '../../support/bicep.js';

describe('infra Bicep syntax (tree-sitter-bicep)', () => {
  test('parses every .bicep file under infra/ without ERROR or MISSING nodes', async () => {
    const files = await loadInfra();

    // main.bicep and its modules.
    expect(files.map((f) => f.file)).toContain('infra/main.bicep');
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(files.flatMap(syntaxProblems)).toStrictEqual([]);
  });

  test('reports a missing closing brace with file, line and column', async () => {
    const broken = await parseBicep(
      'infra/broken.bicep',
      ["resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {", "  name: 'st'", '  properties: {', "    minimumTlsVersion: 'TLS1_2'", '}', ''].join('\n'),
    );

    const problems = syntaxProblems(broken);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^infra\/broken\.bicep:\d+:\d+: missing \}$/);
  });

  test('reports text it cannot parse at the line where it starts', async () => {
    const broken = await parseBicep(
      'infra/broken.bicep',
      ["resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {", "  name: 'st'", '  properties: {', "    minimumTlsVersion: = 'TLS1_2'", '  }', '}', ''].join('\n'),
    );

    const problems = syntaxProblems(broken);

    expect(problems).toStrictEqual(['infra/broken.bicep:4:24: cannot parse "="']);
  });

  test('accepts the constructs our templates rely on (imports, loops, conditions, nested resources)', async () => {
    const sample = await parseBicep(
      'infra/sample.bicep',
      [
        "import { names } from 'names.bicep'",
        '@export()',
        "@description('d')",
        "var list = map(split(ids, ','), id => toLower(trim(id)))",
        "resource c 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = if (reuse) {",
        '  name: n',
        '}',
        "module m 'modules/x.bicep' = [for (id, i) in list: {",
        "  name: 'm${i}'",
        '  scope: subscription(id)',
        '}]',
        '',
      ].join('\n'),
    );

    expect(syntaxProblems(sample)).toStrictEqual([]);
    expect(resourceBody(declarations(sample, 'module_declaration')[0]!).loop?.iterable.text).toBe('list');
    expect(decoratorNames(declarations(sample, 'variable_declaration')[0]!)).toStrictEqual(['export', 'description']);
  });

  test('points every module declaration at a .bicep file that exists', async () => {
    const files = await loadInfra();

    const missing: string[] = [];
    for (const parsed of files) {
      for (const module of declarations(parsed, 'module_declaration')) {
        const target = module.namedChildren.find((child) => child.type === 'string')?.text.slice(1, -1) ?? '';
        const resolved = path.join(repoRoot, path.dirname(parsed.file), target);
        if (!existsSync(resolved)) missing.push(`${parsed.file}: module ${declarationName(module)} → ${target}`);
      }
    }

    expect(missing).toStrictEqual([]);
  });

  test('imports only variables the imported file exports with @export()', async () => {
    const files = await loadInfra();

    const problems: string[] = [];
    for (const parsed of files) {
      for (const imported of descendants(parsed.root, 'import_functionality')) {
        const from = imported.namedChildren.find((child) => child.type === 'string')?.text.slice(1, -1) ?? '';
        const target = files.find((f) => f.file === path.posix.join(path.posix.dirname(parsed.file), from));
        if (!target) {
          problems.push(`${parsed.file}: imports from ${from}, which is not under infra/`);
          continue;
        }
        const exported = new Set(
          declarations(target, 'variable_declaration')
            .filter((variable) => decoratorNames(variable).includes('export'))
            .map(declarationName),
        );
        for (const name of imported.namedChildren.filter((child) => child.type === 'identifier').map((child) => child.text)) {
          if (!exported.has(name)) problems.push(`${parsed.file}: imports ${name} from ${from}, which does not export it`);
        }
      }
    }

    expect(problems).toStrictEqual([]);
  });
});
