// Run in an image's production-dependencies stage, after `npm ci --omit=dev`, from the folder of
// package-lock.json. npm keeps packages that the lockfile marks `devOptional`: a dev dependency
// somewhere that is also an *optional* dependency of a production package (here the Prisma CLI,
// an optional peer of @prisma/client, with Prisma Studio, TypeScript and React behind it). An
// optional dependency is by definition one its dependent runs without, and the services never
// run the CLI, so they are removed; this roughly halves the image's node_modules.
const fs = require('node:fs');
const path = require('node:path');

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
let removed = 0;
for (const [location, meta] of Object.entries(lock.packages)) {
  if (!meta.devOptional || !location.startsWith('node_modules/')) continue;
  const dir = path.resolve(location);
  if (!fs.existsSync(dir)) continue;
  fs.rmSync(dir, { recursive: true, force: true });
  removed += 1;
}
// Command shims, some of them pointing at what was just removed: a service never runs them.
fs.rmSync(path.resolve('node_modules', '.bin'), { recursive: true, force: true });
// Scope folders (@scope/) left empty.
for (const entry of fs.readdirSync('node_modules')) {
  const dir = path.resolve('node_modules', entry);
  if (entry.startsWith('@') && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}
console.log(`prune-dev-optional: removed ${removed} packages that only dev tools or optional peers need`);
