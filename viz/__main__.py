"""``python3 -m viz``: the ``chainrule`` command without the installed script."""

from .cli import main

raise SystemExit(main())
