#!/usr/bin/env bash
# Regenerates iamdata/sampolicy/templates.json.gz from the SAM policy
# templates of the installed Python package aws-sam-translator (the SAM
# transform), and testdata/sam-expansions.json, what that package's own
# PolicyTemplatesProcessor makes of each template, which the tests compare
# our expansion with. Needs python3 with aws-sam-translator and Go; the
# build needs neither Python nor the network: the output is committed.
#   PYTHON=python3.11 ./gen/generate.sh
#   (pip install aws-sam-translator==1.110.0 for the committed version)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkgdir=$(cd "$here/.." && pwd)
python=${PYTHON:-python3}
read -r dir version < <("$python" -c 'import os, samtranslator; print(os.path.dirname(samtranslator.__file__), samtranslator.__version__)')
# The packer imports this package, whose embed needs the file to exist.
[ -f "$pkgdir/templates.json.gz" ] || : > "$pkgdir/templates.json.gz"
( cd "$pkgdir" && go run ./gen/pack "$dir/policy_templates_data/policy_templates.json" "$version" "$pkgdir/templates.json.gz" )
mkdir -p "$pkgdir/testdata"
"$python" "$here/expectations.py" > "$pkgdir/testdata/sam-expansions.json"
