// Prints the gzipped size of every JavaScript asset of the production build and fails when the
// main (entry) bundle is over the budget. Run after `npm run build -w @chat/web`.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The budget of the entry bundle, gzipped, in bytes (the issue's limit: 250 kB). */
const MAIN_BUDGET_BYTES = 250 * 1000;

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
let html;
try {
  html = readFileSync(join(dist, 'index.html'), 'utf8');
} catch {
  console.error(`No build at ${dist}: run \`npm run build -w @chat/web\` first.`);
  process.exit(1);
}
// The entry is the module script index.html loads; everything else is a lazily loaded chunk.
const entry = /<script type="module"[^>]*src="\/?([^"]+)"/.exec(html)?.[1];
const assets = readdirSync(join(dist, 'assets')).filter((name) => name.endsWith('.js'));
let failed = false;
for (const name of assets) {
  const raw = readFileSync(join(dist, 'assets', name));
  const gzipped = gzipSync(raw, { level: 9 }).length;
  const isMain = entry === `assets/${name}`;
  const over = isMain && gzipped > MAIN_BUDGET_BYTES;
  failed ||= over;
  console.log(
    `${isMain ? 'main ' : 'chunk'} ${name.padEnd(28)} ${(raw.length / 1000).toFixed(1).padStart(7)} kB raw ${(gzipped / 1000)
      .toFixed(1)
      .padStart(7)} kB gzip${isMain ? ` (budget ${MAIN_BUDGET_BYTES / 1000} kB)` : ''}${over ? '  OVER BUDGET' : ''}`,
  );
}
if (!entry || !assets.some((name) => entry === `assets/${name}`)) {
  console.error('Could not find the entry bundle named in dist/index.html.');
  process.exit(1);
}
process.exit(failed ? 1 : 0);
