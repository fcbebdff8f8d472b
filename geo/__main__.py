"""``python -m geo``: the analyses on files, without the server (see ``geo.cli``)."""

from geo.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
