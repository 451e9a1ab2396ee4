#!/usr/bin/env bash
# make format-check: every tracked C file must be exactly as clang-format
# (with the checked-in .clang-format) writes it.  Prints the files that
# differ and how to fix them; exit 1 if any does.
set -u
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
	echo "format-check: clang-format not installed (scripts/deps.sh installs it)"
	exit 1
fi
bad=$(clang-format --dry-run -Werror $(git ls-files '*.c' '*.h') 2>&1 |
    sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*clang-format-violations.*/\1/p' | sort -u)
if [ -n "$bad" ]; then
	echo "format-check FAIL: $(echo "$bad" | wc -l) files differ from clang-format (run make format):"
	echo "$bad" | sed 's/^/  /'
	exit 1
fi
echo "format-check ok   $(git ls-files '*.c' '*.h' | wc -l) files"
