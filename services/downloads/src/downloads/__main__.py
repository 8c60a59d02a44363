from downloads.cli import main

raise SystemExit(main())
