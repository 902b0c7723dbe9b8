/**
 * Which files apt reads its sources from, decided as apt decides it (sourcelist.cc
 * ReadMainList and ReadSourceDir, fileutl.cc GetListOfFilesInDir), so that `enable`
 * switches every file apt reads and nothing apt ignores. Pure: the edge lists the
 * directory and stats the files.
 */
import type { AptConfig } from '../apt/protocol/config.js';

export interface SourcesLocations {
  /** `Dir::Etc::sourcelist`: one-line format unless its name ends in `.sources`. */
  readonly sourceList: string;
  /** `Dir::Etc::sourceparts`: its `*.list` and `*.sources` files. */
  readonly sourceParts: string;
}

export const DEFAULT_SOURCES_LOCATIONS: SourcesLocations = {
  sourceList: '/etc/apt/sources.list',
  sourceParts: '/etc/apt/sources.list.d/',
};

/**
 * The locations apt computes with FindFile("Dir::Etc::sourcelist") and
 * FindDir("Dir::Etc::sourceparts"): relative values below their parents `Dir::Etc` and
 * `Dir`, with `RootDir` in front. `config` is apt's configuration as apt dumps it, where
 * these keys always have values; the defaults only stand in for a missing key.
 */
export function sourcesLocations(config: AptConfig): SourcesLocations {
  return {
    sourceList: config.findDir('Dir::Etc::sourcelist', DEFAULT_SOURCES_LOCATIONS.sourceList).replace(/\/$/, ''),
    sourceParts: config.findDir('Dir::Etc::sourceparts', DEFAULT_SOURCES_LOCATIONS.sourceParts),
  };
}

export type SourcesFormat = 'one-line' | 'deb822';

/** ReadAppend: deb822 when the extension (after the last ".") is "sources". */
export function sourcesFormatOf(path: string): SourcesFormat {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.includes('.') && name.slice(name.lastIndexOf('.') + 1) === 'sources' ? 'deb822' : 'one-line';
}

/**
 * Whether GetListOfFilesInDir(parts, {"list", "sources"}) takes a directory entry by
 * its name: not hidden, extension `list` or `sources`, only letters, digits, `_`, `-`,
 * `:` and `.`, not ending in ".". (It also wants a regular file; the edge checks that.)
 */
export function isSourcesPartName(name: string): boolean {
  if (name.startsWith('.') || !name.includes('.')) return false;
  const extension = name.slice(name.lastIndexOf('.') + 1);
  return (extension === 'list' || extension === 'sources') && /^[A-Za-z0-9_:.-]+$/.test(name);
}
