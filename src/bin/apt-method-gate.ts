/**
 * The verification half of the apt method, bundled apart (dist/apt-method-gate.js):
 * apt-method-main.js loads it when apt first asks for a package, so `apt-get update`,
 * which fetches index files only, never compiles it.
 */
export { createVerifyingGate } from '../method/gate.js';
