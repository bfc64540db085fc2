"""What tests of the command line share."""


class Unclosed:
    """A store handed to a command that closes what it opens: the test's store stays open."""

    def __init__(self, store):
        self.store = store

    def __getattr__(self, name):
        return getattr(self.store, name)

    def __enter__(self):
        return self.store

    def __exit__(self, *exc):
        return False
