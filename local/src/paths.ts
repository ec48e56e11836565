import path from 'node:path';

/** The repository root (this file is local/src/paths.ts, or local/dist/paths.js once built). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** Everything the local system writes: data, logs, pid files, tools. Git-ignored. */
export const dataRoot = path.join(repoRoot, '.data');

/** Where `go install` puts the Go programs listed in local/go-tools.txt. */
export const toolsBin = path.join(dataRoot, 'tools', 'bin');

/** Where Maven copies Kafka's jars, one folder per Kafka version. */
export const kafkaLibs = (version: string): string => path.join(dataRoot, 'tools', `kafka-${version}`);
