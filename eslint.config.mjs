import nx from '@nx/eslint-plugin';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency direction of STYLE.md: contracts, config and signing depend on nothing of
// ours; infrastructure libs may use them; apps use libs; no app imports another app.
const PRODUCTION_LIBS = [
  'type:contracts',
  'type:config',
  'type:infra',
  'type:signing',
  'type:client',
];

const boundaries = {
  enforceBuildableLibDependency: false,
  allow: [],
  // The test helpers build on persistence and kafka, whose own integration tests use the helpers:
  // a cycle through test files only, which no production import follows.
  ignoredCircularDependencies: [
    ['testing', 'persistence'],
    ['testing', 'kafka'],
  ],
  depConstraints: [
    { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
    { sourceTag: 'type:config', onlyDependOnLibsWithTags: [] },
    { sourceTag: 'type:signing', onlyDependOnLibsWithTags: [] },
    { sourceTag: 'type:client', onlyDependOnLibsWithTags: ['type:contracts'] },
    // An infra lib may build on another (the producer lib on kafka and persistence).
    {
      sourceTag: 'type:infra',
      onlyDependOnLibsWithTags: ['type:contracts', 'type:config', 'type:infra'],
    },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: PRODUCTION_LIBS },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: [...PRODUCTION_LIBS, 'type:testing'] },
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: [...PRODUCTION_LIBS, 'type:testing'] },
  ],
};

export default [
  {
    ignores: [
      '**/node_modules',
      '**/dist',
      '.data',
      '.nx',
      'coverage',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
      '@nx/enforce-module-boundaries': ['error', boundaries],
    },
  },
  {
    // The tests of any project may use the test helpers.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { ...boundaries, allow: ['@hookline/testing'] }],
    },
  },
];
