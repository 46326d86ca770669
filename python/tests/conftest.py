import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))

import pytest  # noqa: E402

import keel  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def jvm():
    """One JVM for the session, started the way users start it."""
    keel.start()
