// The web image's nginx config (web/nginx.conf), run by the real nginx: its CSP names the object store's
// origin when a deployment sets one (the k8s ConfigMap chat-web-object-store, mounted at
// /etc/nginx/chat/), and stays same-origin without one. The config's absolute paths (the image's web
// root and include folder) are moved into a temporary folder; nothing else is changed.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isListening, nginxBinary, repoRoot, waitFor } from '../src';

const running: ChildProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill('SIGTERM');
});

/** Starts nginx with web/nginx.conf on a free port; `origin` is what a deployment's include file sets. */
async function serveWebConfig(origin?: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-nginx-'));
  const port = await freePort();
  const includes = path.join(dir, 'chat');
  fs.mkdirSync(includes);
  fs.mkdirSync(path.join(dir, 'html'));
  fs.writeFileSync(path.join(dir, 'html', 'index.html'), '<!doctype html><title>chat</title>');
  if (origin !== undefined) fs.writeFileSync(path.join(includes, 'object-store.conf'), `set $object_store_origin "${origin}";\n`);
  const server = fs
    .readFileSync(path.join(repoRoot, 'web', 'nginx.conf'), 'utf8')
    .replace('listen 8080;', `listen 127.0.0.1:${port};`)
    .replace('root /usr/share/nginx/html;', `root ${path.join(dir, 'html')};`)
    .replace('include /etc/nginx/chat/*.conf;', `include ${includes}/*.conf;`);
  const main = `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events {}
http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${server}
}`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), main);
  const nginx = spawn(nginxBinary(), ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  running.push(nginx);
  if (!(await waitFor(() => isListening(port), 10_000))) throw new Error(`nginx did not listen: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
  return port;
}

const cspOf = async (port: number, urlPath: string) => (await fetch(`http://127.0.0.1:${port}${urlPath}`)).headers.get('content-security-policy') ?? '';
const directive = (csp: string, name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `));

describe('web nginx config', () => {
  it('allows the object store origin a deployment sets in connect-src (uploads) and img-src (images), on every path', async () => {
    const origin = 'https://chat-prod-files.s3.eu-west-1.amazonaws.com';
    const port = await serveWebConfig(origin);
    for (const urlPath of ['/', '/healthz', '/rooms/some-client-route']) {
      const csp = await cspOf(port, urlPath);
      expect(directive(csp, 'connect-src')).toBe(`connect-src 'self' ${origin}`);
      expect(directive(csp, 'img-src')).toBe(`img-src 'self' data: ${origin}`);
      expect(directive(csp, 'script-src')).toBe("script-src 'self'");
    }
  });

  it('stays same-origin without one (the store is served on the web origin)', async () => {
    const port = await serveWebConfig();
    const csp = await cspOf(port, '/');
    expect(directive(csp, 'connect-src')).toBe("connect-src 'self'");
    expect(directive(csp, 'img-src')).toBe("img-src 'self' data:");
  });
});
