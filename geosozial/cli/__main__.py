"""``python -m geosozial.cli``: the ``geosozial`` command."""

from geosozial.cli import main

raise SystemExit(main())
