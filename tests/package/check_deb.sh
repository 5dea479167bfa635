#!/usr/bin/env bash
# Makes the .deb from a built tree with `cpack -G DEB`, installs it on this machine with
# dpkg, checks what it installed — the tools run and round-trip a key, the man pages and
# bash completion are found, every header compiles on its own, programs build against the
# library with pkg-config and find_package(walkv) — and removes the package again.
# Usage: check_deb.sh SOURCE_DIR BUILD_DIR   (BUILD_DIR configured with
# -DCMAKE_INSTALL_PREFIX=/usr and the tools on, and built; dpkg runs through sudo unless root)
set -euo pipefail
src=$1; build=$2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
work=$(mktemp -d)
installed=0
cleanup() {
  if ((installed)); then $SUDO dpkg --purge walkv > /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_deb: $*"; exit 1; }

if [[ $(dpkg-query -W -f='${Status}' walkv 2> /dev/null || true) == *" installed" ]]; then
  fail "a walkv package is already installed; remove it first (dpkg --purge walkv)"
fi

(cd "$build" && cpack -G DEB -B "$work/cpack" > "$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
debs=("$work"/cpack/walkv_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "expected one walkv_*.deb, got: ${debs[*]}"
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
echo "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"
echo "Depends: $(dpkg-deb -f "$deb" Depends)"

# What the binaries link, as dpkg-shlibdeps found it.
depends=$(dpkg-deb -f "$deb" Depends)
for p in liburing2 libxxhash0 libfmt9 libedit2; do
  [[ ", $depends" == *", $p "* || ", $depends," == *", $p,"* ]] || fail "Depends lacks $p"
done
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/walkv ./usr/bin/walkv-crash ./usr/include/walkv/db.h \
         ./usr/include/walkv/version.h ./usr/share/man/man1/walkv.1 \
         ./usr/share/man/man1/walkv-crash.1 ./usr/share/bash-completion/completions/walkv \
         ./usr/share/bash-completion/completions/walkv-crash; do
  grep -qxF "$f" <<< "$contents" || fail "the package lacks $f"
done
for f in pkgconfig/walkv.pc cmake/walkv/walkvConfig.cmake libwalkv.so; do
  grep -qE "^\./usr/lib/.*/$f\$" <<< "$contents" || fail "the package lacks lib/.../$f"
done
# The I/O seam stays out of the installed API (docs/packaging.md).
! grep -q io_hooks.h <<< "$contents" || fail "the package installs io_hooks.h"

$SUDO dpkg -i "$deb" > /dev/null
installed=1
libdir=/usr/lib/$(gcc -print-multiarch)
soname=$(readelf -d "$libdir/libwalkv.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[[ $soname == libwalkv.so.* && -e $libdir/$soname ]] || fail "bad SONAME '$soname'"
# (ldconfig -p into a variable: grep -q would close the pipe early, and pipefail would fail.)
grep -qF "$soname" <<< "$(ldconfig -p)" || fail "$soname is not in the loader's cache"
echo "installed: $soname"

# /usr/bin explicitly: a walkv in /usr/local/bin would come first in PATH.
[[ $(/usr/bin/walkv --version) == "walkv $version" ]] ||
  fail "walkv --version: '$(/usr/bin/walkv --version)', expected 'walkv $version'"
[[ $(/usr/bin/walkv -d "$work/db" put greeting hello) == lsn=1 ]] || fail "walkv put"
[[ $(/usr/bin/walkv -d "$work/db" get greeting) == hello ]] || fail "walkv get"
/usr/bin/walkv-crash --help > /dev/null || fail "walkv-crash --help"
echo "walkv $version: put/get round trip ok"

# Man pages: found by man(1) where man-db is installed, unless this system's dpkg
# configuration drops them (path-exclude, as in minimal container images).
if grep -qs '^path-exclude=/usr/share/man' /etc/dpkg/dpkg.cfg.d/*; then
  echo "man pages: excluded by this system's dpkg configuration (they are in the .deb)"
else
  for page in walkv walkv-crash; do
    if command -v man > /dev/null; then
      [[ $(man -w "$page") == /usr/share/man/man1/$page.1* ]] || fail "man -w $page"
    else
      [[ -f /usr/share/man/man1/$page.1 ]] || fail "no /usr/share/man/man1/$page.1"
    fi
  done
  echo "man pages: ok"
fi

# Bash completion, loaded on demand from its installed place as bash-completion does.
if [[ -f /usr/share/bash-completion/bash_completion ]]; then
  complete_words() {  # command words... : what completing the last (empty) word offers
    bash -c 'source /usr/share/bash-completion/bash_completion
             _completion_loader "$1" 2> /dev/null
             COMP_WORDS=("$@" ""); COMP_CWORD=$#; COMP_LINE="$* "; COMP_POINT=${#COMP_LINE}
             $(complete -p "$1" | sed "s/.*-F \([^ ]*\) .*/\1/") 2> /dev/null
             echo "${COMPREPLY[*]}"' _ "$@"
  }
  [[ $(complete_words walkv --mode) == "sync os async" ]] || fail "completion of walkv --mode"
  [[ $(complete_words walkv-crash --backend) == "auto uring posix" ]] ||
    fail "completion of walkv-crash --backend"
  echo "bash completion: ok"
fi

for h in /usr/include/walkv/*.h; do
  g++ -std=c++20 -fsyntax-only -x c++ - <<< "#include <walkv/$(basename "$h")>" ||
    fail "$h does not compile on its own"
done
"$src/tests/package/check_consumers.sh" "$src" /usr "$work/consumers"

$SUDO dpkg --purge walkv > /dev/null
installed=0
[[ ! -e /usr/bin/walkv && ! -e $libdir/$soname ]] || fail "dpkg --purge left files behind"
! grep -qF "$soname" <<< "$(ldconfig -p)" || fail "$soname is still in the loader's cache"
echo "removed"
