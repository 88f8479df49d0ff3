"""``python -m coledger``: the command line, as the ``coledger`` command runs it."""

from coledger.cli import run

if __name__ == "__main__":
    run()
