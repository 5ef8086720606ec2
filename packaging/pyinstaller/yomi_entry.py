"""The bundle's entry point: the same `yomi` command as the console script (app.main)."""
import sys

from app.main import main

if __name__ == "__main__":
    sys.exit(main())
