/**
 * A throwaway certificate authority and server certificates with IP
 * subjectAltNames, made with the real `openssl`, so HTTPS tests run against
 * 127.0.0.x and apt trusts them through `Acquire::https::CaInfo` alone (the
 * machine's trust store is never touched).
 *
 * Every openssl run gets its own config file (the system openssl.cnf is not read),
 * so the extensions are exactly those written here: a CA:TRUE root and
 * CA:FALSE/serverAuth leaves, ECDSA P-256, valid for a few days.
 *
 * Does not make client certificates, CRLs or intermediate CAs.
 */
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { AptlabError } from './errors.js';
import { makeDir } from './lab.js';
import { runChecked, sealedEnv } from './process.js';

export interface CertificateAuthority {
  readonly dir: string;
  /** PEM certificate (mode 0644: apt reads it as _apt), for `Acquire::https::CaInfo`. */
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: string;
}

export interface ServerCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  /** PEM, ready for `serveStatic(root, { tls: { cert, key } })`. */
  readonly cert: string;
  readonly key: string;
}

export interface IssueOptions {
  /** IP subjectAltNames (and the first one as CN). */
  readonly ips: readonly string[];
  readonly dnsNames?: readonly string[];
  /** File base name under the CA's `issued/` (default: derived from the names). */
  readonly name?: string;
}

const VALID_DAYS = '3';

export async function makeCA(dir: string): Promise<CertificateAuthority> {
  await makeDir(dir);
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  const config = join(dir, 'ca.cnf');
  await writeFile(
    config,
    [
      '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = ext',
      '[dn]', 'CN = aptlab throwaway CA',
      '[ext]', 'basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash', '',
    ].join('\n'),
  );
  await openssl(dir, ['req', '-x509', '-config', config, ...newEcKey(keyPath), '-out', certPath, '-days', VALID_DAYS]);
  await chmod(certPath, 0o644);
  return { dir, certPath, keyPath, cert: await readFile(certPath, 'utf8') };
}

export async function issueCert(ca: CertificateAuthority, options: IssueOptions): Promise<ServerCertificate> {
  const ips = options.ips;
  const dnsNames = options.dnsNames ?? [];
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new AptlabError('APTLAB_BAD_SPEC', `certificate IP ${JSON.stringify(ip)} is not an IP address`);
  }
  for (const name of dnsNames) {
    if (!/^[A-Za-z0-9.-]+$/.test(name)) throw new AptlabError('APTLAB_BAD_SPEC', `certificate DNS name ${JSON.stringify(name)} is malformed`);
  }
  const commonName = ips[0] ?? dnsNames[0];
  if (commonName === undefined) throw new AptlabError('APTLAB_BAD_SPEC', 'a server certificate needs at least one IP or DNS name');
  const base = options.name ?? [...ips, ...dnsNames].join('_').replace(/[^A-Za-z0-9._-]/g, '-');
  const dir = await makeDir(join(ca.dir, 'issued'));
  const certPath = join(dir, `${base}.crt`);
  const keyPath = join(dir, `${base}.key`);
  const config = join(dir, `${base}.cnf`);
  const altNames = [...ips.map((ip) => `IP:${ip}`), ...dnsNames.map((n) => `DNS:${n}`)].join(', ');
  await writeFile(
    config,
    [
      '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = ext',
      '[dn]', `CN = ${commonName}`,
      '[ext]', 'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth', `subjectAltName = ${altNames}`,
      'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', '',
    ].join('\n'),
  );
  // OpenSSL 3's `req -x509 -CA` signs the new key with the CA in one step (no CSR, no serial file).
  await openssl(dir, [
    'req', '-x509', '-config', config, ...newEcKey(keyPath), '-out', certPath, '-days', VALID_DAYS,
    '-CA', ca.certPath, '-CAkey', ca.keyPath,
  ]);
  await chmod(certPath, 0o644);
  return { certPath, keyPath, cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
}

function newEcKey(keyPath: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc', '-keyout', keyPath];
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const tmp = await makeDir(join(dir, 'tmp'), 0o700);
  await runChecked('openssl', args, { env: sealedEnv(tmp), timeoutMs: 30_000 });
}
