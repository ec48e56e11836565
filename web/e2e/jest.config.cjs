// The browser tests alone, against a running system (`npm start` first):
//   npx jest -c web/e2e/jest.config.cjs         (from the repository root)
// They reuse the root config's web project (its swc transform and module mapping) with their own
// match and timeout, and none of the root's global setup: they test the system that is running.
const path = require('node:path');
const root = require('../../jest.config.js');

const web = root.projects.find((project) => project.displayName === 'web');

/** @type {import('jest').Config} */
module.exports = {
  ...web,
  displayName: 'browser',
  rootDir: path.join(__dirname, '..'),
  testMatch: ['<rootDir>/e2e/**/*.e2e.test.ts'],
  testTimeout: 120_000,
  // One browser, one system: suites share them, so they run one after the other.
  maxWorkers: 1,
};
