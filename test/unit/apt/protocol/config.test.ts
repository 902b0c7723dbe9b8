import { describe, expect, it } from 'vitest';
import {
  AptConfig,
  dequoteConfigString,
  formatConfigItem,
  parseConfigItem,
  quoteConfigString,
} from '../../../../src/apt/protocol/config.js';
import { AptProtocolError } from '../../../../src/apt/protocol/errors.js';
import { parseAptMessages } from '../../../../src/apt/protocol/framing.js';
import { aptMessage } from '../../../../src/apt/protocol/message.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AptProtocolError);
    return (e as AptProtocolError).code;
  }
  throw new Error('expected an AptProtocolError');
}

const config = (...items: [string, string][]): AptConfig => AptConfig.fromItems(items);

describe('apt config quoting (QuoteString / DeQuoteString)', () => {
  it('decodes what the research note observed in a real 601', () => {
    expect(parseConfigItem('DPkg::Options::=--root%3d$LAB/root')).toEqual(['DPkg::Options::', '--root=$LAB/root']);
    expect(parseConfigItem('CommandLine::AsString=apt-get%20install%20-y%20--download-only%20rbt-hello')).toEqual([
      'CommandLine::AsString',
      'apt-get install -y --download-only rbt-hello',
    ]);
  });

  it('quotes %, blanks, controls, bytes >= 0x7f, = and " in lowercase hex', () => {
    expect(quoteConfigString('a=b "c"\n%\u00e9\u007f~')).toBe('a%3db%20%22c%22%0a%25%c3%a9%7f~');
    expect(quoteConfigString('http://user:p@ss@proxy:8080/')).toBe('http://user:p@ss@proxy:8080/');
  });

  it('decodes upper- and lowercase escapes and multi-byte UTF-8', () => {
    expect(dequoteConfigString('%C3%A9t%c3%a9%20%F0%9F%98%80')).toBe('\u00e9t\u00e9 \u{1f600}');
  });

  it('keeps non-ASCII text that arrived unquoted', () => {
    expect(dequoteConfigString('caf\u00e9%21')).toBe('caf\u00e9!');
  });

  it('replaces bytes that are not UTF-8 instead of refusing the configuration', () => {
    expect(dequoteConfigString('a%ffb')).toBe('a\ufffdb');
  });

  it.each(['100%', 'a%2', 'a%zz', '%%41'])('refuses the bare "%%" in %j (APT_CONFIG)', (text) => {
    expect(codeOf(() => dequoteConfigString(text))).toBe('APT_CONFIG');
  });

  it('splits an item at the first "=" only', () => {
    expect(parseConfigItem('a::b=c=d')).toEqual(['a::b', 'c=d']);
    expect(parseConfigItem('empty=')).toEqual(['empty', '']);
    expect(parseConfigItem(formatConfigItem('k=e"y', 'v=a"l\nue'))).toEqual(['k=e"y', 'v=a"l\nue']);
  });

  it.each(['no-equals', '=value'])('refuses the item %j (APT_CONFIG)', (item) => {
    expect(codeOf(() => parseConfigItem(item))).toBe('APT_CONFIG');
  });
});

describe('AptConfig lookups follow apt Configuration', () => {
  it('compares keys case-insensitively and lets a later value win', () => {
    const c = config(['Dir::Bin::methods', '/a/'], ['dir::bin::METHODS', '/b/'], ['Debug::Reprogate', 'true']);
    expect(c.get('Dir::Bin::Methods')).toBe('/b/');
    expect(c.get('DIR::BIN::methods')).toBe('/b/');
    expect(c.get('Dir::Bin')).toBeUndefined();
    expect(c.get('Nope')).toBeUndefined();
  });

  it('collects list items in order, anonymous and named alike', () => {
    const c = config(
      ['DPkg::Options::', '--root=/x'],
      ['DPkg::Options::', '--force-not-root'],
      ['DPkg::Pre-Install-Pkgs::gate', '/usr/lib/reprogate/pre-install-hook'],
      ['dpkg::options::', '--log=/l'],
    );
    expect(c.getList('DPkg::Options')).toEqual(['--root=/x', '--force-not-root', '--log=/l']);
    expect(c.getList('DPkg::Pre-Install-Pkgs')).toEqual(['/usr/lib/reprogate/pre-install-hook']);
    expect(c.getList('Absent')).toEqual([]);
    expect(c.get('DPkg::Options::')).toBeUndefined();
  });

  it('splits a scalar at commas when read as a list, as FindVector does', () => {
    expect(config(['Acquire::Languages', 'en,de']).getList('Acquire::Languages')).toEqual(['en', 'de']);
  });

  it('treats an empty value as unset', () => {
    expect(config(['A', '']).get('A')).toBeUndefined();
  });

  it.each([
    ['1', true],
    ['0', false],
    ['true', true],
    ['Yes', true],
    ['on', true],
    ['enable', true],
    ['with', true],
    ['false', false],
    ['no', false],
    ['OFF', false],
    ['disable', false],
    ['without', false],
    ['0x1', true],
    ['2', 'fallback'],
    ['maybe', 'fallback'],
  ] as const)('reads %j as a boolean like FindB', (value, expected) => {
    const c = config(['Debug::Reprogate', value]);
    if (expected === 'fallback') {
      expect(c.getBool('Debug::Reprogate', true)).toBe(true);
      expect(c.getBool('Debug::Reprogate', false)).toBe(false);
    } else {
      expect(c.getBool('Debug::Reprogate', !expected)).toBe(expected);
    }
  });

  it('resolves directories like FindDir', () => {
    expect(config().findDir('Dir::Bin::Methods', '/usr/lib/apt/methods')).toBe('/usr/lib/apt/methods/');
    expect(config(['Dir::Bin::methods', '/lab/methods']).findDir('Dir::Bin::Methods', '/x/')).toBe('/lab/methods/');
    expect(config(['Dir', '/root/'], ['Dir::Bin', ''], ['Dir::Bin::methods', 'lib/m']).findDir('Dir::Bin::Methods', '/x/')).toBe('/root/lib/m/');
    expect(config(['Dir', '/root'], ['Dir::Bin', 'bin'], ['Dir::Bin::methods', 'm/']).findDir('Dir::Bin::Methods', '/x/')).toBe('/root/bin/m/');
    expect(config(['Dir', '/root'], ['Dir::Bin::methods', './m']).findDir('Dir::Bin::Methods', '/x/')).toBe('./m/');
    expect(config(['RootDir', '/chroot'], ['Dir::Bin::methods', '/usr/lib/apt/methods']).findDir('Dir::Bin::Methods', '/x/')).toBe('/chroot/usr/lib/apt/methods/');
  });

  it('keeps every item in arrival order for diagnostics', () => {
    expect(config(['b', '1'], ['a', '2'], ['b', '3']).entries()).toEqual([
      ['b', '1'],
      ['a', '2'],
      ['b', '3'],
    ]);
  });

  it('reads only the Config-Item fields of a 601', () => {
    const [m] = parseAptMessages('601 Configuration\nconfig-item: A::B=%25\nOther: x=y\nConfig-Item: C=d\n\n');
    const c = AptConfig.fromMessage(m!);
    expect(c.entries()).toEqual([
      ['A::B', '%'],
      ['C', 'd'],
    ]);
  });

  it('refuses to read another message as configuration (APT_MESSAGE)', () => {
    expect(codeOf(() => AptConfig.fromMessage(aptMessage(600, [])))).toBe('APT_MESSAGE');
  });
});
