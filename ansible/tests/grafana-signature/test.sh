#!/usr/bin/env bash
# Tests roles/grafana/tasks/signature.yml with the real gpg and gpgv: throwaway keys (one pinned, one not, one
# expired) sign file:// copies of an APT suite (InRelease, Packages, Packages.gz) laid out as apt.grafana.com's, and
# the check must accept the pinned package digest only through an unbroken chain: pinned key → good signature →
# index digest → package digest. Prints PASS/FAIL lines as tests/static.sh counts them. Needs gpg, gpgv, ansible.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$(dirname "$(dirname "$here")")/ansible.cfg}" ANSIBLE_NOCOLOR=1
# One line per message (the YAML result format wraps them), so that each case can be matched on its own message.
export ANSIBLE_CALLBACK_RESULT_FORMAT=json
work="$(mktemp -d)"
trap 'gpgconf --homedir "$work/gnupg" --kill all >/dev/null 2>&1; rm -rf "$work"' EXIT
export GNUPGHOME="$work/gnupg"
mkdir -m 0700 "$GNUPGHOME"

g() { gpg --batch --quiet --pinentry-mode loopback --passphrase '' "$@"; }
fingerprint() { gpg --batch --with-colons --list-keys "$1" | awk -F: '/^fpr:/ { print $10; exit }'; }
g --quick-gen-key "MLT test pinned <pinned@example.invalid>" ed25519 sign 1y
g --quick-gen-key "MLT test other <other@example.invalid>" ed25519 sign 1y
# Valid on the day it signed, expired since: gpg's clock is set back for both.
g --faked-system-time 20200101T000000 --quick-gen-key "MLT test expired <expired@example.invalid>" ed25519 sign 1d
pinned="$(fingerprint pinned@example.invalid)" other="$(fingerprint other@example.invalid)"
expired="$(fingerprint expired@example.invalid)"
gpg --batch --armor --export "$pinned" "$other" "$expired" >"$work/keys.asc"

deb=grafana_13.2.1_33191028959_linux_amd64.deb
deb_sha="$(printf 'the package' | sha256sum | cut -d' ' -f1)"
suite() { # directory, signing fingerprint, indexes the release file lists ("Packages Packages.gz" or "Packages.gz")
    local dists="$1/dists/stable" index
    mkdir -p "$dists/main/binary-amd64"
    cat >"$dists/main/binary-amd64/Packages" <<PACKAGES
Package: grafana
Version: 13.2.0
Architecture: amd64
Filename: pool/main/g/grafana/grafana_13.2.0_32000000000_linux_amd64.deb
SHA256: $(printf 'an older package' | sha256sum | cut -d' ' -f1)

Package: grafana
Version: 13.2.1
Architecture: amd64
Filename: pool/main/g/grafana/$deb
Size: 11
SHA256: $deb_sha

Package: alloy
Version: 1.20.1
Architecture: amd64
Filename: pool/main/a/alloy/alloy-1.20.1-1.amd64.deb
SHA256: $(printf 'another package' | sha256sum | cut -d' ' -f1)
PACKAGES
    gzip -kn "$dists/main/binary-amd64/Packages"
    {
        printf 'Origin: MLT test\nSuite: stable\nComponents: main\nArchitectures: amd64\nSHA256:\n'
        for index in $3; do
            printf ' %s %s main/binary-amd64/%s\n' "$(sha256sum <"$dists/main/binary-amd64/$index" | cut -d' ' -f1)" \
                "$(stat -c %s "$dists/main/binary-amd64/$index")" "$index"
        done
    } >"$dists/Release"
    g ${4:-} --yes --local-user "$2" --clearsign --output "$dists/InRelease" "$dists/Release"
}
suite "$work/good" "$pinned" "Packages Packages.gz"
suite "$work/gz-only" "$pinned" "Packages.gz"
suite "$work/other-key" "$other" "Packages Packages.gz"
suite "$work/expired" "$expired" "Packages Packages.gz" "--faked-system-time 20200101T120000"
suite "$work/tampered" "$pinned" "Packages Packages.gz"
sed -i "s/^SHA256: $deb_sha/SHA256: $(printf 'a replaced package' | sha256sum | cut -d' ' -f1)/" \
    "$work/tampered/dists/stable/main/binary-amd64/Packages"

passed=0 failed=0
case_() { # name, repository directory, expected text, expected exit status (0 or non-zero), extra -e arguments...
    local name="$1" repo="$2" expect="$3" status="$4"; shift 4
    ansible-playbook -i localhost, "$here/check.yml" -e "grafana_apt_repo_url=file://$repo" \
        -e "grafana_apt_key_url=file://$work/keys.asc" -e "grafana_apt_key_fingerprint=$pinned" \
        -e "grafana_archive_url=https://dl.example.invalid/grafana/release/13.2.1/$deb" \
        -e "grafana_checksum=sha256:$deb_sha" "$@" >"$work/case.log" 2>&1
    local rc=$?
    if (( (status == 0) == (rc == 0) )) && grep -q -- "$expect" "$work/case.log"; then
        passed=$((passed + 1)); echo "PASS grafana signature: $name"
    else
        failed=$((failed + 1)); echo "FAIL grafana signature: $name (exit $rc)"
        tail -n 30 "$work/case.log" | sed 's/^/    /'
    fi
}
accepted="$deb: the pinned sha256 is the one in stable's index, signed by $pinned"
case_ "the pin is accepted through the signed index" "$work/good" "$accepted" 0
# Exit 0 means every assert held; the fetched URL shows the gzip index was the one read.
case_ "the pin is accepted through a signed Packages.gz" "$work/gz-only" "binary-amd64/Packages.gz" 0 -v
case_ "a pin that is not the signed digest is refused" "$work/good" "is not the digest Grafana's signed index gives" 1 \
    -e "grafana_checksum=sha256:$(printf 'something else' | sha256sum | cut -d' ' -f1)"
case_ "a package the index does not list is refused" "$work/good" "no entry" 1 \
    -e "grafana_archive_url=https://dl.example.invalid/grafana_13.2.2_1_linux_amd64.deb"
case_ "a release file signed by another key of the key file is refused" "$work/other-key" \
    "is not signed by a valid key with the pinned fingerprint" 1
case_ "a release file signed by the pinned key after it expired is refused" "$work/expired" "EXPKEYSIG" 1 \
    -e "grafana_apt_key_fingerprint=$expired"
case_ "a key file without the pinned key is refused" "$work/good" "holds no key with the pinned fingerprint" 1 \
    -e "grafana_apt_key_fingerprint=0123456789ABCDEF0123456789ABCDEF01234567"
case_ "an index changed after signing is refused" "$work/tampered" "did not match" 1
echo "grafana signature: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
