import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { UploadResponse } from '@chat/protocol';
import { LatencyRecorder } from '../latency';
import { removePopulation, seedPopulation } from '../population';
import { fmt, measured, type ScenarioContext, type ScenarioResult } from '../scenario';
import { gatewayHealth } from '../system';

export interface UploadsOptions {
  /** Uploads in flight at once (all of them start together). */
  concurrent: number;
  /** Bytes of each file. */
  bytes: number;
}

/** Bytes a process has read and written through syscalls, sockets included (/proc/<pid>/io). */
function ioBytes(pid: number): { read: number; written: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { read: field('rchar'), written: field('wchar') };
  } catch {
    return { read: Number.NaN, written: Number.NaN };
  }
}

/**
 * `concurrent` members upload one file of `bytes` each, all at once, the way the web app uploads: ask the gateway for
 * an upload (POST /api/rooms/:id/uploads), then PUT the bytes to the presigned URL (nginx's /<bucket>/
 * path, passed to the object store). Prints the gateways' CPU per upload, their event-loop delay, and
 * the bytes each process read meanwhile: the gateways read kilobytes, the object store the files.
 */
export async function runUploadsScenario(ctx: ScenarioContext, o: UploadsOptions): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  // One room of `concurrent` members, each uploading one file: one user's uploads queue on its quota lock.
  const population = await seedPopulation(db, [o.concurrent]);
  const roomId = population.rooms[0]!.id;
  const api = (i: number, path: string, init: RequestInit = {}) =>
    fetch(`${system.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${population.users[i]!.token}`, 'content-type': 'application/json', ...init.headers } });
  // Random bytes behind a PNG signature: the gateway checks the first bytes only when a message takes the file.
  const file = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(o.bytes - 8)]);
  const grants = new LatencyRecorder();
  const puts = new LatencyRecorder();
  const errors: Record<string, number> = {};
  const fail = (what: string) => (errors[what] = (errors[what] ?? 0) + 1);

  const upload = (i: number) =>
    uploadOne(i).catch((error: Error & { cause?: { code?: string; message?: string } }) => fail(`${error.message}: ${error.cause?.code ?? error.cause?.message ?? ''}`));
  const uploadOne = async (i: number) => {
    const started = performance.now();
    const granted = await api(i, `/api/rooms/${roomId}/uploads`, { method: 'POST', body: JSON.stringify({ name: `bench-${i}.png`, size: file.length, contentType: 'image/png' }) });
    if (granted.status !== 201) return void fail(`grant HTTP ${granted.status}`);
    const { upload: grant } = (await granted.json()) as UploadResponse;
    grants.record(performance.now() - started);
    const putStarted = performance.now();
    const put = await fetch(grant.url, { method: 'PUT', body: file, headers: grant.headers });
    await put.arrayBuffer();
    if (put.status !== 200) return void fail(`PUT HTTP ${put.status}`);
    puts.record(performance.now() - putStarted);
  };

  const watched = system.processes.filter((p) => p.name.startsWith('gateway') || p.name === 'object-store' || p.name === 'nginx');
  await gatewayHealth(system); // resets the gateways' event-loop histograms: the next scrape covers the run only
  const before = new Map(watched.map((p) => [p.name, ioBytes(p.pid)]));
  log(`uploads: ${o.concurrent} concurrent uploads of ${fmt(o.bytes / 1024)} KiB through presigned URLs`);
  const run = await measured(ctx, async () => {
    const start = performance.now();
    await Promise.all(Array.from({ length: o.concurrent }, (_, i) => upload(i)));
    return (performance.now() - start) / 1000;
  });
  const health = await gatewayHealth(system);
  const read = Object.fromEntries(watched.map((p) => [p.name, ioBytes(p.pid).read - before.get(p.name)!.read]));
  // The product's own clean-up: deleting the account deletes its objects, then the rows.
  for (let i = 0; i < o.concurrent; i++) {
    const deleted = await api(i, '/api/me', { method: 'DELETE' });
    if (deleted.status !== 204) fail(`DELETE /api/me HTTP ${deleted.status}`);
  }
  await removePopulation(db, population);

  const gatewayCpuSeconds = run.processes.filter((p) => p.name.startsWith('gateway')).reduce((sum, p) => sum + (p.cpuPercent / 100) * run.value, 0);
  const completed = puts.summary().count;
  const gatewayRead = Object.entries(read).filter(([name]) => name.startsWith('gateway')).reduce((sum, [, bytes]) => sum + bytes, 0);
  const uploaded = completed * o.bytes;
  const g = grants.summary();
  const p = puts.summary();
  const failures = Object.keys(errors).length > 0 ? [`uploads: ${JSON.stringify(errors)}`] : [];
  const label = `${o.concurrent} concurrent uploads of ${fmt(o.bytes / 1024)} KiB`;
  return {
    scenario: 'uploads',
    parameters: { concurrent: o.concurrent, bytes: o.bytes },
    measurements: [
      {
        label,
        figures: {
          'uploads done': `${completed} of ${o.concurrent} in ${run.value.toFixed(2)} s`,
          'grant p50/p99 ms': `${g.p50} / ${g.p99}`,
          'PUT p50/p99 ms': `${p.p50} / ${p.p99}`,
          'gateway CPU per upload ms': fmt((gatewayCpuSeconds * 1000) / Math.max(1, completed), 2),
          'gateway event-loop p99 ms': health.map((h) => `${h.id} ${h.eventLoopP99Ms}`).join(', '),
          'bytes read: gateways / object store': `${fmt(gatewayRead / 1024)} KiB / ${fmt((read['object-store'] ?? Number.NaN) / 1024)} KiB (uploaded ${fmt(uploaded / 1024)} KiB)`,
        },
        processes: run.processes,
        generator: run.generator,
        machine: run.machine,
        details: { grants: g, puts: p, gatewayCpuSeconds, read, health, errors },
      },
    ],
    targets: [
      {
        target: 'the file bytes never pass through a gateway (the gateways read under 10 % of what was uploaded)',
        actual: `gateways read ${fmt(gatewayRead / 1024)} KiB for ${fmt(uploaded / 1024)} KiB uploaded`,
        met: completed === o.concurrent && gatewayRead < uploaded * 0.1,
        measurement: label,
      },
    ],
    failures,
  };
}
