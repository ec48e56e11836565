// A flame summary of V8 CPU profiles (`node --cpu-prof`): self time by function and by package, the
// table docs/performance.md quotes. `npx tsx bench/src/profile-summary.ts [--top N] a.cpuprofile [b.cpuprofile ...]`
// (several files are summed: both gateways of one run). `--from T --to T` (epoch ms) keeps only the samples
// of that wall-clock window (one step of a bench run), placing each sample by the file's modification time,
// which is when the process wrote it: at its exit, the profile's end.
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (or part of the platform) a script belongs to, so that the summary reads by layer. */
export function layerOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'V8 / native';
  const nodeModule = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModule) return nodeModule[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/(gateway|protocol|service-kit|client|db)\/(?:dist|src)\/(.*)$/.exec(url);
  if (own) return own[1] === 'gateway' ? `gateway/${own[2]!.split('/')[0]!.replace(/\.js$/, '')}` : own[1]!;
  return url;
}

/** A profile and the wall-clock window (epoch ms) of the samples to count. */
interface Windowed {
  profile: Profile;
  /** Epoch ms of the profile's end (the file's mtime). */
  endedAt: number;
  from: number;
  to: number;
}

/** Self time (ms) per key over the samples of the profiles within their windows. */
export function selfTimes(profiles: Windowed[], keyOf: (node: ProfileNode) => string): { total: number; byKey: Map<string, number> } {
  const byKey = new Map<string, number>();
  let total = 0;
  for (const { profile, endedAt, from, to } of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      at += profile.timeDeltas[i] ?? 0;
      const wall = endedAt - (profile.endTime - at) / 1000;
      if (wall < from || wall > to) return;
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      const key = keyOf(nodes.get(id)!);
      byKey.set(key, (byKey.get(key) ?? 0) + ms);
      total += ms;
    });
  }
  return { total, byKey };
}

function table(title: string, { total, byKey }: ReturnType<typeof selfTimes>, top: number, skipIdle: boolean): string {
  const rows = [...byKey].filter(([key]) => !(skipIdle && key.startsWith('(idle)'))).sort((a, b) => b[1] - a[1]);
  const busy = rows.reduce((sum, [, ms]) => sum + ms, 0);
  const lines = [`${title}: ${(busy / 1000).toFixed(1)} s busy of ${(total / 1000).toFixed(1)} s profiled`, '| self % of busy | ms | where |', '| ---: | ---: | --- |'];
  for (const [key, ms] of rows.slice(0, top)) lines.push(`| ${((100 * ms) / busy).toFixed(1)} | ${ms.toFixed(0)} | ${key} |`);
  return lines.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  let top = 25;
  let from = -Infinity;
  let to = Infinity;
  while (args[0]?.startsWith('--')) {
    const [flag, value] = args.splice(0, 2);
    if (flag === '--top') top = Number(value);
    else if (flag === '--from') from = Number(value);
    else if (flag === '--to') to = Number(value);
    else throw new Error(`unknown flag ${flag}`);
  }
  if (args.length === 0) throw new Error('usage: profile-summary.ts [--top N] a.cpuprofile [b.cpuprofile ...]');
  const profiles = args.map((file) => ({ profile: JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, endedAt: fs.statSync(file).mtimeMs, from, to }));
  const fn = (n: ProfileNode) => {
    const file = n.callFrame.url.replace(/^.*\/(node_modules\/)?/, '');
    return `${n.callFrame.functionName || '(anonymous)'} ${file ? `${file}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  };
  process.stdout.write(`${table('By package', selfTimes(profiles, (n) => layerOf(n.callFrame.url, n.callFrame.functionName)), top, true)}\n\n`);
  process.stdout.write(`${table('By function', selfTimes(profiles, fn), top, true)}\n`);
}

main();
