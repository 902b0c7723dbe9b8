/**
 * A .deb's identity (from its control fields) and its digests (from its bytes), and
 * the file names apt gives it. Everything here fails with a DebError carrying a
 * stable code.
 */
export { DebError, type DebErrorCode } from './errors.js';
export type { DebIdentity } from './control.js';
export { readDebIdentity, debIdentityFromBytes } from './identity.js';
export { hashFile, digestsEqual, type ExtraDigest, type FileDigests } from './hash.js';
export { openDebFile, type DebFile } from './deb-file.js';
export { debFileName, parseDebFileName, type DebFileNameParts } from './filename.js';
export { isArchitecture, isPackageName, isVersion, versionWithoutEpoch } from './fields.js';
export { MAX_CONTROL_MEMBER_SIZE } from './ar.js';
export { MAX_CONTROL_TAR_SIZE } from './decompress.js';
