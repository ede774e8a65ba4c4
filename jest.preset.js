'use strict';
/**
 * Shared Jest settings: @swc/jest compiles TypeScript (with the decorator metadata NestJS needs),
 * @hookline/* resolve to the libs' sources, and a reporter records the counts `npm test` sums.
 */
const { join, relative } = require('node:path');
const root = __dirname;

const libs = [
  'config',
  'contracts',
  'kafka',
  'persistence',
  'producer',
  'signing',
  'sdk',
  'telemetry',
  'testing',
  'url-policy',
];

module.exports = function jestConfig(projectDir, overrides = {}) {
  const name = relative(root, projectDir).replace(/[\\/]/g, '-');
  return {
    displayName: name,
    rootDir: projectDir,
    testEnvironment: 'node',
    testMatch: [
      '<rootDir>/**/*.spec.ts',
      '<rootDir>/**/*.int-spec.ts',
      '<rootDir>/**/*.e2e-spec.ts',
    ],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            target: 'es2022',
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
          },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: {
      ...Object.fromEntries(
        libs.map((lib) => [`^@hookline/${lib}$`, join(root, 'libs', lib, 'src', 'index.ts')]),
      ),
      // The gRPC client, an entry of its own: the console's browser bundle imports @hookline/sdk.
      '^@hookline/sdk/grpc$': join(root, 'libs', 'sdk', 'src', 'grpc', 'index.ts'),
    },
    reporters: ['default', join(root, 'tools', 'test', 'summary-reporter.js')],
    testTimeout: 60_000,
    passWithNoTests: true,
    ...overrides,
  };
};
