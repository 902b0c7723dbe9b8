/**
 * A stand-in for apt's http method that misbehaves on purpose: it answers every
 * `600` with a `103 Redirect` to the same location under plain `http:`, which the
 * real method (started under our scheme) never does. Lets the tests show that the
 * relay refuses such a redirect on its own. Installed as `http` in a test methods
 * directory and selected through `Dir::Bin::Methods`.
 */
import { AptMessageParser, aptMessage, formatAptMessage, getField } from '../../src/apt/index.js';

const parser = new AptMessageParser();
process.stdout.write(formatAptMessage(aptMessage(100, [['Version', '1.2'], ['Pipeline', 'true'], ['Send-Config', 'true']])));
process.stdin.on('data', (chunk: Buffer) => {
  for (const message of parser.push(chunk)) {
    const uri = message.code === 600 ? getField(message, 'URI') : undefined;
    if (!uri) continue;
    const escaped = `http${uri.slice(uri.indexOf(':'))}`;
    process.stdout.write(formatAptMessage(aptMessage(103, [['URI', uri], ['New-URI', escaped]])));
  }
});
process.stdin.on('end', () => process.exit(100));
