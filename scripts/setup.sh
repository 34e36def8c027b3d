#!/usr/bin/env bash
# Creates .venv and installs Newsdesk with everything it needs, offline-capable afterwards.
#   scripts/setup.sh          runtime (web app, CLI, local models): prebuilt wheels only, nothing compiled
#   scripts/setup.sh llamacpp + the llama.cpp backend (llama-cpp-python builds from source: ~5 minutes on 2 cores)
#   scripts/setup.sh test     + llama.cpp (its tests need it), test tools and Debian's chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv
stamp="$VENV/.installed-${1:-run}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  "$VENV/bin/pip" install -q --upgrade pip
  # The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
  "$VENV/bin/pip" install -q torch==2.13.0
  # The default (extractive) engine needs no LLM, so `run` installs no llama.cpp (issue 18). llama-cpp-python builds
  # from source once (about 5 minutes on 2 cores); pip caches the wheel.
  case "${1:-run}" in
    run) target="." ;;
    llamacpp) target=".[llamacpp]" ;;
    test) target=".[llamacpp,test]" ;;
    *) echo "usage: scripts/setup.sh [run|llamacpp|test]" >&2; exit 2 ;;
  esac
  "$VENV/bin/pip" install -q -c constraints.txt -e "$target"
  touch "$stamp"
fi
# The embedding model's ONNX export (once per machine): a cold `newsdesk ask` then runs it without importing torch.
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$VENV/bin/python" -m app.store.embeddings >/dev/null || true
if [ "${1:-run}" = test ] && [ ! -x /usr/bin/chromium ]; then
  # The browser tests drive Debian's chromium (Playwright never downloads a browser here).
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "Browser tests need Debian's chromium: sudo apt-get install chromium chromium-driver" >&2
  fi
fi
if [ ! -f /usr/share/wordnet/index.noun ]; then
  # The answer check reads an asked noun's kin ('council' ~ councillors) from Debian's WordNet 3.0 files
  # (app/retrieve/wordnet.py); without them it only matches the noun's own forms.
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wordnet-base >/dev/null
  else
    echo "The answer check reads WordNet when installed: sudo apt-get install wordnet-base" >&2
  fi
fi
