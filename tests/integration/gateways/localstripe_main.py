"""Run localstripe (PyPI, a third-party server speaking Stripe's API) bound to loopback.

Upstream's `localstripe` command binds every interface ('::') and keeps its state in the fixed
file /tmp/localstripe.pickle, shared by every run on the machine. This launcher serves the same
aiohttp app on 127.0.0.1 only, on a port the kernel picks (printed as `PORT <n>` on stdout), and
keeps the pickle in the folder given by --state, or nowhere with --no-persist (the benchmark:
upstream rewrites the whole pickle on every object created).
"""

from __future__ import annotations

import argparse
import pickle
import socket
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--no-persist", action="store_true")
    args = parser.parse_args()
    pickle_path: Path = args.state / "localstripe.pickle"

    def dump(store: Any) -> None:
        if not args.no_persist:
            with pickle_path.open("wb") as handle:
                pickle.dump(dict(store), handle, protocol=pickle.HIGHEST_PROTOCOL)

    def load(store: Any) -> None:
        if pickle_path.exists():
            with pickle_path.open("rb") as handle:
                store.clear()
                store.update(pickle.load(handle))

    resources.Store.dump_to_disk = dump
    resources.Store.try_load_from_disk = load

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((args.host, 0))
    sock.listen(128)  # connections wait in the backlog until the app serves
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    sys.stdout.flush()
    web.run_app(server.app, sock=sock, access_log=None, print=None, handle_signals=True)


if __name__ == "__main__":
    main()
