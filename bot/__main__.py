"""`python -m bot` is the same as the `vigia` command."""

from bot.cli import main

raise SystemExit(main())
