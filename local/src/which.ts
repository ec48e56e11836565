import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** The full path of a program on PATH (or in /usr/sbin, where Debian puts daemons), else undefined. */
export function which(program: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  if (result.status === 0 && result.stdout.trim()) return result.stdout.trim();
  for (const dir of ['/usr/sbin', '/sbin']) if (fs.existsSync(`${dir}/${program}`)) return `${dir}/${program}`;
  return undefined;
}

export const nameOrPath = (program: string): string => which(program) ?? program;
