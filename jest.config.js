// Jest runs the TypeScript sources as native ESM: @swc/jest strips the types (tsc, run by `npm test`, type-checks) and
// keeps the source maps, so stack traces and coverage point at .ts lines; Jest evaluates the result with node:vm
// modules, which exist only under --experimental-vm-modules. The project .npmrc passes that flag (node-options) to
// everything npm starts, so `npx jest …`, `npm test` and `npm run test:watch` work; node_modules/.bin/jest started
// directly (on the machine's own Node) does not, and stops here with a message.
import vm from 'node:vm';

if (typeof vm.SourceTextModule !== 'function' || Number(process.versions.node.split('.')[0]) < 22) {
  throw new Error(
    `Jest needs Node 22 started with --experimental-vm-modules (this is ${process.version}). Run it through npm: \`npx jest …\`, ` +
      '`npm test -- …`, `npm run test:watch`; npm puts node_modules/.bin (Node 22) first on PATH and the project .npmrc sets node-options.',
  );
}

/** @type {import('jest').Config} */
export default {
  testEnvironment: '<rootDir>/scripts/jest-environment.mjs',
  // Only the sources: dist/ holds compiled copies of every test and module (same names, .js).
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/emulator', '<rootDir>/dev', '<rootDir>/demo', '<rootDir>/bench'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // NodeNext imports name the compiled file (`./foo.js`); Jest must find foo.ts. Relative specifiers only.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript' },
          target: 'es2023',
          // Keep `with { type: 'json' }`: swc drops it otherwise, and Jest 30 warns on (next major: rejects) a bare JSON import.
          experimental: { keepImportAttributes: true, emitAssertForImportAttributes: false },
        },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  // Two cores: Jest's default (cores - 1 = 1) would run every file in band, one after another.
  maxWorkers: 2,
  // ESM module graphs are not freed between files in a worker; recycle a worker that has grown past this.
  workerIdleMemoryLimit: '1GB',
  // Integration files start Azurite or the emulator in beforeAll; Jest's default is 5 s per test and per hook.
  testTimeout: 30_000,
  reporters: ['default', ['<rootDir>/scripts/jest-summary-reporter.mjs', { overallLines: 85 }]],
  collectCoverageFrom: ['src/**/*.ts'],
  coverageProvider: 'v8',
  coverageReporters: ['text-summary', 'lcov'],
  // The engine is held to 95% of lines and branches; all of src/ to 85% of lines (checked by the summary reporter,
  // because a path key here takes its files out of Jest's "global").
  coverageThreshold: {
    './src/core/': { lines: 95, branches: 95 },
  },
};
