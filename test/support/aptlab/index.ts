/**
 * The apt lab: the loopback world real-apt end-to-end tests run in (packages,
 * signed repositories, HTTP/HTTPS servers, a throwaway CA, a Qubes-style
 * tinyproxy, and throwaway apt roots). See README.md for a walkthrough.
 */
export { AptlabError, type AptlabErrorCode } from './errors.js';
export { createLab, makeDir, assertTraversableByOthers, type Lab, type LabOptions, type Closer } from './lab.js';
export { runCommand, runChecked, sealedEnv, type CommandResult, type RunOptions } from './process.js';
export { sameSizeOtherBytes,
  buildDeb,
  buildDebs,
  debFileName,
  versionWithoutEpoch,
  hashFile,
  type DebSpec,
  type DebArchitecture,
  type BuiltDeb,
  type FileHashes,
} from './deb.js';
export { createSigningKey, signRelease, type SigningKey, type SigningKeyOptions } from './signing.js';
export {
  buildRepository,
  poolPrefix,
  type Repository,
  type RepositoryOptions,
  type RepositoryPackage,
} from './repository.js';
export {
  serveStatic,
  type StaticServer,
  type StaticServerOptions,
  type RequestLogEntry,
  type RefusedConnection,
  type Redirect,
  type RedirectStatus,
} from './server.js';
export { makeCA, issueCert, type CertificateAuthority, type ServerCertificate, type IssueOptions } from './tls.js';
export { startTinyproxy, type Tinyproxy, type TinyproxyOptions } from './tinyproxy.js';
export { freePort, canListen } from './ports.js';
export {
  createAptRoot,
  runApt,
  archivesListing,
  sourceFor,
  STOCK_METHODS_DIR,
  type AptRoot,
  type AptRootOptions,
  type SourceEntry,
  type PreInstallHook,
  type AptConfigValue,
  type RunAptOptions,
  type ArchivesListing,
} from './aptroot.js';
