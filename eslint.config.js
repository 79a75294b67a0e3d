// Type-aware lint: floating promises and unsafe `any` flow are the bugs that bite async Azure code. Tests get the Jest
// plugin's rules (no focused, skipped or disabled tests, no test without an assertion), not its globals: every test
// imports describe/test/expect from @jest/globals.
import eslint from '@eslint/js';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tools/**', 'out/**', 'eslint.config.js', 'jest.config.js', 'scripts/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The core is pure: no Azure SDK and no Node I/O, so it runs anywhere and every test of it is deterministic.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'fs/promises', 'path', 'url', 'os', 'child_process', 'crypto', 'http', 'https', 'net'].map((name) => ({
            name,
            message: 'src/core is pure: no Node built-ins. Do I/O at the edge (src/azure, src/cli, src/baseline-file.ts) and pass data in.',
          })),
          patterns: [
            { group: ['@azure/*'], message: 'src/core is pure: no Azure SDK. Azure access lives in src/azure; pass the data in.' },
            { group: ['node:*'], message: 'src/core is pure: no Node built-ins. Do I/O at the edge (src/azure, src/cli, src/baseline-file.ts) and pass data in.' },
          ],
        },
      ],
    },
  },
  {
    // The pipeline, the HTTP edge and the report reach Azure only through the ports (src/ports.ts) and src/azure's modules.
    files: ['src/pipeline/**/*.ts', 'src/http/**/*.ts', 'src/report/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@azure/*'], message: 'Azure SDKs live in src/azure: go through a port (src/ports.ts) or src/azure/errors.ts.' },
            { group: ['**/test/**'], message: 'Nothing outside test/ imports from test/.' },
          ],
        },
      ],
    },
  },
  {
    // Test doubles and crash hooks stay under test/: nothing that ships or runs the app (src, dev, the demo, the
    // benchmarks) imports them. (src/core, src/pipeline, src/http and src/report have their own import rules above.)
    files: ['src/**/*.ts', 'dev/**/*.ts', 'demo/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/core/**', 'src/pipeline/**', 'src/http/**', 'src/report/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test/**', '../test', '../../test'], message: 'Nothing outside test/ imports from test/: move what is shared to dev/ or src/.' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    plugins: { jest },
    settings: { jest: { version: 30 } },
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/no-commented-out-tests': 'error',
      // Helpers whose names start with `expect` assert too; a test that calls only such a helper has an assertion.
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'fc.assert'] }],
      'jest/valid-expect': ['error', { alwaysAwait: true }],
      'jest/no-identical-title': 'error',
      'jest/no-conditional-expect': 'error',
      'jest/no-standalone-expect': 'error',
      'jest/prefer-importing-jest-globals': 'error',
      'jest/no-test-prefixes': 'error',
      // The Jest-aware replacement for @typescript-eslint/unbound-method (allows expect(obj.method)).
      '@typescript-eslint/unbound-method': 'off',
      'jest/unbound-method': 'error',
    },
  },
  {
    // Test files use Jest's API only: one runner, one assertion library.
    files: ['test/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:test', message: 'Tests run on Jest: import describe/test/beforeAll/... from @jest/globals.' },
            { name: 'node:assert', message: 'Use expect from @jest/globals.' },
            { name: 'node:assert/strict', message: 'Use expect from @jest/globals.' },
          ],
        },
      ],
    },
  },
);
