/**
 * The apt method protocol codec (src/apt/protocol/): a stream of bytes from apt or
 * from apt's http method, cut into chunks anywhere, parsed by `AptMessageParser`;
 * every message that comes out is read as an acquire item or a 601 configuration and
 * written back. Throws only AptProtocolError; and whatever `formatAptMessage` writes
 * for a parsed message, the parser reads back as a message that formats identically
 * (so a relayed message cannot change meaning on its way through).
 */
import fc from 'fast-check';
import { isPackageItem, readAcquire } from '../../src/apt/protocol/acquire.js';
import { AptConfig } from '../../src/apt/protocol/config.js';
import { AptProtocolError } from '../../src/apt/protocol/errors.js';
import { formatAptMessage } from '../../src/apt/protocol/format.js';
import { AptMessageParser, parseAptMessages } from '../../src/apt/protocol/framing.js';
import { defineTarget, ensure } from './harness.js';
import { mutatedBytes, tokenSoup, utf8 } from './mutate.js';
import { projectFiles } from './seeds.js';

const TOKENS = ['100 Capabilities\n', '600 URI Acquire\n', '601 Configuration\n', '201 URI Done\n', '400 URI Failure\n', 'URI: reprogate+http://127.0.0.1/a_1.0_all.deb\n', 'Filename: /tmp/a.deb\n', 'Target-Type: deb\n', 'Expected-SHA256: ' + 'ab'.repeat(32) + '\n', 'Config-Item: Acquire::http::Proxy=http%3a//127.0.0.1%3a8082/\n', ' continued\n', 'Message: \n', '\n', '\r\n', ':', '%', '\u0000', '\u001b', '\u00e9', '\u0085'];

interface Input {
  readonly stream: Uint8Array;
  /** Chunk boundaries, as fractions of the stream length in 1/1000. */
  readonly cuts: readonly number[];
}

let captures: Uint8Array[] = [];

export const aptCodecTarget = defineTarget<Input>({
  name: 'apt-codec',
  description: 'apt message parser and formatter: AptProtocolError only; chunking does not matter; format(parse(x)) is stable',
  expected: [AptProtocolError],
  caseBoundMs: 1000,
  prepare() {
    captures = projectFiles('test/unit/apt/golden', '.txt');
    return Promise.resolve();
  },
  arbitrary() {
    const stream = fc.oneof(
      { weight: 3, arbitrary: mutatedBytes(captures, TOKENS.map(utf8), 6) },
      { weight: 2, arbitrary: tokenSoup(TOKENS, 30).map(utf8) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
    );
    return fc.record({ stream, cuts: fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 8 }) });
  },
  run({ stream, cuts }) {
    const whole = readAll([stream]);
    const chunked = readAll(chunks(stream, cuts));
    ensure(JSON.stringify(whole) === JSON.stringify(chunked), 'the messages depend on how the stream was cut into chunks');
    for (const message of whole) {
      if (message.code === 600) {
        const item = readAcquire(message);
        isPackageItem(item);
      }
      if (message.code === 601) AptConfig.fromMessage(message).get('Acquire::http::Proxy');
      const written = formatAptMessage(message);
      const [again, ...extra] = parseAptMessages(written);
      ensure(again !== undefined && extra.length === 0, `formatted message does not parse back as one message: ${JSON.stringify(written)}`);
      ensure(formatAptMessage(again) === written, `formatting is not stable: ${JSON.stringify(written)}`);
    }
  },
});

/** Parses a stream fed as these chunks; an error is thrown with whatever was complete discarded. */
function readAll(parts: readonly Uint8Array[]): ReturnType<AptMessageParser['push']> {
  const parser = new AptMessageParser();
  const out = parts.flatMap((part) => parser.push(part));
  parser.end();
  return out;
}

function chunks(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor((c / 1000) * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}
