// dist/openpgp.js: openpgp.js bundled on its own (see build.mjs), required by the
// other bundles the first time they read an armored OpenPGP key.
export * from 'openpgp';
