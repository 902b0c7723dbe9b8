/**
 * Self-test of the apt lab (test/support/aptlab): real dpkg-deb, gpg, openssl,
 * tinyproxy and apt-get with the STOCK http/https methods, on loopback only.
 * If this passes, a failure in a reprogate e2e test is about reprogate, not the lab.
 *
 * Prints how long each step took (afterAll).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { chmod, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archivesListing,
  buildDeb,
  buildDebs,
  buildRepository,
  canListen,
  createAptRoot,
  createLab,
  createSigningKey,
  issueCert,
  makeCA,
  runApt,
  runChecked,
  sealedEnv,
  serveStatic,
  sourceFor,
  startTinyproxy,
  STOCK_METHODS_DIR,
  type AptRoot,
  type BuiltDeb,
  type CertificateAuthority,
  type CommandResult,
  type DebSpec,
  type Lab,
  type Repository,
  type StaticServer,
} from '../support/aptlab/index.js';

const E2E = 120_000; // ms: real apt, servers and dpkg

const SPECS: readonly DebSpec[] = [
  { name: 'rg-epoch', version: '1:2.0-1', architecture: 'all' },
  { name: 'rg-binnmu', version: '1.0-1+b1', architecture: 'amd64', source: 'rg-src (1.0-1)', depends: 'rg-epoch (>= 1:2.0)' },
  { name: 'rg-native', version: '3.1-2', architecture: 'amd64', sizeBytes: 200_000 },
];

// Qubes' tinyproxy allows CONNECT only to 443, so the proxied server must listen
// there: that needs root (or CAP_NET_BIND_SERVICE) and a free port 443.
const CAN_USE_443 = process.getuid?.() === 0 && (await canListen('127.0.0.1', 443));

const timings: Array<{ step: string; ms: number }> = [];
async function timed<T>(step: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    timings.push({ step, ms: Math.round(performance.now() - started) });
  }
}

/** Where apt-get leaves a package in archives/: epoch kept, its colon escaped as %3a. */
function archiveName(deb: BuiltDeb): string {
  const { name, version, architecture } = deb.spec;
  return `${name}_${version.replace(':', '%3a')}_${architecture}.deb`;
}

/**
 * Exit 0 and nothing on stderr: no error, and no warning either, in particular not
 * "Download is performed unsandboxed as root", which apt prints (and carries on)
 * when the _apt user cannot reach the lab.
 */
function expectOk(result: CommandResult): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
}

let lab: Lab;
let debs: BuiltDeb[];
let repo: Repository;
let ca: CertificateAuthority;
let aptUid: number;

beforeAll(async () => {
  lab = await createLab();
  debs = await timed('build 3 packages (dpkg-deb)', () => buildDebs(lab.path('debs'), SPECS));
  const key = await timed('make gpg signing key', () => createSigningKey(lab.path('repo-key')));
  lab.defer(() => key.close());
  repo = await timed('build signed repository', () =>
    buildRepository(lab.path('repo'), debs, { suite: 'stable', component: 'main', signWith: key }),
  );
  ca = await timed('make CA', () => makeCA(lab.path('ca')));
  aptUid = Number((await runChecked('id', ['-u', '_apt'], { env: sealedEnv(lab.path()) })).stdout.trim());
}, E2E);

afterAll(async () => {
  await lab?.close();
  console.log(timings.map(({ step, ms }) => `${String(ms).padStart(7)} ms  ${step}`).join('\n'));
});

describe('packages', () => {
  it('names pool files without the epoch and records the source package', () => {
    expect(debs.map((d) => d.fileName)).toEqual([
      'rg-epoch_2.0-1_all.deb',
      'rg-binnmu_1.0-1+b1_amd64.deb',
      'rg-native_3.1-2_amd64.deb',
    ]);
    expect(debs.map((d) => d.source)).toEqual([
      { name: 'rg-epoch', version: '1:2.0-1' },
      { name: 'rg-src', version: '1.0-1' },
      { name: 'rg-native', version: '3.1-2' },
    ]);
    expect(debs[2]!.size).toBeGreaterThan(200_000);
  });

  it('builds reproducibly: the same spec gives the same bytes', async () => {
    const again = await buildDeb(lab.path('debs-again'), SPECS[1]!);
    expect(again.sha256).toBe(debs[1]!.sha256);
    const random = await buildDeb(lab.path('debs-random'), { ...SPECS[2]!, padding: 'random' });
    expect(random.sha256).not.toBe(debs[2]!.sha256);
  });

  it('the in-process builder writes what dpkg-deb reads as the same package', async () => {
    const native = await buildDeb(lab.path('debs-node'), SPECS[2]!, { builder: 'node' });
    const env = sealedEnv(lab.path());
    for (const flag of ['--contents', '--field']) {
      const [a, b] = await Promise.all(
        [debs[2]!.path, native.path].map(async (p) => (await runChecked('dpkg-deb', [flag, p], { env })).stdout),
      );
      expect(b).toBe(a);
      expect(a).toContain('rg-native');
    }
  });

  it('the in-process builder writes a Debian-like control member (control.tar.xz with md5sums) that dpkg-deb reads', async () => {
    const debian = await buildDeb(lab.path('debs-node-xz'), SPECS[2]!, { builder: 'node', control: 'debian' });
    const env = sealedEnv(lab.path());
    expect((await runChecked('ar', ['t', debian.path], { env })).stdout.split('\n')).toContain('control.tar.xz');
    expect((await runChecked('dpkg-deb', ['--field', debian.path], { env })).stdout).toBe((await runChecked('dpkg-deb', ['--field', debs[2]!.path], { env })).stdout);
    const md5sums = (await runChecked('dpkg-deb', ['--info', debian.path, 'md5sums'], { env })).stdout;
    expect(md5sums).toMatch(/^[0-9a-f]{32} {2}usr\/share\/doc\/rg-native\/README$/m);
    await expect(buildDeb(lab.path('bad'), SPECS[2]!, { control: 'debian' })).rejects.toMatchObject({ code: 'APTLAB_BAD_SPEC' });
  });

  it('refuses names and versions that are not Debian ones', async () => {
    await expect(buildDeb(lab.path('bad'), { name: 'Bad_Name', version: '1', architecture: 'all' })).rejects.toMatchObject({
      code: 'APTLAB_BAD_SPEC',
    });
    await expect(buildDeb(lab.path('bad'), { name: 'ok', version: 'x:1', architecture: 'all' })).rejects.toMatchObject({
      code: 'APTLAB_BAD_SPEC',
    });
  });
});

describe('repository', () => {
  it('Packages agrees with apt-ftparchive on every field apt uses', async () => {
    const reference = await runChecked('apt-ftparchive', ['packages', 'pool'], { cwd: repo.root, env: sealedEnv(lab.path()) });
    const keys = ['Package', 'Source', 'Version', 'Architecture', 'Depends', 'Filename', 'Size', 'MD5sum', 'SHA256'];
    const pick = (text: string) =>
      parseStanzas(text)
        .map((s) => Object.fromEntries(keys.filter((k) => k in s).map((k) => [k, s[k]])))
        .sort((a, b) => String(a.Package).localeCompare(String(b.Package)));
    expect(pick(repo.packagesIndex)).toEqual(pick(reference.stdout));
    expect(pick(repo.packagesIndex)).toHaveLength(3);
  });

  it('InRelease and Release.gpg verify with gpgv against the exported keyring', async () => {
    const env = sealedEnv(lab.path());
    const gpgv = (...files: string[]) =>
      runChecked('gpgv', ['--homedir', lab.path('repo-key', 'tmp'), '--keyring', repo.keyringPath!, ...files], { env });
    await gpgv(join(repo.suiteDir, 'InRelease'));
    await gpgv(join(repo.suiteDir, 'Release.gpg'), join(repo.suiteDir, 'Release'));
  });
});

describe('static server', () => {
  let server: StaticServer;
  let file: BuiltDeb;
  let path: string;
  beforeAll(async () => {
    server = await serveStatic(repo.root, {
      redirect: (p) => (p.startsWith('/moved/') ? { location: `http://127.0.0.2:9/${p.slice(7)}`, status: 301 } : undefined),
      onRequest: (req, res) => {
        if (req.url !== '/teapot') return false;
        res.writeHead(418, { 'Content-Length': '5' });
        res.end('short');
        return true;
      },
    });
    file = debs[2]!;
    path = `/${repo.packages[2]!.filename}`;
  });
  afterAll(() => server.close());

  it('serves whole files with Last-Modified and answers If-Modified-Since with 304', async () => {
    const whole = await get(`${server.url}${path}`);
    expect(whole.status).toBe(200);
    expect(whole.body.length).toBe(file.size);
    const again = await get(`${server.url}${path}`, { 'If-Modified-Since': String(whole.headers['last-modified']) });
    expect(again.status).toBe(304);
  });

  it('serves byte ranges, honours If-Range, refuses ranges past the end', async () => {
    const bytes = await readFile(file.path);
    const lastModified = new Date(Math.floor((await stat(file.path)).mtimeMs / 1000) * 1000).toUTCString();
    const tail = await get(`${server.url}${path}`, { Range: 'bytes=1000-', 'If-Range': lastModified });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes 1000-${file.size - 1}/${file.size}`);
    expect(tail.body.equals(bytes.subarray(1000))).toBe(true);
    const stale = await get(`${server.url}${path}`, { Range: 'bytes=1000-', 'If-Range': 'Mon, 01 Jan 2001 00:00:00 GMT' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(file.size);
    const past = await get(`${server.url}${path}`, { Range: `bytes=${file.size}-` });
    expect(past.status).toBe(416);
  });

  it('redirects chosen paths, 404s missing files and paths that climb out of the root', async () => {
    const moved = await get(`${server.url}/moved/x.deb`);
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('http://127.0.0.2:9/x.deb');
    expect((await get(`${server.url}/nothing-here`)).status).toBe(404);
    expect((await get(`${server.url}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    expect(server.requests.map((r) => r.status)).toContain(301);
  });

  it('lets onRequest take over a request, and logs what it sent', async () => {
    const teapot = await get(`${server.url}/teapot`);
    expect([teapot.status, teapot.body.toString()]).toEqual([418, 'short']);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/teapot', status: 418, bytes: 5 });
  });

  it('with allowOnlyFrom, drops connections from any other address', async () => {
    const guarded = await serveStatic(repo.root, { allowOnlyFrom: '127.0.0.2' });
    try {
      await expect(get(`${guarded.url}${path}`)).rejects.toThrow();
      expect(guarded.refused).toEqual([expect.objectContaining({ remoteAddress: '127.0.0.1' })]);
      const viaAllowed = await get(`${guarded.url}${path}`, {}, { localAddress: '127.0.0.2' });
      expect(viaAllowed.status).toBe(200);
      expect(guarded.requests.map((r) => r.remoteAddress)).toEqual(['127.0.0.2']);
    } finally {
      await guarded.close();
    }
  });
});

describe('real apt-get with the stock methods', () => {
  describe('over http', () => {
    let server: StaticServer;
    let root: AptRoot;
    beforeAll(async () => {
      server = await serveStatic(repo.root);
      root = await createAptRoot(lab.path('root-http'), { sources: [sourceFor(repo, `${server.url}/`)] });
    });
    afterAll(() => server.close());

    it('update, then install --download-only puts all three packages in archives/', async () => {
      const update = await timed('http: apt-get update', () => runApt(root, ['update']));
      expectOk(update);
      expect(update.stdout).toMatch(/Get:\d+ http:\/\/127\.0\.0\.1:\d+ stable InRelease/);
      const install = await timed('http: apt-get install --download-only (3 packages)', () =>
        runApt(root, ['install', '--download-only', '-y', 'rg-binnmu', 'rg-native']),
      );
      expectOk(install);
      expect(await archivesListing(root)).toEqual({ archives: debs.map(archiveName).sort(), partial: [] });
      for (const deb of debs) {
        expect((await readFile(join(root.archivesDir, archiveName(deb)))).length).toBe(deb.size);
      }
      // The methods ran as _apt: apt hands partial/ to that user only when it sandboxes.
      expect((await stat(join(root.archivesDir, 'partial'))).uid).toBe(aptUid);
      expect(server.requests.every((r) => r.status === 200)).toBe(true);
    }, E2E);

    it('resumes a partial download with a Range request', async () => {
      expectOk(await runApt(root, ['clean']));
      const deb = debs[2]!;
      const partial = join(root.archivesDir, 'partial', deb.fileName);
      await writeFile(partial, (await readFile(deb.path)).subarray(0, 50_000));
      const { mtime } = await stat(deb.path); // apt sends the partial file's mtime as If-Range
      await utimes(partial, mtime, mtime);
      server.clearLog();
      const install = await timed('http: resume one package', () => runApt(root, ['install', '--download-only', '-y', 'rg-native']));
      expectOk(install);
      expect(server.requests).toEqual([
        expect.objectContaining({ status: 206, bytes: deb.size - 50_000, headers: expect.objectContaining({ range: 'bytes=50000-' }) }),
      ]);
      expect((await readFile(join(root.archivesDir, archiveName(deb)))).equals(await readFile(deb.path))).toBe(true);
    }, E2E);

    it('installs for real into the throwaway root (dpkg --root)', async () => {
      const install = await timed('http: apt-get install (dpkg into the root)', () => runApt(root, ['install', '-y', 'rg-binnmu']));
      expect(install.code).toBe(0);
      const status = await readFile(root.statusFile, 'utf8');
      expect(parseStanzas(status).map((s) => [s.Package, s.Version, s.Status])).toEqual([
        ['rg-binnmu', '1.0-1+b1', 'install ok installed'],
        ['rg-epoch', '1:2.0-1', 'install ok installed'],
      ]);
      expect(await readFile(join(root.dir, 'usr/share/doc/rg-binnmu/README'), 'utf8')).toBe('rg-binnmu 1.0-1+b1 amd64\n');
    }, E2E);
  });

  it('runs Pre-Install-Pkgs hooks with the protocol version asked for, and stops on a refusal', async () => {
    const hook = lab.path('hooks', 'record.sh');
    await mkdir(lab.path('hooks'), { recursive: true });
    // Writes its input (fd $APT_HOOK_INFO_FD) to <argv1>.txt; refuses if <argv1>.refuse exists.
    await writeFile(hook, '#!/bin/sh\ncat "/dev/fd/${APT_HOOK_INFO_FD:-0}" > "$1.txt"\n[ ! -e "$1.refuse" ]\n', { mode: 0o755 });
    const server = await serveStatic(repo.root);
    try {
      const record = lab.path('hooks', 'run');
      const root = await createAptRoot(lab.path('root-hooks'), {
        sources: [sourceFor(repo, `${server.url}/`)],
        hooks: { preInstallPkgs: [{ command: `${hook} ${record}`, version: 3, infoFd: 5 }] },
      });
      expectOk(await runApt(root, ['update']));
      await writeFile(`${record}.refuse`, '');
      const refused = await runApt(root, ['install', '-y', 'rg-epoch']);
      expect(refused.code).toBe(100);
      expect(refused.stderr).toContain(`Sub-process ${hook} ${record} returned an error code (1)`);
      expect(await readFile(root.statusFile, 'utf8')).toBe('');
      await rm(`${record}.refuse`);
      const allowed = await runApt(root, ['install', '-y', 'rg-epoch']);
      expect(allowed.code).toBe(0);
      const input = await readFile(`${record}.txt`, 'utf8');
      expect(input.split('\n')[0]).toBe('VERSION 3');
      expect(input).toContain(`rg-epoch - - none < 1:2.0-1 all none ${join(root.archivesDir, archiveName(debs[0]!))}`);
    } finally {
      await server.close();
    }
  }, E2E);

  it('serves a scheme from `methods` (stock http under the name lab+http, as apt-transport-tor does)', async () => {
    const server = await serveStatic(repo.root);
    try {
      const root = await createAptRoot(lab.path('root-methods'), {
        sources: [sourceFor(repo, `lab+${server.url}/`)],
        methods: { 'lab+http': join(STOCK_METHODS_DIR, 'http') },
      });
      const update = await runApt(root, ['update']);
      expectOk(update);
      expect(update.stdout).toMatch(/Get:1 lab\+http:\/\/127\.0\.0\.1:\d+ stable InRelease/);
      expectOk(await runApt(root, ['install', '--download-only', '-y', 'rg-epoch']));
      expect((await archivesListing(root)).archives).toEqual([archiveName(debs[0]!)]);
      await expect(
        createAptRoot(lab.path('root-methods-bad'), { sources: [], methods: { 'lab+x': lab.path('no-such-method') } }),
      ).rejects.toMatchObject({ code: 'APTLAB_METHOD_MISSING' });
    } finally {
      await server.close();
    }
  }, E2E);

  it('over https with the throwaway CA (one-line sources)', async () => {
    const cert = await timed('issue server certificate', () => issueCert(ca, { ips: ['127.0.0.1'] }));
    const server = await serveStatic(repo.root, { tls: cert });
    try {
      const root = await createAptRoot(lab.path('root-https'), {
        sources: [sourceFor(repo, `${server.url}/`)],
        sourcesFormat: 'one-line',
        config: { 'Acquire::https::CaInfo': ca.certPath },
      });
      const update = await timed('https: apt-get update', () => runApt(root, ['update']));
      expectOk(update);
      const install = await timed('https: apt-get install --download-only (3 packages)', () =>
        runApt(root, ['install', '--download-only', '-y', 'rg-binnmu', 'rg-native']),
      );
      expectOk(install);
      expect((await archivesListing(root)).archives).toEqual(debs.map(archiveName).sort());
      expect(server.requests.length).toBeGreaterThanOrEqual(5);
    } finally {
      await server.close();
    }
  }, E2E);

  it('apt refuses the https repository without the CA (the CA is what makes it work)', async () => {
    const cert = await issueCert(ca, { ips: ['127.0.0.1'], name: 'no-ca-test' });
    const server = await serveStatic(repo.root, { tls: cert });
    try {
      const root = await createAptRoot(lab.path('root-https-noca'), { sources: [sourceFor(repo, `${server.url}/`)] });
      const update = await runApt(root, ['update']);
      expect(update.stderr).toMatch(/Certificate verification failed/);
    } finally {
      await server.close();
    }
  }, E2E);

  it('downloads 100 in-process-built packages in one run', async () => {
    const specs = Array.from({ length: 100 }, (_, i): DebSpec => ({ name: `rg-bulk${i}`, version: `1.${i}-1`, architecture: 'all' }));
    const bulk = await timed('build 100 packages (in-process builder)', () => buildDebs(lab.path('debs-bulk'), specs, { builder: 'node' }));
    const bulkRepo = await timed('build unsigned repository of 100', () =>
      buildRepository(lab.path('repo-bulk'), bulk, { suite: 'bulk', component: 'main' }),
    );
    const server = await serveStatic(bulkRepo.root);
    try {
      const root = await createAptRoot(lab.path('root-bulk'), { sources: [sourceFor(bulkRepo, `${server.url}/`)] });
      expectOk(await runApt(root, ['update']));
      const install = await timed('http: install --download-only (100 packages)', () =>
        runApt(root, ['install', '--download-only', '-y', ...specs.map((s) => s.name)]),
      );
      expectOk(install);
      expect((await archivesListing(root)).archives).toHaveLength(100);
      // apt pipelines: far fewer connections than requests.
      expect(new Set(server.requests.map((r) => r.connection)).size).toBeLessThan(10);
      const dpkg = await timed('dpkg: install 100 packages into the root', () =>
        runApt(root, ['install', '-y', ...specs.map((s) => s.name)]),
      );
      expect(dpkg.code).toBe(0);
    } finally {
      await server.close();
    }
  }, E2E);
});

describe('Qubes-style proxy', () => {
  it('tinyproxy refuses CONNECT to a port it does not allow', async () => {
    const proxy = await startTinyproxy(lab.path('tinyproxy-connectport'), { connectPorts: [443] });
    try {
      const status = await new Promise<number>((done, fail) => {
        const req = httpRequest({ host: '127.0.0.1', port: proxy.port, method: 'CONNECT', path: '127.0.0.1:8443' });
        req.on('connect', (res, socket) => {
          socket.destroy();
          done(res.statusCode ?? 0);
        });
        req.on('response', (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        });
        req.on('error', fail);
        req.end();
      });
      expect(status).toBe(403);
      expect(await proxy.readLog()).toMatch(/Request .*CONNECT 127\.0\.0\.1:8443/);
    } finally {
      await proxy.close();
    }
  }, E2E);

  it.skipIf(!CAN_USE_443)(
    'apt reaches an https repository on 127.0.0.1:443 only through tinyproxy (ConnectPort 443, Bind 127.0.0.2)',
    async () => {
      const cert = await issueCert(ca, { ips: ['127.0.0.1'], name: 'proxied' });
      const server = await serveStatic(repo.root, { tls: cert, port: 443, allowOnlyFrom: '127.0.0.2' });
      const proxy = await timed('start tinyproxy', () =>
        startTinyproxy(lab.path('tinyproxy'), { connectPorts: [443], bindOutgoing: '127.0.0.2' }),
      );
      try {
        expect(server.url).toBe('https://127.0.0.1');
        const root = await createAptRoot(lab.path('root-proxy'), {
          sources: [sourceFor(repo, `${server.url}/`)],
          config: { 'Acquire::https::CaInfo': ca.certPath },
        });
        // Control: without the proxy, the server drops apt's connection.
        const direct = await runApt(root, ['update']);
        expect(direct.stderr).toMatch(/Failed to fetch https:\/\/127\.0\.0\.1\/dists\/stable\/InRelease/);
        expect(server.refused.length).toBeGreaterThan(0);
        expect(server.requests).toEqual([]);

        // As in a Qubes template: https falls back to Acquire::http::Proxy and tunnels with CONNECT.
        const proxied = ['-o', `Acquire::http::Proxy=${proxy.url}`];
        const update = await timed('proxy: apt-get update', () => runApt(root, ['update', ...proxied]));
        expectOk(update);
        const install = await timed('proxy: apt-get install --download-only (3 packages)', () =>
          runApt(root, ['install', '--download-only', '-y', 'rg-binnmu', 'rg-native', ...proxied]),
        );
        expectOk(install);
        expect((await archivesListing(root)).archives).toEqual(debs.map(archiveName).sort());
        expect(server.requests.length).toBeGreaterThanOrEqual(5);
        expect(new Set(server.requests.map((r) => r.remoteAddress))).toEqual(new Set(['127.0.0.2']));
        expect(await proxy.readLog()).toMatch(/Request \(file descriptor \d+\): CONNECT 127\.0\.0\.1:443 HTTP\/1\.1/);
      } finally {
        await proxy.close();
        await server.close();
      }
    },
    E2E,
  );
});

describe('isolation and configuration', () => {
  it("apt in a lab root sees none of the machine's /etc/apt configuration", async () => {
    const root = await createAptRoot(lab.path('root-isolation'), { sources: [] });
    const labDump = await runApt(root, ['dump'], { program: 'apt-config' });
    expectOk(labDump);
    expect(labDump.stdout).toContain(`Dir "${root.dir}/";`);
    // apt's own /etc/apt/apt.conf.d/01autoremove sets this on every Debian system.
    const machineDump = await runChecked('apt-config', ['dump'], { env: sealedEnv(lab.path()) });
    expect(machineDump.stdout).toContain('APT::NeverAutoRemove');
    expect(labDump.stdout).not.toContain('APT::NeverAutoRemove');
    expect(labDump.stdout).not.toContain('dpkg-preconfigure');
  });

  it('writes config, debug knobs and apt.conf.d parts; a list replaces the default', async () => {
    const root = await createAptRoot(lab.path('root-config'), {
      sources: [],
      config: { 'Acquire::http::Timeout': 7, 'APT::Architectures': ['amd64', 'i386'] },
      debug: ['Acquire::http'],
      confParts: { '10reprogate': 'Reprogate::Test "from-part";\n' },
    });
    const dump = (await runApt(root, ['dump'], { program: 'apt-config' })).stdout;
    expect(dump).toContain('Acquire::http::Timeout "7";');
    expect(dump).toContain('Debug::Acquire::http "true";');
    expect(dump).toContain('Reprogate::Test "from-part";');
    expect(dump.match(/^APT::Architectures:: "[^"]*";$/gm)).toEqual(['APT::Architectures:: "amd64";', 'APT::Architectures:: "i386";']);
    await expect(
      createAptRoot(lab.path('root-config-bad'), { sources: [], config: { 'Some::Key': 'a "quoted" value' } }),
    ).rejects.toMatchObject({ code: 'APTLAB_BAD_SPEC' });
  });

  it('refuses to put a lab where the _apt user cannot reach it', async () => {
    const hidden = lab.path('hidden');
    await mkdir(hidden, { mode: 0o700 });
    await chmod(hidden, 0o700);
    await expect(createLab({ parent: hidden })).rejects.toMatchObject({ code: 'APTLAB_SANDBOX_UNREACHABLE' });
  });
});

function parseStanzas(text: string): Array<Record<string, string>> {
  return text
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0 && !/^\s/.test(line)) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
      }
      return fields;
    });
}

interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, options: { localAddress?: string } = {}): Promise<Response> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((done, fail) => {
    const req = request(url, { headers, agent: false, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}
