from kustguard.cli import main

raise SystemExit(main())
