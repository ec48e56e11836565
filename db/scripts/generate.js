// Generates the Prisma client offline. `prisma generate` never runs the schema engine, but the CLI
// insists on finding one and would download it (which these machines cannot): pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies it (see DESIGN.md).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  cwd: path.join(__dirname, '..'),
  env,
  stdio: 'inherit',
});
