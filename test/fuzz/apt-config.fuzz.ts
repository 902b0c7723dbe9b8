/**
 * apt's configuration as `601 Configuration` carries it (src/apt/protocol/config.ts):
 * Config-Item lines of QuoteString'd `key=value`, decoded and looked up as apt's tree
 * does. Throws only AptProtocolError; quoting round-trips any text; and a 601 built
 * from items reads back every item's last value.
 */
import fc from 'fast-check';
import { AptConfig, dequoteConfigString, formatConfigItem, parseConfigItem, quoteConfigString } from '../../src/apt/protocol/config.js';
import { AptProtocolError } from '../../src/apt/protocol/errors.js';
import { formatAptMessage } from '../../src/apt/protocol/format.js';
import { parseAptMessages } from '../../src/apt/protocol/framing.js';
import { aptMessage } from '../../src/apt/protocol/message.js';
import { defineTarget, ensure } from './harness.js';
import { tokenSoup } from './mutate.js';
import { projectFiles } from './seeds.js';

/** Well-formed text: any code points, no lone surrogates (they have no UTF-8 form). */
const text = fc.string({ unit: 'grapheme-composite', maxLength: 24 });
const KEY_TOKENS = ['Acquire', '::', 'http', 'Proxy', 'Reprogate', 'Policy', 'Dir', 'Bin', 'Methods', 'RootDir', '%', '%3a', '%zz', '%2', '=', '"', ' ', 'é'];

type Input =
  | { readonly kind: 'raw-items'; readonly items: readonly string[]; readonly lookups: readonly string[] }
  | { readonly kind: 'pairs'; readonly pairs: readonly (readonly [string, string])[] };

let realItems: string[] = [];

export const aptConfigTarget = defineTarget<Input>({
  name: 'apt-601',
  description: '601 Configuration decoder: AptProtocolError only; QuoteString round-trips; items read back as apt sets them',
  expected: [AptProtocolError],
  caseBoundMs: 1000,
  prepare() {
    realItems = projectFiles('test/unit/apt/golden', '.txt')
      .flatMap((b) => b.toString('utf8').split('\n'))
      .filter((line) => line.startsWith('Config-Item: '))
      .map((line) => line.slice('Config-Item: '.length));
    return Promise.resolve();
  },
  arbitrary() {
    const item = fc.oneof(fc.constantFrom(...realItems), tokenSoup(KEY_TOKENS, 8), fc.string({ unit: 'binary', maxLength: 16 }));
    const key = fc.oneof(tokenSoup(['Acquire', 'http', 'Proxy', '::', 'Dir'], 5), text);
    return fc.oneof(
      fc.record({ kind: fc.constant('raw-items' as const), items: fc.array(item, { maxLength: 12 }), lookups: fc.array(key, { maxLength: 4 }) }),
      fc.record({ kind: fc.constant('pairs' as const), pairs: fc.array(fc.tuple(key, text), { maxLength: 8 }) }),
    );
  },
  run(input) {
    if (input.kind === 'raw-items') {
      const config = AptConfig.fromMessage(parseOne(input.items.map((i) => ['Config-Item', i] as const)));
      for (const key of [...input.lookups, 'Acquire::http::Proxy', 'Dir::Bin::Methods']) {
        config.get(key);
        config.getList(key);
        config.getBool(key, false);
        config.findDir(key, '/usr/lib/apt/methods');
      }
      return;
    }
    for (const [k, v] of input.pairs) {
      ensure(dequoteConfigString(quoteConfigString(v)) === v, `QuoteString does not round-trip ${JSON.stringify(v)}`);
      ensure(/^[\x21-\x7e]*$/.test(quoteConfigString(k)), `QuoteString left a byte apt would have quoted: ${JSON.stringify(k)}`);
    }
    const usable = input.pairs.filter(([k]) => k !== '');
    const config = AptConfig.fromMessage(parseOne(usable.map(([k, v]) => ['Config-Item', formatConfigItem(k, v)] as const)));
    ensure(config.entries().length === usable.length, 'a 601 item was lost');
    usable.forEach(([k, v], i) => {
      ensure(JSON.stringify(parseConfigItem(formatConfigItem(k, v))) === JSON.stringify([k, v]), `item ${JSON.stringify([k, v])} does not round-trip`);
      ensure(JSON.stringify(config.entries()[i]) === JSON.stringify([k, v]), `601 item ${i} reads back differently`);
    });
  },
});

/** Writes a 601 with these fields and reads it back through the parser, as the method would receive it. */
function parseOne(fields: readonly (readonly [string, string])[]) {
  const [message] = parseAptMessages(formatAptMessage(aptMessage(601, fields)));
  if (message === undefined) throw new Error('a formatted 601 did not parse back');
  return message;
}
