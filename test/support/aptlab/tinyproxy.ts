/**
 * tinyproxy set up like the Qubes OS updates proxy (QubesOS/qubes-core-agent-linux
 * network/tinyproxy-updates.conf): CONNECT allowed only to the listed ports (Qubes:
 * 443 and 873), no Via header, clients from 127.0.0.1 only, Timeout 60,
 * MaxClients 50. It runs in the foreground (`-d`) with its config, log and
 * (absent) pid file in the lab, as the current user.
 *
 * `bindOutgoing` sets tinyproxy's `Bind`: its upstream connections then come from
 * that address (e.g. 127.0.0.2), so a server started with `allowOnlyFrom` can
 * prove that a request went through the proxy.
 *
 * Deliberately not copied from Qubes: `Filter` (Qubes' blacklist refuses 127.0.0.1,
 * which is where the test servers live), `User`/`Group` (no privilege drop in a
 * test), syslog (the log goes to a file the test reads). LogLevel is Info rather
 * than Qubes' Notice, so every CONNECT and GET is logged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AptlabError } from './errors.js';
import { makeDir } from './lab.js';
import { freePort } from './ports.js';
import { sealedEnv } from './process.js';

export interface TinyproxyOptions {
  /** Listen port on 127.0.0.1 (default 0: a free one). */
  readonly port?: number;
  /** Ports CONNECT may reach (default Qubes' [443, 873]). */
  readonly connectPorts?: readonly number[];
  /** Source address of tinyproxy's upstream connections (tinyproxy `Bind`). */
  readonly bindOutgoing?: string;
  /** Log file (default `<dir>/tinyproxy.log`). */
  readonly logFile?: string;
}

export interface Tinyproxy extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/`, the value for `Acquire::http::Proxy`. */
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
  readLog(): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited within 3 s. */
  close(): Promise<void>;
}

const READY_LINE = 'Accepting connections';
const START_TIMEOUT_MS = 10_000;

export async function startTinyproxy(dir: string, options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  await makeDir(dir);
  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  const connectPorts = options.connectPorts ?? [443, 873];
  const logFile = options.logFile ?? join(dir, 'tinyproxy.log');
  const config = join(dir, 'tinyproxy.conf');
  if (options.bindOutgoing !== undefined && isIP(options.bindOutgoing) === 0) {
    throw new AptlabError('APTLAB_BAD_SPEC', `tinyproxy bindOutgoing ${JSON.stringify(options.bindOutgoing)} is not an IP address`);
  }
  if (connectPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new AptlabError('APTLAB_BAD_SPEC', `tinyproxy connectPorts ${JSON.stringify(connectPorts)} must be TCP ports`);
  }
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    ...(options.bindOutgoing === undefined ? [] : [`Bind ${options.bindOutgoing}`]),
    'Timeout 60',
    'MaxClients 50',
    'DisableViaHeader Yes',
    `LogFile "${logFile}"`,
    'LogLevel Info',
    'Allow 127.0.0.1',
    ...connectPorts.map((p) => `ConnectPort ${p}`),
  ];
  await writeFile(config, `${lines.join('\n')}\n`);
  await writeFile(logFile, '');

  const tmp = await makeDir(join(dir, 'tmp'), 0o700);
  const child = spawn('tinyproxy', ['-d', '-c', config], { env: sealedEnv(tmp), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let startError: Error | undefined;
  child.once('error', (e) => (startError = e));

  const readLog = (): Promise<string> => readFile(logFile, 'utf8');
  const close = async (): Promise<void> => stop(child, exited);

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (startError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      await close();
      throw new AptlabError(
        'APTLAB_START_FAILED',
        `tinyproxy did not start (${startError?.message ?? `exit ${child.exitCode ?? child.signalCode}`}): ` +
          `${output.trim()} ${(await readLog()).trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    if ((await readLog()).includes(READY_LINE)) break;
    if (Date.now() > deadline) {
      await close();
      throw new AptlabError('APTLAB_START_FAILED', `tinyproxy on port ${port} was not ready after ${START_TIMEOUT_MS} ms; see ${logFile}`);
    }
    await sleep(20);
  }
  return { url: `http://127.0.0.1:${port}/`, port, logFile, readLog, close, [Symbol.asyncDispose]: close };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(3_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}
