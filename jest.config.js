// One jest run for the whole monorepo: a project per workspace, TypeScript compiled by swc
// (no compiler API, so the TypeScript version is free; `npm run typecheck` checks types).
const path = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true },
      transform: { react: { runtime: 'automatic' } },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

/** Workspaces import each other's sources in tests, so nothing needs building first. */
const moduleNameMapper = {
  '^@chat/(protocol|client|service-kit|db|local|testing|gateway|persister|assistant)$': path.join(__dirname, '$1/src/index.ts'),
};

const project = (name, overrides = {}) => ({
  displayName: name,
  rootDir: path.join(__dirname, name),
  testMatch: ['<rootDir>/src/**/*.test.ts?(x)', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.(t|j)sx?$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  ...overrides,
});

/** @type {import('jest').Config} */
module.exports = {
  // Starts PostgreSQL, Redis, Kafka and nginx once per run (or uses the ones named in the environment).
  globalSetup: '<rootDir>/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/testing/src/global-teardown.ts',
  rootDir: __dirname,
  projects: [
    ...['protocol', 'client', 'service-kit', 'db', 'local', 'testing', 'gateway', 'persister', 'k8s', 'pulumi', 'assistant', 'bench'].map((name) => project(name)),
    // react-markdown and the unified packages under it ship ES modules only: swc compiles them too.
    project('web', { transformIgnorePatterns: ['/node_modules/(?!(react-markdown|remark-|rehype-|mdast-|micromark|unist-|unified|hast-|hastscript|vfile|property-information|space-separated-tokens|comma-separated-tokens|decode-named-character-reference|character-entities|character-reference-invalid|trim-lines|bail|is-plain-obj|trough|devlop|ccount|escape-string-regexp|markdown-table|longest-streak|zwitch|html-url-attributes|estree-util-|is-alphanumerical|is-alphabetical|is-decimal|is-hexadecimal|parse-entities|stringify-entities|web-namespaces))'] }),
    // The realtime suites again with FANOUT_MODE=sharded (docs/scaling.md): delivery across gateways, order,
    // recovery, and the cross-gateway requests (room:online, access:changed, revocations, kicks) on sharded pub/sub.
    project('gateway', {
      displayName: 'gateway-sharded',
      testMatch: ['realtime', 'room-activity', 'members-online', 'sessions', 'access-cache', 'room-moderation'].map((name) => `<rootDir>/test/${name}.test.ts`),
      setupFiles: ['<rootDir>/test/sharded-mode.ts'],
    }),
    // Real Chromium against a system of the run's own (web/e2e/browser-support.ts starts it).
    project('web', { displayName: 'browser', testMatch: ['<rootDir>/e2e/**/*.e2e.test.ts'] }),
  ],
  // System tests start processes and wait on real I/O; a busy 2-core machine needs the headroom.
  testTimeout: 60_000,
};
