#!/bin/sh
# Builds the Debian package from the working tree as it is now, committed or
# not, without touching it: copies what a clone would hold plus untracked files
# git does not ignore (no node_modules/, no dist/) into a scratch folder, runs
# `dpkg-buildpackage -us -uc -b` there and moves the results into OUTDIR.
# Prints the path of the .deb on stdout; the build log is OUTDIR/build.log.
#
# Usage: scripts/build-deb.sh OUTDIR
#
# Needs dpkg-dev, debhelper, help2man, and npm with the project's packages in
# its cache or a registry to fetch them from; set npm_config_offline=true to
# forbid the network (the cache then has to hold everything package-lock.json
# names, as it does after the project's own `npm ci`).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/reprogate-build-deb.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

mkdir "$scratch/reprogate"
cd "$repo"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# --cached also lists files deleted in the working tree; tar skips those with a warning.
	git ls-files -z --cached --others --exclude-standard |
		tar --null --files-from=- --ignore-failed-read --create --file=- |
		tar --extract --file=- --directory="$scratch/reprogate"
else
	# An exported tree without git metadata: everything but what npm or a build made.
	tar --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./coverage --create --file=- . |
		tar --extract --file=- --directory="$scratch/reprogate"
fi

cd "$scratch/reprogate"
version=$(dpkg-parsechangelog --show-field Version)
if ! dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "$0: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
fi
mv "$scratch"/reprogate_"$version"_* "$out/"
echo "$out/reprogate_${version}_all.deb"
