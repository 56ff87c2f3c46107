#!/bin/sh
# Installs the Python peers' Debian packages (FastAPI, uvicorn, PyTorch) when
# any is missing. Idempotent: does nothing when /usr/bin/python3 imports all three.
set -eu
if /usr/bin/python3 -c 'import fastapi, uvicorn, torch' 2>/dev/null; then
  echo "bench peers: python3-fastapi, python3-uvicorn, python3-torch already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q python3-fastapi python3-uvicorn python3-torch
/usr/bin/python3 -c 'import fastapi, uvicorn, torch; print("bench peers: fastapi", fastapi.__version__, "uvicorn", uvicorn.__version__, "torch", torch.__version__)'
