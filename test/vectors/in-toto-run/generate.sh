#!/bin/bash
# Regenerates every interop fixture in this folder with Debian's own tools:
# in-toto-run / in-toto-keygen / in-toto-sign / in-toto-verify (in-toto 1.3.1,
# python3-securesystemslib 0.26) and gpg 2.2, plus dpkg-deb for the package.
#
# Nothing outside this folder is touched: keys live in a throwaway GNUPGHOME and
# a throwaway work directory (mktemp -d), both removed on exit together with the
# gpg-agent started for that GNUPGHOME. Only the generated sub-folders and files
# of this folder (artifacts/ keys/ links/ layouts/ index.json
# reference-verdicts.txt) are replaced; generate.sh and README.md are kept.
#
# Determinism: every gpg operation runs with a frozen --faked-system-time, so
# key creation, expiry, signature and revocation times are the fixed dates below
# (README.md lists them); the .deb and .buildinfo are byte-reproducible. Key
# material is fresh on every run, so signatures, fingerprints and keyids change;
# tests must read them from index.json (or the files), never hard-code them.
#
# Usage: test/vectors/in-toto-run/generate.sh   (needs: in-toto gnupg dpkg-dev)
set -Eeuo pipefail
export LC_ALL=C.UTF-8 TZ=UTC
umask 022

OUT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# in-toto's scripts run under Debian's python3; use the same interpreter so the
# securesystemslib we import is the one that made the fixtures.
PY=/usr/bin/python3

# Fixed timeline (UTC). gpg reads YYYYMMDDTHHMMSS as UTC; a trailing "!" freezes the clock.
T_KEYS=20240101T000000      # 1704067200  valid keys created
T_SIGN=20240601T000000      # 1717200000  links and the GPG layout signed
T_REVOKE=20240901T000000    # 1725148800  revocations made (after the links were signed)
T_OLD_KEYS=20200101T000000  # 1577836800  keys that expire
T_OLD_SIGN=20200601T000000  # 1590969600  links signed by those keys, while valid
OLD_LIFETIME=seconds=31622400  # 366 days: T_OLD_KEYS + 366 d = 2021-01-01T00:00:00Z (1609459200)

DEB=foo_1.0-1_amd64.deb
BUILDINFO=foo_1.0-1_amd64.buildinfo
# The recorded command: its stdout carries é, a quote, a backslash, TAB, LF and
# U+0001 so that the signed canonical JSON contains raw non-ASCII and control bytes.
read -r STEP_CMD <<'EOF'
printf 'héllo "quoted" back\\slash\ttab\nline2\001ctl\n'
EOF

for tool in in-toto-run in-toto-keygen in-toto-sign in-toto-verify gpg gpgconf dpkg-deb "$PY"; do
  command -v "$tool" >/dev/null || { echo "generate.sh: missing $tool (apt-get install in-toto gnupg dpkg-dev)" >&2; exit 1; }
done

WORK=$(mktemp -d)
export GNUPGHOME=$WORK/gnupg
LOG=$WORK/log
mkdir -m 700 "$GNUPGHOME"
: >"$LOG"
cleanup() {
  # stops only the agent of this throwaway homedir, and removes its socket dir
  # when gpg put it under /run/user/<uid>/gnupg/
  gpgconf --homedir "$GNUPGHOME" --kill all >/dev/null 2>&1 || true
  gpgconf --homedir "$GNUPGHOME" --remove-socketdir >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "generate.sh: failed at line $LINENO; last log lines:" >&2; tail -n 30 "$LOG" >&2' ERR
# securesystemslib runs "$GNUPG --detach-sign ..." when GNUPG is set; we set it per call.
unset GNUPG GPG_AGENT_INFO

rm -rf "$OUT/artifacts" "$OUT/keys" "$OUT/links" "$OUT/layouts" "$OUT/index.json" "$OUT/reference-verdicts.txt"
mkdir -p "$OUT/artifacts" "$OUT/keys" "$OUT/links" "$OUT/layouts"

# ---------------------------------------------------------------------------
# Python helpers (securesystemslib / in-toto API, OpenPGP packet surgery).
cat >"$WORK/fx.py" <<'PYEOF'
import base64, hashlib, json, sys

def dump(obj, path):
    # Same layout as in-toto's Metablock.dump: indent=1, sorted keys, ASCII escapes.
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=1, separators=(",", ": "), sort_keys=True))

# --- OpenPGP packets (RFC 4880 §4.2) ---------------------------------------
def read_packets(data):
    """Returns [(tag, header_bytes, body_bytes)], keeping the original header bytes."""
    out, i = [], 0
    while i < len(data):
        start, ctb = i, data[i]
        if not ctb & 0x80:
            raise ValueError("not an OpenPGP packet at offset %d" % i)
        if ctb & 0x40:  # new format
            tag, l0 = ctb & 0x3F, data[i + 1]
            if l0 < 192:
                n, i = l0, i + 2
            elif l0 < 224:
                n, i = ((l0 - 192) << 8) + data[i + 2] + 192, i + 3
            elif l0 == 255:
                n, i = int.from_bytes(data[i + 2:i + 6], "big"), i + 6
            else:
                raise ValueError("partial body lengths not expected in a certificate")
        else:  # old format
            tag, lt = (ctb >> 2) & 0x0F, ctb & 3
            width = {0: 1, 1: 2, 2: 4}[lt]
            n, i = int.from_bytes(data[i + 1:i + 1 + width], "big"), i + 1 + width
        out.append((tag, data[start:i], data[i:i + n]))
        i += n
    return out

def old_format_header(tag, n):
    # gpg writes old-format headers with the smallest length field; do the same.
    if n < 0x100:
        return bytes([0x80 | tag << 2 | 0]) + n.to_bytes(1, "big")
    if n < 0x10000:
        return bytes([0x80 | tag << 2 | 1]) + n.to_bytes(2, "big")
    return bytes([0x80 | tag << 2 | 2]) + n.to_bytes(4, "big")

def subpackets(area):
    """Splits a subpacket area into raw subpackets [(type, raw_bytes)]."""
    out, i = [], 0
    while i < len(area):
        o = area[i]
        if o < 192:
            n, h = o, 1
        elif o < 255:
            n, h = ((o - 192) << 8) + area[i + 1] + 192, 2
        else:
            n, h = int.from_bytes(area[i + 1:i + 5], "big"), 5
        out.append((area[i + h] & 0x7F, area[i:i + h + n]))
        i += h + n
    return out

def subkey_binding_index(packets, subkey_fpr):
    """Index of the 0x18 binding signature that follows the subkey with this fingerprint."""
    for k, (tag, _, body) in enumerate(packets):
        if tag == 14:
            fpr = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest()
            if fpr == subkey_fpr.lower():
                nxt = packets[k + 1]
                if nxt[0] != 2 or nxt[2][0] != 4 or nxt[2][1] != 0x18:
                    raise ValueError("subkey is not followed by a v4 0x18 binding signature")
                return k + 1
    raise ValueError("subkey %s not in certificate" % subkey_fpr)

def crc24(data):
    crc = 0xB704CE
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF

def armor_public_key(data):
    b64 = base64.b64encode(data).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    crc = base64.b64encode(crc24(data).to_bytes(3, "big")).decode()
    return ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + "\n".join(lines) +
            "\n=" + crc + "\n-----END PGP PUBLIC KEY BLOCK-----\n")

def write_cert(packets, path):
    with open(path, "w", encoding="ascii") as f:
        f.write(armor_public_key(b"".join(h + b for _, h, b in packets)))

def cmd_binding(mode, cert_bin, subkey_fpr, out):
    """mode flip: XOR 0x01 into the last octet of the 0x18 binding signature packet
    (the last octet of its last MPI), leaving lengths and the 2-octet hash prefix intact.
    mode drop: remove the 0x18 binding signature packet altogether.
    mode strip-backsig: remove the unhashed subpacket 32 (the embedded 0x19 primary-key
    binding "back-signature") from the 0x18 signature; the hashed part is untouched,
    so the 0x18 signature itself stays cryptographically valid."""
    packets = read_packets(open(cert_bin, "rb").read())
    k = subkey_binding_index(packets, subkey_fpr)
    tag, _, body = packets[k]
    if mode == "flip":
        body = body[:-1] + bytes([body[-1] ^ 0x01])
        packets[k] = (tag, old_format_header(tag, len(body)), body)
    elif mode == "drop":
        del packets[k]
    elif mode == "strip-backsig":
        hlen = int.from_bytes(body[4:6], "big")
        u = 6 + hlen
        ulen = int.from_bytes(body[u:u + 2], "big")
        unhashed = subpackets(body[u + 2:u + 2 + ulen])
        kept = b"".join(raw for t, raw in unhashed if t != 32)
        if len(kept) == ulen:
            raise ValueError("no embedded back-signature to strip")
        body = body[:u] + len(kept).to_bytes(2, "big") + kept + body[u + 2 + ulen:]
        packets[k] = (tag, old_format_header(tag, len(body)), body)
    else:
        raise ValueError(mode)
    write_cert(packets, out)

# --- securesystemslib / in-toto ---------------------------------------------
def cmd_gpgjson(cert_bin, fpr, out):
    """securesystemslib's own parser over exactly the exported bytes (what
    gpg.functions.export_pubkey does after running gpg --export)."""
    from securesystemslib.gpg.common import get_pubkey_bundle
    dump(get_pubkey_bundle(open(cert_bin, "rb").read(), fpr.lower()), out)

def load_key(spec):
    kind, _, path = spec.partition(":")
    if kind == "gpgjson":
        return json.load(open(path, encoding="utf-8"))
    from securesystemslib.interface import import_publickeys_from_file
    (key,) = import_publickeys_from_file([path], [kind]).values()
    return key

def cmd_layout(out, expires, threshold, readme, *key_specs):
    """Unsigned layout: one step 'rebuild' authorising the given keys, and the
    apt-transport-in-toto style inspection binding the local .deb to its products."""
    from in_toto.models.layout import Layout, Step, Inspection
    from in_toto.models.metadata import Metablock
    layout = Layout(expires=expires, readme=readme)
    keyids = [layout.add_functionary_key(load_key(s))["keyid"] for s in key_specs]
    step = Step(name="rebuild", pubkeys=keyids, threshold=int(threshold),
                expected_command=[],
                expected_products=[["CREATE", "*.deb"], ["DISALLOW", "*.deb"]])
    inspection = Inspection(name="verify-reprobuilds", run=["true"],
                            expected_materials=[["MATCH", "*.deb", "WITH", "PRODUCTS", "FROM", "rebuild"],
                                                ["DISALLOW", "*.deb"]])
    layout.steps = [step]
    layout.inspect = [inspection]
    Metablock(signed=layout).dump(out)

def cmd_sslib_info(kind, path):
    """keytype, scheme and the keyid in-toto 1.3.1 uses (the legacy form, which
    hashes keyid_hash_algorithms too)."""
    key = load_key(kind + ":" + path)
    print(json.dumps({k: key[k] for k in ("keyid", "keytype", "scheme")}, sort_keys=True)[1:-1])

def cmd_sig_keyid(link):
    print(json.load(open(link, encoding="utf-8"))["signatures"][0]["keyid"])

def cmd_tamper(link, deb, out):
    """Changes the last hex digit of the product's sha256 and keeps the signature:
    a signed link re-pointed at another package."""
    d = json.load(open(link, encoding="utf-8"))
    h = d["signed"]["products"][deb]["sha256"]
    d["signed"]["products"][deb]["sha256"] = h[:-1] + ("1" if h[-1] == "0" else "0")
    dump(d, out)

def cmd_index(records_path, out):
    """index.json: one machine-readable entry per fixture file (see README.md)."""
    index = {}
    for line in open(records_path, encoding="utf-8"):
        section, name, raw = line.rstrip("\n").split("\t", 2)
        index.setdefault(section, {})[name] = json.loads(raw)
    dump(index, out)

if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:])
PYEOF
fx() { "$PY" "$WORK/fx.py" "$@"; }

# index.json records: section <TAB> name <TAB> JSON
REC=$WORK/records
: >"$REC"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$REC"; }

# ---------------------------------------------------------------------------
# GPG helpers. All run with --batch, no passphrase, and a frozen faked clock.
gpg_at() { local t=$1; shift; gpg --batch --pinentry-mode loopback --passphrase '' --faked-system-time "$t!" "$@"; }
# new_key TIME UID ALGO USAGE EXPIRE -> prints the primary fingerprint
new_key() {
  gpg_at "$1" --status-fd 1 --quick-gen-key "$2" "$3" "$4" "$5" 2>>"$LOG" | awk '/ KEY_CREATED /{print $4}'
}
# add_subkey TIME PRIMARY_FPR ALGO USAGE EXPIRE -> prints the subkey fingerprint
add_subkey() {
  gpg_at "$1" --status-fd 1 --quick-add-key "$2" "$3" "$4" "$5" 2>>"$LOG" | awk '/ KEY_CREATED /{print $4}'
}
keygrip_of() { gpg --with-colons --with-keygrip --list-keys "$1" 2>>"$LOG" | awk -F: -v f="$2" '$1=="fpr"{cur=$10} $1=="grp"&&cur==f{print $10}'; }
export_bin() { gpg --export "$1" >"$2" 2>>"$LOG"; }
export_asc() { gpg --export --armor "$1" >"$2" 2>>"$LOG"; }
uid() { echo "reprogate fixture $1 <$1@fixtures.invalid>"; }
lc() { tr 'A-F' 'a-f' <<<"$1"; }
iso_to_epoch() { date -u -d "$(sed -E 's/^(....)(..)(..)T(..)(..)(..)$/\1-\2-\3T\4:\5:\6Z/' <<<"$1")" +%s; }
E_KEYS=$(iso_to_epoch $T_KEYS); E_SIGN=$(iso_to_epoch $T_SIGN); E_REVOKE=$(iso_to_epoch $T_REVOKE)
E_OLD_KEYS=$(iso_to_epoch $T_OLD_KEYS); E_OLD_SIGN=$(iso_to_epoch $T_OLD_SIGN); E_OLD_EXPIRES=$((E_OLD_KEYS + 31622400))

# ---------------------------------------------------------------------------
# 1. The package and its .buildinfo (byte-reproducible).
PKG=$WORK/pkgroot
mkdir -p "$PKG/DEBIAN" "$PKG/usr/share/doc/foo"
cat >"$PKG/DEBIAN/control" <<'EOF'
Package: foo
Version: 1.0-1
Architecture: amd64
Maintainer: reprogate fixtures <fixtures@fixtures.invalid>
Installed-Size: 1
Section: misc
Priority: optional
Description: tiny package for reprogate's in-toto interop fixtures
 Installs one text file and nothing else.
EOF
printf 'foo: a fixture package for reprogate tests.\n' >"$PKG/usr/share/doc/foo/README"
find "$PKG" -type d -exec chmod 0755 {} + ; find "$PKG" -type f -exec chmod 0644 {} +
find "$PKG" -exec touch -h -d "@$E_KEYS" {} +
SOURCE_DATE_EPOCH=$E_KEYS dpkg-deb --root-owner-group -Zxz --build "$PKG" "$OUT/artifacts/$DEB" >>"$LOG" 2>&1
DEB_SHA256=$(sha256sum "$OUT/artifacts/$DEB" | cut -d' ' -f1)
DEB_SIZE=$(stat -c %s "$OUT/artifacts/$DEB")
cat >"$OUT/artifacts/$BUILDINFO" <<EOF
Format: 1.0
Source: foo
Binary: foo
Architecture: amd64
Version: 1.0-1
Checksums-Sha256:
 $DEB_SHA256 $DEB_SIZE $DEB
Build-Origin: Debian
Build-Architecture: amd64
Build-Date: Mon, 01 Jan 2024 00:00:00 +0000
Build-Path: /build/foo-1.0
Installed-Build-Depends:
 dpkg-dev (= 1.21.23)
Environment:
 LANG="C.UTF-8"
 SOURCE_DATE_EPOCH="$E_KEYS"
EOF
BUILDINFO_SHA256=$(sha256sum "$OUT/artifacts/$BUILDINFO" | cut -d' ' -f1)
record artifacts "$DEB" "{\"file\":\"artifacts/$DEB\",\"sha256\":\"$DEB_SHA256\"}"
record artifacts "$BUILDINFO" "{\"file\":\"artifacts/$BUILDINFO\",\"sha256\":\"$BUILDINFO_SHA256\"}"

RUN=$WORK/run   # in-toto-run's working directory: the two artifacts, nothing else
mkdir -p "$RUN"
cp "$OUT/artifacts/$DEB" "$OUT/artifacts/$BUILDINFO" "$RUN/"

# make_link NAME SIGN_TIME|- in-toto-run-signing-args... -> links/NAME.link
make_link() {
  local name=$1 t=$2; shift 2
  local d=$WORK/linkout/$name
  mkdir -p "$d"
  local gnupg=()   # GPG signers: securesystemslib runs $GNUPG, here gpg with a frozen clock
  [ "$t" != - ] && gnupg=("GNUPG=gpg --faked-system-time $t!")
  (cd "$RUN" && env "${gnupg[@]}" in-toto-run -n rebuild -s -d "$d" \
      -m "$BUILDINFO" -p "$DEB" "$@" -- sh -c "$STEP_CMD" >>"$LOG" 2>&1)
  local f=("$d"/rebuild.*.link)
  [ ${#f[@]} -eq 1 ] && [ -f "${f[0]}" ] || { echo "in-toto-run made no link for $name" >&2; exit 1; }
  mv "${f[0]}" "$OUT/links/$name.link"
}
sig_keyid() { fx sig-keyid "$OUT/links/$1.link"; }
expect_signer() {  # link name, expected signing fingerprint
  local got; got=$(sig_keyid "$1")
  [ "$got" = "$(lc "$2")" ] || { echo "$1: signed by $got, expected $(lc "$2")" >&2; exit 1; }
}

# ---------------------------------------------------------------------------
# 2. The six rebuilder keys of the main set, their links, tampered copies.
RSA_P=$(new_key $T_KEYS "$(uid gpg-rsa-subkey)" rsa3072 cert never)
RSA_S=$(add_subkey $T_KEYS "$RSA_P" rsa2048 sign never)
EDDSA=$(new_key $T_KEYS "$(uid gpg-eddsa)" ed25519 sign never)
DSA=$(new_key $T_KEYS "$(uid gpg-dsa)" dsa2048 sign never)
OWNER_GPG=$(new_key $T_KEYS "$(uid layout-owner-gpg)" rsa3072 sign never)

SSLIB=$WORK/sslib
mkdir -p "$SSLIB"
for k in ed25519:ed25519 rsa:rsa ecdsa:ecdsa layout-owner-ed25519:ed25519; do
  (cd "$SSLIB" && in-toto-keygen -t "${k#*:}" "${k%%:*}" >>"$LOG" 2>&1)
  cp "$SSLIB/${k%%:*}.pub" "$OUT/keys/${k%%:*}.pub"
done

for n in gpg-rsa-subkey:$RSA_P gpg-eddsa:$EDDSA gpg-dsa:$DSA layout-owner-gpg:$OWNER_GPG; do
  name=${n%%:*} fpr=${n#*:}
  export_asc "$fpr" "$OUT/keys/$name.asc"
  export_bin "$fpr" "$WORK/$name.gpg"
  fx gpgjson "$WORK/$name.gpg" "$fpr" "$OUT/keys/$name.gpg.json"
done

make_link gpg-rsa-subkey $T_SIGN --gpg "$RSA_P" --gpg-home "$GNUPGHOME"
expect_signer gpg-rsa-subkey "$RSA_S"   # gpg must have picked the signing subkey
make_link gpg-eddsa $T_SIGN --gpg "$EDDSA" --gpg-home "$GNUPGHOME"
expect_signer gpg-eddsa "$EDDSA"
make_link gpg-dsa $T_SIGN --gpg "$DSA" --gpg-home "$GNUPGHOME"
expect_signer gpg-dsa "$DSA"
make_link ed25519 - -k "$SSLIB/ed25519" -t ed25519
make_link rsa - -k "$SSLIB/rsa" -t rsa
make_link ecdsa - -k "$SSLIB/ecdsa" -t ecdsa

for name in gpg-rsa-subkey gpg-eddsa gpg-dsa ed25519 rsa ecdsa; do
  fx tamper "$OUT/links/$name.link" "$DEB" "$OUT/links/$name.tampered.link"
done

# index.json "keys" entry of an OpenPGP certificate; "expected" is the verdict for its link
# (links/<link>.link) when verified against this certificate alone.
gpg_record() {  # name primary signing-fpr created expires|null linkSignedAt link|'' expected [extra-json]
  local pfx="" ; [ -n "$7" ] && pfx=",\"link\":\"links/$7.link\""
  record keys "$1" "{\"kind\":\"openpgp\",\"cert\":\"keys/$1.asc\",\"gpgJson\":\"keys/$1.gpg.json\",\"primaryFingerprint\":\"$(lc "$2")\",\"signingFingerprint\":\"$(lc "$3")\",\"created\":$4,\"expires\":$5,\"linkSignedAt\":$6$pfx,\"expected\":\"$8\"${9:+,$9}}"
}
sslib_record() {  # name type link|'' expected
  local pfx="" ; [ -n "$3" ] && pfx=",\"link\":\"links/$3.link\""
  record keys "$1" "{\"kind\":\"securesystemslib\",\"pub\":\"keys/$1.pub\",$(fx sslib-info "$2" "$OUT/keys/$1.pub")$pfx,\"expected\":\"$4\"}"
}
# index.json "links" entry: which key(s) in "keys" claim its signer, and the verdict.
link_record() {  # link-name signedAt|null expected key-names...
  local name=$1 at=$2 expected=$3; shift 3
  local names; names=$(printf '"%s",' "$@")
  record links "$name.link" "{\"file\":\"links/$name.link\",\"keys\":[${names%,}],\"signatureKeyid\":\"$(sig_keyid "$name")\",\"gpgSignedAt\":$at,\"expected\":\"$expected\"}"
}
gpg_record gpg-rsa-subkey "$RSA_P" "$RSA_S" "$E_KEYS" null "$E_SIGN" gpg-rsa-subkey "accept: RSA-2048 signing subkey of an RSA-3072 primary; counts for the primary"
gpg_record gpg-eddsa "$EDDSA" "$EDDSA" "$E_KEYS" null "$E_SIGN" gpg-eddsa "accept: legacy EdDSA (algorithm 22) primary key signature"
gpg_record gpg-dsa "$DSA" "$DSA" "$E_KEYS" null "$E_SIGN" gpg-dsa "accept: DSA-2048 (q 256 bits) primary key signature; the reference accepts it, openpgp.js v6 only with rejectPublicKeyAlgorithms relaxed"
gpg_record layout-owner-gpg "$OWNER_GPG" "$OWNER_GPG" "$E_KEYS" null "$E_SIGN" "" "accept: RSA-3072 primary that signs layouts/root.gpg.layout"
sslib_record ed25519 ed25519 ed25519 "accept"
sslib_record rsa rsa rsa "accept: rsassa-pss-sha256"
sslib_record ecdsa ecdsa ecdsa "accept: ecdsa-sha2-nistp256"
sslib_record layout-owner-ed25519 ed25519 "" "accept: signs layouts/root.layout and layouts/root.expired.layout"

# ---------------------------------------------------------------------------
# 3. Layouts.
fx layout "$WORK/root.unsigned.layout" 2030-01-01T00:00:00Z 6 "reprogate interop fixture: six rebuilder keys, threshold 6" \
  gpgjson:"$OUT/keys/gpg-rsa-subkey.gpg.json" gpgjson:"$OUT/keys/gpg-eddsa.gpg.json" gpgjson:"$OUT/keys/gpg-dsa.gpg.json" \
  ed25519:"$OUT/keys/ed25519.pub" rsa:"$OUT/keys/rsa.pub" ecdsa:"$OUT/keys/ecdsa.pub"
fx layout "$WORK/root.expired.unsigned.layout" 2021-01-01T00:00:00Z 6 "reprogate interop fixture: six rebuilder keys, threshold 6, expired" \
  gpgjson:"$OUT/keys/gpg-rsa-subkey.gpg.json" gpgjson:"$OUT/keys/gpg-eddsa.gpg.json" gpgjson:"$OUT/keys/gpg-dsa.gpg.json" \
  ed25519:"$OUT/keys/ed25519.pub" rsa:"$OUT/keys/rsa.pub" ecdsa:"$OUT/keys/ecdsa.pub"
in-toto-sign -f "$WORK/root.unsigned.layout" -k "$SSLIB/layout-owner-ed25519" -t ed25519 -o "$OUT/layouts/root.layout" >>"$LOG" 2>&1
in-toto-sign -f "$WORK/root.expired.unsigned.layout" -k "$SSLIB/layout-owner-ed25519" -t ed25519 -o "$OUT/layouts/root.expired.layout" >>"$LOG" 2>&1
GNUPG="gpg --faked-system-time $T_SIGN!" in-toto-sign -f "$WORK/root.unsigned.layout" -g "$OWNER_GPG" --gpg-home "$GNUPGHOME" \
  -o "$OUT/layouts/root.gpg.layout" >>"$LOG" 2>&1
record layouts root.layout '{"file":"layouts/root.layout","expires":"2030-01-01T00:00:00Z","signedBy":"layout-owner-ed25519","threshold":6,"expected":"accept until 2030-01-01T00:00:00Z with all six main links"}'
record layouts root.gpg.layout '{"file":"layouts/root.gpg.layout","expires":"2030-01-01T00:00:00Z","signedBy":"layout-owner-gpg","threshold":6,"expected":"accept until 2030-01-01T00:00:00Z with all six main links"}'
record layouts root.expired.layout '{"file":"layouts/root.expired.layout","expires":"2021-01-01T00:00:00Z","signedBy":"layout-owner-ed25519","threshold":6,"expected":"reject: layout expired (signature itself is valid)"}'

# ---------------------------------------------------------------------------
# 4. Threat certificates; each signed its link at a time it was valid.
# They are RSA-2048 (primary and subkeys): securesystemslib 0.26 hashes a key packet
# with the header gpg wrote, which is only right for the 0x99 two-octet-length form,
# i.e. bodies of 256 bytes or more. It therefore cannot verify any self-signature
# on an ed25519 key (51-byte body, 0x98 header): it silently drops the subkeys and
# the expiry of such certificates. RSA keeps the reference verdicts meaningful;
# (a') shows the EdDSA case.
# (a) primary key that has expired.
A=$(new_key $T_OLD_KEYS "$(uid threat-expired-key)" rsa2048 sign $OLD_LIFETIME)
make_link threat-expired-key $T_OLD_SIGN --gpg "$A" --gpg-home "$GNUPGHOME"
expect_signer threat-expired-key "$A"
export_asc "$A" "$OUT/keys/threat-expired-key.asc"
# (a') the same with a legacy EdDSA key.
A2=$(new_key $T_OLD_KEYS "$(uid threat-expired-key-eddsa)" ed25519 sign $OLD_LIFETIME)
make_link threat-expired-key-eddsa $T_OLD_SIGN --gpg "$A2" --gpg-home "$GNUPGHOME"
expect_signer threat-expired-key-eddsa "$A2"
export_asc "$A2" "$OUT/keys/threat-expired-key-eddsa.asc"

# (b) primary key revoked by a revocation certificate made after the link was signed.
B=$(new_key $T_KEYS "$(uid threat-revoked-key)" rsa2048 sign never)
make_link threat-revoked-key $T_SIGN --gpg "$B" --gpg-home "$GNUPGHOME"
expect_signer threat-revoked-key "$B"
# --gen-revoke refuses --batch; answers: create? y / reason 0 (no reason specified) /
# description line / empty line ends it / okay? y
printf 'y\n0\nreprogate fixture: revoked after signing\n\ny\n' |
  gpg --pinentry-mode loopback --passphrase '' --faked-system-time "$T_REVOKE!" --no-tty --command-fd 0 \
      --armor --output "$OUT/keys/threat-revoked-key.rev" --gen-revoke "$B" >>"$LOG" 2>&1
gpg_at $T_REVOKE --import "$OUT/keys/threat-revoked-key.rev" >>"$LOG" 2>&1
export_asc "$B" "$OUT/keys/threat-revoked-key.asc"

# (c) signing subkey revoked (0x28) after the link was signed.
C=$(new_key $T_KEYS "$(uid threat-revoked-subkey)" rsa2048 cert never)
C_S=$(add_subkey $T_KEYS "$C" rsa2048 sign never)
make_link threat-revoked-subkey $T_SIGN --gpg "$C" --gpg-home "$GNUPGHOME"
expect_signer threat-revoked-subkey "$C_S"
printf 'key 1\nrevkey\ny\n0\nreprogate fixture: subkey revoked after signing\n\ny\nsave\n' |
  gpg_at $T_REVOKE --command-fd 0 --edit-key "$C" >>"$LOG" 2>&1
export_asc "$C" "$OUT/keys/threat-revoked-subkey.asc"

# (d) signing subkey whose own expiry has passed (primary never expires).
D=$(new_key $T_OLD_KEYS "$(uid threat-expired-subkey)" rsa2048 cert never)
D_S=$(add_subkey $T_OLD_KEYS "$D" rsa2048 sign $OLD_LIFETIME)
make_link threat-expired-subkey $T_OLD_SIGN --gpg "$D" --gpg-home "$GNUPGHOME"
expect_signer threat-expired-subkey "$D_S"
export_asc "$D" "$OUT/keys/threat-expired-subkey.asc"

# (e) signing subkey whose 0x18 binding signature is broken or missing.
E=$(new_key $T_KEYS "$(uid threat-subkey-binding)" rsa2048 cert never)
E_S=$(add_subkey $T_KEYS "$E" rsa2048 sign never)
make_link threat-subkey-binding $T_SIGN --gpg "$E" --gpg-home "$GNUPGHOME"
expect_signer threat-subkey-binding "$E_S"
export_bin "$E" "$WORK/e.gpg"; export_asc "$E" "$OUT/keys/threat-subkey-binding-intact.asc"
fx binding flip "$WORK/e.gpg" "$E_S" "$OUT/keys/threat-subkey-binding-broken.asc"
fx binding drop "$WORK/e.gpg" "$E_S" "$OUT/keys/threat-subkey-binding-missing.asc"

# (f) C2 ("thief") claims C1's ("owner") signing subkey. gpg's addkey "(13) Existing key"
# binds a key from the agent by keygrip; it needs the secret, which a real thief lacks,
# so gpg also embeds the 0x19 back-signature. Done at T_KEYS, the subkey's creation
# time, the subkey packet (and fingerprint) is identical to C1's. Keeping that export
# gives the "shared subkey" variant; stripping the unhashed back-signature gives
# the thief's certificate: a valid 0x18 binding with no proof from the subkey.
F1=$(new_key $T_KEYS "$(uid threat-stolen-subkey-owner)" rsa2048 cert never)
F1_S=$(add_subkey $T_KEYS "$F1" rsa2048 sign never)
make_link threat-stolen-subkey $T_SIGN --gpg "$F1" --gpg-home "$GNUPGHOME"
expect_signer threat-stolen-subkey "$F1_S"
F2=$(new_key $T_KEYS "$(uid threat-stolen-subkey-thief)" rsa2048 cert never)
# answers: addkey / 13 = existing key / keygrip / E = toggle encrypt off (gpg offers
# sign+encrypt for RSA) / Q = done, sign only / 0 = no expiry / save
printf 'addkey\n13\n%s\nE\nQ\n0\nsave\n' "$(keygrip_of "$F1" "$F1_S")" |
  gpg_at $T_KEYS --expert --command-fd 0 --edit-key "$F2" >>"$LOG" 2>&1
gpg --with-colons --list-keys "$F2" 2>>"$LOG" | grep -q "^fpr:::::::::$F1_S:" ||
  { echo "(f): C2 does not carry C1's subkey $F1_S" >&2; exit 1; }
export_bin "$F1" "$WORK/f1.gpg"; export_asc "$F1" "$OUT/keys/threat-stolen-subkey-owner.asc"
export_bin "$F2" "$WORK/f2.gpg"; export_asc "$F2" "$OUT/keys/threat-shared-subkey-c2.asc"
fx binding strip-backsig "$WORK/f2.gpg" "$F1_S" "$OUT/keys/threat-stolen-subkey-thief.asc"

# securesystemslib GPG key JSON of every threat certificate, from the committed bytes.
for n in threat-expired-key:$A threat-expired-key-eddsa:$A2 threat-revoked-key:$B threat-revoked-subkey:$C threat-expired-subkey:$D \
         threat-subkey-binding-intact:$E threat-subkey-binding-broken:$E threat-subkey-binding-missing:$E \
         threat-stolen-subkey-owner:$F1 threat-shared-subkey-c2:$F2 threat-stolen-subkey-thief:$F2; do
  name=${n%%:*} fpr=${n#*:}
  gpg --dearmor <"$OUT/keys/$name.asc" >"$WORK/$name.bin" 2>>"$LOG"
  fx gpgjson "$WORK/$name.bin" "$fpr" "$OUT/keys/$name.gpg.json"
done

gpg_record threat-expired-key "$A" "$A" "$E_OLD_KEYS" "$E_OLD_EXPIRES" "$E_OLD_SIGN" threat-expired-key \
  "reject: primary key expired 2021-01-01 (valid when it signed on 2020-06-01)"
gpg_record threat-expired-key-eddsa "$A2" "$A2" "$E_OLD_KEYS" "$E_OLD_EXPIRES" "$E_OLD_SIGN" threat-expired-key-eddsa \
  "reject: legacy EdDSA primary key expired 2021-01-01 (its .gpg.json lacks validity_period: securesystemslib could not verify the self-signature)"
gpg_record threat-revoked-key "$B" "$B" "$E_KEYS" null "$E_SIGN" threat-revoked-key \
  "reject: key revoked (reason 0, no reason specified) on 2024-09-01; the link predates the revocation but its signature time is signer-controlled" \
  "\"revocationCertificate\":\"keys/threat-revoked-key.rev\",\"revokedAt\":$E_REVOKE"
gpg_record threat-revoked-subkey "$C" "$C_S" "$E_KEYS" null "$E_SIGN" threat-revoked-subkey \
  "reject: signing subkey revoked (0x28, reason 0) on 2024-09-01" "\"revokedAt\":$E_REVOKE"
gpg_record threat-expired-subkey "$D" "$D_S" "$E_OLD_KEYS" null "$E_OLD_SIGN" threat-expired-subkey \
  "reject: signing subkey expired 2021-01-01 (primary never expires)" "\"subkeyExpires\":$E_OLD_EXPIRES"
gpg_record threat-subkey-binding-intact "$E" "$E_S" "$E_KEYS" null "$E_SIGN" threat-subkey-binding \
  "accept: control for the two certificates below (same keys, binding intact)"
gpg_record threat-subkey-binding-broken "$E" "$E_S" "$E_KEYS" null "$E_SIGN" threat-subkey-binding \
  "reject: last octet of the subkey's 0x18 binding signature XORed with 0x01, so the binding does not verify"
gpg_record threat-subkey-binding-missing "$E" "$E_S" "$E_KEYS" null "$E_SIGN" threat-subkey-binding \
  "reject: the subkey's 0x18 binding signature packet removed"
gpg_record threat-stolen-subkey-owner "$F1" "$F1_S" "$E_KEYS" null "$E_SIGN" threat-stolen-subkey \
  "accept: the link counts for this certificate (C1)"
gpg_record threat-stolen-subkey-thief "$F2" "$F1_S" "$E_KEYS" null "$E_SIGN" threat-stolen-subkey \
  "reject for this certificate (C2): its binding of C1's subkey has no embedded 0x19 back-signature; the link must never count for C2"
gpg_record threat-shared-subkey-c2 "$F2" "$F1_S" "$E_KEYS" null "$E_SIGN" threat-stolen-subkey \
  "valid binding (with back-signature) of the same subkey under C2: the one link is one signature by one key and counts once, not for C1 and C2 both"

# ---------------------------------------------------------------------------
# 5. Reference verdicts from in-toto-verify 1.3.1 (securesystemslib judges GPG key
#    expiry at the real current time and ignores revocation, key flags and back-signatures).
VERDICTS=$OUT/reference-verdicts.txt
{
  echo "# in-toto-verify reference verdicts, written by generate.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# $(in-toto-verify --version 2>&1 | head -n1); securesystemslib $("$PY" -c 'import securesystemslib; print(securesystemslib.__version__)'); $(gpg --version | head -n1)"
  echo "# exit 0 = PASS. Output: the last 3 lines, without in-toto's 'differs from expected command' warnings; \$WORK is the throwaway directory."
} >"$VERDICTS"

# verify_case TITLE LAYOUT LINK_NAMES... [-- in-toto-verify key args]
verify_case() {
  local title=$1 layout=$2; shift 2
  local links=() ; while [ $# -gt 0 ] && [ "$1" != -- ]; do links+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  local d; d=$(mktemp -d "$WORK/verify.XXXX")
  mkdir "$d/links"
  cp "$OUT/artifacts/$DEB" "$d/"
  local l kid
  for l in "${links[@]}"; do
    kid=$(fx sig-keyid "$OUT/links/$l.link")
    cp "$OUT/links/$l.link" "$d/links/rebuild.${kid:0:8}.link"   # the reference's file naming
  done
  local rc=0 output
  output=$(cd "$d" && in-toto-verify -l "$layout" --link-dir links "$@" 2>&1) || rc=$?
  {
    echo
    echo "## $title"
    echo "layout: $(sed "s|$WORK|\$WORK|; s|$OUT/||" <<<"$layout"); links: ${links[*]}"
    if [ $rc -eq 0 ]; then echo "verdict: PASS (exit 0)"; else echo "verdict: FAIL (exit $rc)"; fi
    # drop in-toto's command-alignment warnings (the layout expects no command)
    sed "s|$WORK|\$WORK|g; s|$OUT/||g" <<<"$output" | grep -v -e '^\s*$' -e 'differs from expected command' | tail -n 3 || true
  } >>"$VERDICTS"
}
MAIN_LINKS=(gpg-rsa-subkey gpg-eddsa gpg-dsa ed25519 rsa ecdsa)
OWNER_KEY=(-k "$OUT/keys/layout-owner-ed25519.pub" -t ed25519)
verify_case "root.layout + six links (expected PASS)" "$OUT/layouts/root.layout" "${MAIN_LINKS[@]}" -- "${OWNER_KEY[@]}"
verify_case "root.gpg.layout + six links (expected PASS)" "$OUT/layouts/root.gpg.layout" "${MAIN_LINKS[@]}" -- \
  -g "$OWNER_GPG" --gpg-home "$GNUPGHOME"
verify_case "root.expired.layout + six links (expected FAIL: layout expired)" "$OUT/layouts/root.expired.layout" "${MAIN_LINKS[@]}" -- "${OWNER_KEY[@]}"
for t in "${MAIN_LINKS[@]}"; do
  set -- ; for l in "${MAIN_LINKS[@]}"; do if [ "$l" = "$t" ]; then set -- "$@" "$l.tampered"; else set -- "$@" "$l"; fi; done
  verify_case "root.layout with $t.tampered instead of $t (expected FAIL: threshold 6 not met)" "$OUT/layouts/root.layout" "$@" -- "${OWNER_KEY[@]}"
done

# Threat certificates: a throwaway threshold-1 layout per certificate, keys given as
# the committed securesystemslib JSON, signed by the ed25519 owner key.
threat_case() {  # case-id, title, link, threshold, key names...
  local id=$1 title=$2 link=$3 threshold=$4; shift 4
  local specs=() k
  for k in "$@"; do specs+=("gpgjson:$OUT/keys/$k.gpg.json"); done
  local lay=$WORK/threat-$id.layout
  fx layout "$lay.unsigned" 2030-01-01T00:00:00Z "$threshold" "threat case" "${specs[@]}"
  in-toto-sign -f "$lay.unsigned" -k "$SSLIB/layout-owner-ed25519" -t ed25519 -o "$lay" >>"$LOG" 2>&1
  verify_case "$title" "$lay" "$link" -- "${OWNER_KEY[@]}"
}
threat_case a "(a) threat-expired-key, threshold 1" threat-expired-key 1 threat-expired-key
threat_case a-eddsa "(a') threat-expired-key-eddsa, threshold 1" threat-expired-key-eddsa 1 threat-expired-key-eddsa
threat_case b "(b) threat-revoked-key, threshold 1" threat-revoked-key 1 threat-revoked-key
threat_case c "(c) threat-revoked-subkey, threshold 1" threat-revoked-subkey 1 threat-revoked-subkey
threat_case d "(d) threat-expired-subkey, threshold 1" threat-expired-subkey 1 threat-expired-subkey
threat_case e0 "(e0) threat-subkey-binding-intact, threshold 1" threat-subkey-binding 1 threat-subkey-binding-intact
threat_case e1 "(e1) threat-subkey-binding-broken, threshold 1" threat-subkey-binding 1 threat-subkey-binding-broken
threat_case e2 "(e2) threat-subkey-binding-missing, threshold 1" threat-subkey-binding 1 threat-subkey-binding-missing
threat_case f1 "(f1) threat-stolen-subkey-thief alone, threshold 1" threat-stolen-subkey 1 threat-stolen-subkey-thief
threat_case f2 "(f2) owner + thief, threshold 2" threat-stolen-subkey 2 threat-stolen-subkey-owner threat-stolen-subkey-thief

# ---------------------------------------------------------------------------
for t in gpg-rsa-subkey gpg-eddsa gpg-dsa; do
  link_record "$t" "$E_SIGN" "accept" "$t"
done
for t in ed25519 rsa ecdsa; do
  link_record "$t" null "accept" "$t"
done
for t in gpg-rsa-subkey gpg-eddsa gpg-dsa ed25519 rsa ecdsa; do
  at=null; [[ $t == gpg-* ]] && at=$E_SIGN
  link_record "$t.tampered" "$at" "reject: the product's sha256 was changed after signing (last hex digit)" "$t"
done
link_record threat-expired-key "$E_OLD_SIGN" "reject: signer's primary key expired 2021-01-01" threat-expired-key
link_record threat-expired-key-eddsa "$E_OLD_SIGN" "reject: signer's primary key expired 2021-01-01" threat-expired-key-eddsa
link_record threat-revoked-key "$E_SIGN" "reject: signer's primary key is revoked" threat-revoked-key
link_record threat-revoked-subkey "$E_SIGN" "reject: signing subkey is revoked" threat-revoked-subkey
link_record threat-expired-subkey "$E_OLD_SIGN" "reject: signing subkey expired 2021-01-01" threat-expired-subkey
link_record threat-subkey-binding "$E_SIGN" \
  "accept with threat-subkey-binding-intact; reject with threat-subkey-binding-broken and threat-subkey-binding-missing" \
  threat-subkey-binding-intact threat-subkey-binding-broken threat-subkey-binding-missing
link_record threat-stolen-subkey "$E_SIGN" \
  "one signature by one key: counts once, for threat-stolen-subkey-owner; never for threat-stolen-subkey-thief (no back-signature); with threat-shared-subkey-c2 it still counts once, not twice" \
  threat-stolen-subkey-owner threat-stolen-subkey-thief threat-shared-subkey-c2
record meta tools "{\"in-toto\":\"$(in-toto-run --version 2>&1 | awk '{print $2}')\",\"securesystemslib\":\"$("$PY" -c 'import securesystemslib; print(securesystemslib.__version__)')\",\"gnupg\":\"$(gpg --version | awk 'NR==1{print $3}')\",\"dpkg-deb\":\"$(dpkg-deb --version | head -n1 | grep -o 'version [0-9.]*' | cut -d' ' -f2)\"}"
record meta times "{\"keysCreated\":$E_KEYS,\"linksSigned\":$E_SIGN,\"revoked\":$E_REVOKE,\"oldKeysCreated\":$E_OLD_KEYS,\"oldLinksSigned\":$E_OLD_SIGN,\"oldKeysExpire\":$E_OLD_EXPIRES}"
record meta stepCommand "$("$PY" -c 'import json,sys; print(json.dumps(["sh","-c",sys.argv[1]]))' "$STEP_CMD")"
record meta stepStdout "$("$PY" -c 'import json,sys; print(json.dumps(sys.stdin.read()))' < <(sh -c "$STEP_CMD"))"
fx index "$REC" "$OUT/index.json"

# Every expected file exists and the folder stays small.
for f in artifacts/$DEB artifacts/$BUILDINFO layouts/root.layout layouts/root.gpg.layout layouts/root.expired.layout \
         keys/threat-revoked-key.rev index.json reference-verdicts.txt; do
  [ -s "$OUT/$f" ] || { echo "missing $f" >&2; exit 1; }
done
for n in "${MAIN_LINKS[@]}" threat-expired-key threat-expired-key-eddsa threat-revoked-key threat-revoked-subkey threat-expired-subkey \
         threat-subkey-binding threat-stolen-subkey; do
  [ -s "$OUT/links/$n.link" ] || { echo "missing links/$n.link" >&2; exit 1; }
done
echo "generate.sh: wrote $(find "$OUT" -type f | wc -l) files, $(du -sk "$OUT" | cut -f1) kB in $OUT"
