// The host imports every function file when an instance starts, so what those files import statically is the app's
// cold start. Each one registers its trigger and imports the rest on its first invocation (docs/performance.md,
// "coldstart"); a static import of the container, the routes or the pipeline would load the Azure SDKs at start-up.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import ts from 'typescript';
import { repoPath } from '../../support/paths.js';

const ALLOWED_AT_START_UP = new Set(['@azure/functions', '../names.js']);

/** The specifiers a file imports for their values (type-only imports vanish from the compiled file). */
function valueImportsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2023);
  return source.statements
    .filter((statement): statement is ts.ImportDeclaration => ts.isImportDeclaration(statement))
    .filter((declaration) => !declaration.importClause?.isTypeOnly)
    .map((declaration) => (declaration.moduleSpecifier as ts.StringLiteral).text);
}

const functionFiles = readdirSync(repoPath('src', 'functions')).filter((name) => name.endsWith('.ts'));

describe('function files', () => {
  test('there are function files to check', () => {
    expect(functionFiles.length).toBeGreaterThanOrEqual(13);
  });

  test.each(functionFiles)('%s imports only the trigger registration at start-up', (name) => {
    // Act
    const imports = valueImportsOf(repoPath('src', 'functions', name));

    // Assess
    expect(imports.filter((specifier) => !ALLOWED_AT_START_UP.has(specifier))).toStrictEqual([]);
  });

  test('notices a static import of the container, and lets a type-only import pass', () => {
    // Prepare
    const file = repoPath('src', 'functions', 'getReport.ts');
    const variant = `import { getServices } from '../container.js';\nimport type { AppServices } from '../container.js';\n${readFileSync(file, 'utf8')}`;

    // Act
    const imports = valueImportsOf(file, variant);

    // Assess
    expect(imports.filter((specifier) => !ALLOWED_AT_START_UP.has(specifier))).toStrictEqual(['../container.js']);
  });
});
