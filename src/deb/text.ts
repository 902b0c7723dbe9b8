/**
 * Bytes to text for the archive headers (ar, tar), which are byte strings, not
 * UTF-8. Buffer's latin1 maps every byte to the code point of the same value;
 * TextDecoder('latin1') would not (WHATWG treats it as windows-1252).
 */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
