from stats.cli import main

raise SystemExit(main())
