from thads.cli import main

raise SystemExit(main())
