/**
 * CRC32 (IEEE 802.3, as in zlib) and CRC64 (ECMA-182, as in xz) over byte ranges,
 * table-driven. Node has no CRC64 and gained zlib.crc32 only in 22, so both are here.
 * CRC64 is kept as two 32-bit halves: BigInt per byte would be far too slow for the
 * tens of megabytes a control member may expand to.
 * Pure: no I/O.
 */

const CRC32_TABLE = new Uint32Array(256);
const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);

// Reflected polynomials: 0xEDB88320 and 0xC96C5795D7870F42.
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC32_TABLE[n] = c;

  let lo = n;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | (hi << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      lo = (lo ^ 0xd7870f42) >>> 0;
      hi = (hi ^ 0xc96c5795) >>> 0;
    }
  }
  CRC64_LO[n] = lo;
  CRC64_HI[n] = hi;
}

export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The CRC64 as the 8 little-endian bytes xz stores. */
export function crc64(data: Uint8Array, start = 0, end = data.length): Uint8Array {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  for (let i = start; i < end; i++) {
    const index = (lo ^ data[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_LO[index]!) >>> 0;
    hi = ((hi >>> 8) ^ CRC64_HI[index]!) >>> 0;
  }
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, (lo ^ 0xffffffff) >>> 0, true);
  view.setUint32(4, (hi ^ 0xffffffff) >>> 0, true);
  return out;
}
