// ESLint for the whole monorepo: typescript-eslint's recommended rules, with generated code left alone.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');

module.exports = tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'db/src/generated/**', 'k8s/src/imports/**', '**/cdk8s.out/**', '.data/**', 'artifacts/**', 'coverage/**', '**/.scratch/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    rules: {
      // Workspaces import each other by package name (@chat/...), which their package.json declares,
      // never by a relative path into another workspace's src.
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+[^./][^/]*/src(/|$)', message: "import another workspace by its package name (@chat/...) and declare it in package.json, not through its src folder" }] },
      ],
      // One module per process reads the environment (validated once, typed, frozen); the others take
      // their settings from it. Passing the whole environment on to a child process is fine.
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.type='MemberExpression'][object.object.name='process'][object.property.name='env']",
          message: 'read environment variables only in a config module (config.ts, *-config.ts), and take the values from it',
        },
        {
          selector: "VariableDeclarator[id.type='ObjectPattern'][init.object.name='process'][init.property.name='env']",
          message: 'read environment variables only in a config module (config.ts, *-config.ts), and take the values from it',
        },
      ],
    },
  },
  {
    files: [
      // Config modules.
      '**/config.ts',
      '**/*-config.ts',
      '**/*.config.ts',
      // Test support: tests choose their services and ports by environment (TEST_*, FAULT_*).
      'testing/**',
      '**/test/**',
      '**/*.test.ts',
      'web/e2e/**',
      // Command-line entry points whose whole configuration is one or two variables.
      'db/src/migrate-cli.ts',
      'db/scripts/**',
      'k8s/src/main.ts',
      // The benchmarks (bench/ and persister/bench/, merging into one) are being reworked on their own branch.
      'bench/**',
      'persister/bench/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Tests inspect parsed manifests and JSON responses whose shape they assert on.
    files: ['**/test/**', '**/*.test.ts', '**/*.test.tsx', '**/e2e/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
