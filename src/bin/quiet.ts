/**
 * stderr reaches the user's terminal through apt, so Node's own warnings (such as
 * the Ed25519 ExperimentalWarning openpgp.js triggers on Node 18) must not reach
 * it unless `Debug::Reprogate` asks for detail. Imported first by every entry point.
 */
import { nodeWarningsShown } from '../node-warnings.js';

process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (nodeWarningsShown()) process.stderr.write(`reprogate: node warning: ${w.name}: ${w.message}\n`);
});
