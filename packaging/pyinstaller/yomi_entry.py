"""The bundle's entry point: the same `yomi` command as the console script (app.main).

freeze_support first: the JPEG 2000 decoders' worker processes (viewer/decode_pool.py) are
this same executable started again, and must run the worker, not a second Yomi."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from app.main import main

    sys.exit(main())
