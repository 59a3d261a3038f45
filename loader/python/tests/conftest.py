"""A real Kafka broker for the Python tests: the loader jar's ``broker`` command, once a session."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
JAR = os.environ.get("SPRITESTREAM_JAR", os.path.join(REPO, "loader", "target", "spritestream-loader.jar"))

sys.path.insert(0, os.path.join(HERE, "..", "benchmarks"))

# The loaders the tests start keep their decoded-sample cache (and OpenCV's library) here, not in
# the user's own ~/.cache/spritestream.
CACHE = tempfile.mkdtemp(prefix="spritestream-pytest-cache-")
os.environ["SPRITESTREAM_CACHE"] = CACHE


@pytest.fixture(scope="session", autouse=True)
def own_cache():
    yield CACHE
    shutil.rmtree(CACHE, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def java(*args):
    done = subprocess.run(["java", "-jar", JAR, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def bootstrap():
    if not os.path.isfile(JAR):
        pytest.fail(f"{JAR} is missing: build it first (mvn -DskipTests package)")
    data = tempfile.mkdtemp(prefix="spritestream-pytest-")
    port = free_port()
    broker = subprocess.Popen(["java", "-jar", JAR, "broker", "--port", str(port), "--data", os.path.join(data, "kafka")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while True:
            assert broker.poll() is None, "the broker ended before listening"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.time() < deadline, f"no broker on {port} after 120 s"
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        broker.terminate()
        broker.wait(60)
        shutil.rmtree(data, ignore_errors=True)
