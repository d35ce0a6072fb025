from pithtex.cli import main

raise SystemExit(main())
