#!/bin/sh
# Records real DPkg::Pre-Install-Pkgs input (VERSION 3 and VERSION 2) from apt-get runs in a
# throwaway apt root, after research/apt-method-protocol.md §9. Nothing outside LAB is written:
# APT_CONFIG sets Dir, so the machine's /etc/apt is never read, and dpkg runs with --root.
# Usage: sh capture.sh LAB_DIR OUT_DIR    (LAB_DIR must not exist yet; Debian 12, as root)
set -eu
LAB=$1; OUT=$2
mkdir "$LAB"; chmod 755 "$LAB"; cd "$LAB"; LAB=$(pwd)
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
R=$LAB/root

mk() { # name version arch multi-arch depends outfile
  d=build/$1-$2; mkdir -p "$d/DEBIAN" "$d/usr/share/doc/$1"; echo "$1 $2" > "$d/usr/share/doc/$1/README"
  { echo "Package: $1"; echo "Version: $2"; echo "Architecture: $3"
    [ "$4" = none ] || echo "Multi-Arch: $4"
    echo "Maintainer: Lab <lab@example.invalid>"; [ -z "$5" ] || echo "Depends: $5"
    echo "Description: lab package $1"; echo " throwaway"; } > "$d/DEBIAN/control"
  dpkg-deb --root-owner-group --build "$d" "$6" >/dev/null; }

# Packages: an epoch (1:2.0-1, then 1:2.1-1), Multi-Arch same and foreign, arch amd64 and all,
# and a local .deb in a directory whose name has a space.
mkdir -p repo "local dir"
mk rbt-lib   1.0     all   foreign ""        repo/rbt-lib_1.0_all.deb
mk rbt-hello 1:2.0-1 all   none    rbt-lib   repo/rbt-hello_2.0-1_all.deb
mk rbt-hello 1:2.1-1 all   none    rbt-lib   repo/rbt-hello_2.1-1_all.deb
mk rbt-ma    3.0     amd64 same    ""        repo/rbt-ma_3.0_amd64.deb
mk rbt-local 0.1     all   none    ""        "local dir/rbt-local_0.1_all.deb"
(cd repo && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null) > repo/Packages

# Throwaway apt root. copy: makes apt copy the .deb into archives/ under its own file name
# (the epoch's ":" quoted as %3a), as it does for any remote transport.
mkdir -p $R/etc/apt/apt.conf.d $R/etc/apt/sources.list.d $R/etc/apt/preferences.d \
         $R/var/lib/apt/lists/partial $R/var/cache/apt/archives/partial \
         $R/var/lib/dpkg/info $R/var/lib/dpkg/updates $R/var/log/apt
: > $R/var/lib/dpkg/status
cat > apt.conf <<EOT
Dir "$R/";
Dir::State::status "$R/var/lib/dpkg/status";
Dir::Log "$R/var/log/apt";
APT::Architecture "amd64"; APT::Architectures { "amd64"; };
Acquire::Languages "none";
DPkg::Options { "--root=$R"; "--admindir=$R/var/lib/dpkg"; "--log=$R/var/log/dpkg.log"; "--force-not-root"; };
EOT
echo "deb [trusted=yes] copy:$LAB/repo/ ./" > $R/etc/apt/sources.list.d/lab.list

# Two hook executables, because DPkg::Tools::Options is keyed by the first word of the command.
cat > hook3.sh <<'EOT'
#!/bin/sh
cat "/dev/fd/$APT_HOOK_INFO_FD" > "$HOOK_OUT-v3.txt"
EOT
cp hook3.sh hook2.sh; sed -i 's/-v3/-v2/' hook2.sh; chmod 755 hook3.sh hook2.sh
cat > $R/etc/apt/apt.conf.d/05lab-hooks <<EOT
DPkg::Pre-Install-Pkgs { "$LAB/hook3.sh"; "$LAB/hook2.sh"; };
DPkg::Tools::Options::$LAB/hook3.sh::Version "3";
DPkg::Tools::Options::$LAB/hook3.sh::InfoFD "5";
DPkg::Tools::Options::$LAB/hook2.sh::Version "2";
EOT

export APT_CONFIG=$LAB/apt.conf
apt-get -q update >/dev/null
run() { name=$1; shift; HOOK_OUT=$OUT/$name; export HOOK_OUT; apt-get -q -y "$@" >"$LAB/$name.log" 2>&1; }
# 1. fresh installs: an epoch from archives/, its dependency, a Multi-Arch: same amd64 package
run install install rbt-hello=1:2.0-1 rbt-ma
# 2. an upgrade, a reinstall, a removal and a local .deb whose path has a space, in one run
run mixed install --reinstall rbt-lib rbt-hello rbt-ma- "./local dir/rbt-local_0.1_all.deb"
# 3. a downgrade
run downgrade install --allow-downgrades rbt-hello=1:2.0-1
echo "captured into $OUT"
