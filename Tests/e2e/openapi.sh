#!/usr/bin/env bash
# docs/openapi.yaml is a valid OpenAPI 3.1 document (openapi-spec-validator from PyPI).
set -uo pipefail
spec="$(dirname "$0")/../../docs/openapi.yaml"
python3 - "$spec" <<'PY' || exit 1
import sys, yaml
from openapi_spec_validator import validate
validate(yaml.safe_load(open(sys.argv[1])))
PY
echo "  ok: docs/openapi.yaml is valid OpenAPI 3.1"
