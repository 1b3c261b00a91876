#!/usr/bin/env bash
# CI step for the Python package (called by .ci/run after the Rust steps, which
# built target/release/sqlport-conformance): build the wheel with maturin in a
# fresh venv, run the pytest suite (local and over HTTP against the reference
# server), then a fast subset of Django's own test apps on a local file and
# over HTTP. The full Django table is produced outside CI
# (python/django_suite/run_django_suite.py).
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install -q --upgrade pip
"$py" -m pip install -q maturin pytest "Django==5.2.19"

# The wheel (abi3, Python >= 3.10). Debug profile: it reuses what the Rust
# steps compiled; the tests below do not measure speed.
"$work/venv/bin/maturin" build -q --out "$work/wheels"
"$py" -m pip install -q "$work"/wheels/sqlport-*.whl

export SQLPORT_REFERENCE_SERVER="${SQLPORT_REFERENCE_SERVER:-$(cd .. && pwd)/target/release/sqlport-conformance}"
if [ ! -x "$SQLPORT_REFERENCE_SERVER" ]; then
  (cd .. && cargo build -q --release -p sqlport-conformance)
fi

# Run from a directory without the source tree, so the installed wheel is tested.
cp -r tests "$work/tests"
(cd "$work/tests" && "$py" -m pytest -q -rs -p no:cacheprovider .)

"$py" django_suite/run_django_suite.py \
  --settings b,c --apps basic,transactions,transaction_hooks \
  --work "$work/django" --timeout 600 --require-pass
echo "python step took $((SECONDS - start))s"
