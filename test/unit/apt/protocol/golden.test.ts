/**
 * Transcripts of real apt exchanges (see golden/README.md): parsing then formatting
 * must give back the file byte for byte, and the content must read as apt meant it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPackageItem, readAcquire } from '../../../../src/apt/protocol/acquire.js';
import { AptConfig } from '../../../../src/apt/protocol/config.js';
import { formatAptMessage } from '../../../../src/apt/protocol/format.js';
import { parseAptMessages } from '../../../../src/apt/protocol/framing.js';
import { getField } from '../../../../src/apt/protocol/message.js';

const dir = join(import.meta.dirname, '..', 'golden');
const transcripts = readdirSync(dir).filter((f) => f.endsWith('.txt'));
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

describe('golden transcripts', () => {
  it('has the transcripts', () => {
    expect(transcripts.length).toBeGreaterThanOrEqual(6);
  });

  it.each(transcripts)('%s: format(parse(text)) is the text, byte for byte', (name) => {
    const text = read(name);
    const messages = parseAptMessages(text);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.map((m) => formatAptMessage(m)).join('')).toBe(text);
    expect(messages.map((m) => m.raw).join('')).toBe(text);
  });

  it('download-only: the 601 decodes to the configuration apt meant', () => {
    const [configuration] = parseAptMessages(read('download-only.apt-to-method.txt'));
    const config = AptConfig.fromMessage(configuration!);
    expect(config.entries()).toHaveLength(16);
    expect(config.get('Acquire::Send-URI-Encoded')).toBe('1');
    expect(config.get('Dir::Bin::Methods')).toBe('$LAB/methods/');
    expect(config.getList('DPkg::Options')).toEqual(['--root=$LAB/root', '--admindir=$LAB/root/var/lib/dpkg', '--force-not-root']);
    expect(config.get('CommandLine::AsString')).toBe('apt-get install -y --download-only rbt-hello');
    expect(config.getList('Dir::Ignore-Files-Silently')).toEqual(['~$']);
  });

  it('download-only: both 600s are packages with the index hashes', () => {
    const items = parseAptMessages(read('download-only.apt-to-method.txt')).slice(1).map(readAcquire);
    expect(items.map((i) => [i.uri, isPackageItem(i), i.expected.size])).toEqual([
      ['rbt+http://127.0.0.1:18092/pool/main/rbt-lib_1.0_all.deb', true, 764],
      ['rbt+http://127.0.0.1:18092/pool/main/rbt-hello_1.0_all.deb', true, 776],
    ]);
    expect(items[0]?.expected.sha256).toBe('670fd732793f618bba2f21c95db0d1030a544d9c0b1184cda3388fb1827c8627');
  });

  it('download-only: the 201 names the file and the hashes apt will trust', () => {
    const done = parseAptMessages(read('download-only.method-to-apt.txt')).find((m) => m.code === 201)!;
    expect(getField(done, 'filename')).toBe('$LAB/root/var/cache/apt/archives/partial/rbt-lib_1.0_all.deb');
    expect(getField(done, 'SHA256-Hash')).toBe('670fd732793f618bba2f21c95db0d1030a544d9c0b1184cda3388fb1827c8627');
  });

  it('update: InRelease is an index and passes through', () => {
    const [item] = parseAptMessages(read('update.apt-to-method.txt')).map(readAcquire);
    expect(item?.targetType).toBe('index');
    expect(isPackageItem(item!)).toBe(false);
  });

  it('refusal: the 400 carries its one-line message', () => {
    const [failure] = parseAptMessages(read('refusal.method-to-apt.txt'));
    expect(failure?.code).toBe(400);
    expect(getField(failure!, 'Message')).toBe('gate: no attestation for rbt-evil_6.6_all.deb (sha256 5e21b99c\u202628ed)');
  });

  it('capture: the stock http method claims exactly the flags our relay claims', () => {
    const [caps] = parseAptMessages(read('capture-http-2.6.method-to-apt.txt'));
    expect(caps?.code).toBe(100);
    expect(Object.fromEntries(caps!.fields)).toEqual({ 'Send-URI-Encoded': 'true', 'Send-Config': 'true', Pipeline: 'true', Version: '1.2' });
  });
});
