/**
 * Errors of the apt lab (the real-apt test harness). A lab that half-built a
 * repository or could not start a proxy must stop the test with a reason a
 * person can act on, not let apt fail later with a misleading message.
 */
import { ReprogateError } from '../../../src/errors.js';

export type AptlabErrorCode =
  | 'APTLAB_BAD_SPEC' // a package, source entry or config value the lab refuses to write
  | 'APTLAB_COMMAND_FAILED' // an external tool (dpkg-deb, gpg, openssl, ...) exited non-zero
  | 'APTLAB_COMMAND_TIMEOUT' // an external tool ran past its time limit and was killed
  | 'APTLAB_PORT_UNAVAILABLE' // a listener could not bind its address
  | 'APTLAB_START_FAILED' // a helper process exited or never became ready
  | 'APTLAB_SANDBOX_UNREACHABLE' // the lab would sit where apt's _apt user cannot reach it
  | 'APTLAB_METHOD_MISSING'; // a method to install in the methods dir is not an executable file

export class AptlabError extends ReprogateError<AptlabErrorCode> {}
