"""``python -m geosozial.cli``: the ``geosozial`` command."""

from geosozial.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
