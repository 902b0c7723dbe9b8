/** A signature as it appears in a document, before anyone has checked it. */
import type { GpgSignature } from '../signatures/gpg.js';

export type DocumentSignature =
  | { readonly kind: 'raw'; readonly keyid?: string; readonly sig: Buffer }
  | ({ readonly kind: 'gpg' } & GpgSignature);
