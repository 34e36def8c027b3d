#!/usr/bin/env bash
# Regenerates constraints.txt from the working .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
{ echo "# Pinned versions tested together (pip freeze of a working .venv). Regenerate: scripts/freeze.sh"
  .venv/bin/pip freeze --exclude-editable | grep -v -i "^newsdesk" | sed 's/+cpu//'; } > constraints.txt
