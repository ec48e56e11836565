// The local stack's own behaviour: clear errors for ports in use and for processes that die or hang,
// idempotent starts, and an nginx config that nginx itself accepts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assertPortFree, describeMissing, freePort, isListening, kafkaVersion, LocalStackError, nginxBinary, renderNginxConfig, runningPid, startProcess, stopProcess } from '../src';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'local-stack-'));

describe('ports', () => {
  it('names the port and how to find its owner when it is taken', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await expect(assertPortFree(port, 'redis')).rejects.toThrow(new RegExp(`port ${port} is already in use, so redis cannot start`));
    } finally {
      server.close();
    }
  });
});

describe('processes', () => {
  it('reports a process that exits while starting, with the tail of its log', async () => {
    const dir = tmp();
    const start = startProcess({
      name: 'crasher',
      dir,
      command: process.execPath,
      args: ['-e', 'console.error("cannot bind: permission denied"); process.exit(3)'],
      isReady: async () => false,
      readyTimeoutMs: 10_000,
    });
    await expect(start).rejects.toThrow(LocalStackError);
    await expect(start).rejects.toThrow(/crasher exited with code 3[\s\S]*cannot bind: permission denied/);
  });

  it('stops a process that never becomes ready and says so, with its log', async () => {
    const dir = tmp();
    const p = {
      name: 'hanger',
      dir,
      command: process.execPath,
      args: ['-e', 'console.log("still warming up"); setInterval(() => {}, 1000)'],
      isReady: async () => false,
      readyTimeoutMs: 1_000,
    };
    await expect(startProcess(p)).rejects.toThrow(/hanger did not become ready within 1 s[\s\S]*still warming up/);
    expect(runningPid(p)).toBeUndefined();
  });

  it('starting twice leaves the running process alone, and stop leaves no process', async () => {
    const dir = tmp();
    const port = await freePort();
    const p = {
      name: 'listener',
      dir,
      command: process.execPath,
      args: ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1')`],
      isReady: () => isListening(port),
    };
    const first = await startProcess(p);
    const second = await startProcess(p);
    expect(first.started).toBe(true);
    expect(second).toEqual({ pid: first.pid, started: false });
    expect(await stopProcess(p)).toBe(true);
    expect(runningPid(p)).toBeUndefined();
    expect(() => process.kill(first.pid, 0)).toThrow();
  });
});

describe('nginx config', () => {
  it('pins each gateway with the others as backups, and nginx accepts it', () => {
    const dir = tmp();
    const config = renderNginxConfig({ dir, port: 18080, webRoot: dir, gateways: [{ id: 'g1', port: 13001 }, { id: 'g2', port: 13002 }] });
    expect(config).toMatch(/upstream gateway_g1 \{\s+server 127\.0\.0\.1:13001[^;]*;\s+server 127\.0\.0\.1:13002[^;]*backup;/);
    expect(config).toMatch(/upstream gateway_g2 \{\s+server 127\.0\.0\.1:13002[^;]*;\s+server 127\.0\.0\.1:13001[^;]*backup;/);
    expect(config).toContain('g1 gateway_g1;');
    expect(config).not.toMatch(/\{\{/);
    fs.writeFileSync(path.join(dir, 'nginx.conf'), config);
    expect(() => execFileSync(nginxBinary(), ['-t', '-q', '-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('installer', () => {
  it('names each missing program, its package and the command that installs them', () => {
    const message = describeMissing([
      { name: 'Redis', debianPackage: 'redis-server' },
      { name: 'nginx', debianPackage: 'nginx' },
    ]);
    expect(message).toContain('missing: Redis (Debian/Ubuntu package "redis-server"), nginx (Debian/Ubuntu package "nginx")');
    expect(message).toContain('sudo apt-get install redis-server nginx');
  });

  it('reads the Kafka version from the pom, the one source of truth', () => {
    expect(kafkaVersion()).toMatch(/^4\.\d+\.\d+$/);
  });
});
