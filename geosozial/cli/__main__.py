"""``python -m geosozial.cli``: the ``geosozial`` command (Ctrl-C even while starting
up ends with exit code 130 and one line, no traceback)."""

import sys

try:
    from geosozial.cli import main
except KeyboardInterrupt:
    english = "--lang=en" in sys.argv or any(
        a == "--lang" and b == "en" for a, b in zip(sys.argv, sys.argv[1:], strict=False))
    print("interrupted" if english else "abgebrochen", file=sys.stderr)
    raise SystemExit(130) from None

if __name__ == "__main__":
    raise SystemExit(main())
