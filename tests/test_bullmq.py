"""BullMQ (npm `bullmq` on `ioredis`) runs a full job lifecycle against Lacewing: bulk and
single adds, delayed and prioritized jobs, retries with backoff, a flow parent with children,
QueueEvents (XREAD BLOCK on the events stream); every job must complete exactly once.

The packages come from tests/node/package-lock.json (`npm ci` on first use, into
tests/node/node_modules). Skipped, with a message, only when node or npm is not installed.
"""
import os
import shutil
import subprocess

import pytest

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


@pytest.fixture(scope="module")
def node_modules():
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: the BullMQ end-to-end test needs them")
    marker = os.path.join(NODE_DIR, "node_modules", "bullmq", "package.json")
    lock = os.path.join(NODE_DIR, "package-lock.json")
    stamp = os.path.join(NODE_DIR, "node_modules", ".lock-stamp")
    current = open(lock).read()
    if not os.path.exists(marker) or not os.path.exists(stamp) or open(stamp).read() != current:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=NODE_DIR, check=True, timeout=600)
        with open(stamp, "w") as f:
            f.write(current)
    return NODE_DIR


def run_bullmq(port, prefix=None):
    env = dict(os.environ, PORT=str(port))
    if prefix:
        env["PREFIX"] = prefix
    res = subprocess.run(["node", "bullmq_e2e.js"], cwd=NODE_DIR, env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, f"bullmq run failed:\n{res.stdout}\n{res.stderr}"
    return res.stdout


def test_bullmq_allow_undeclared_keys(node_modules, lacewing_factory):
    server = lacewing_factory("--proactor_threads", "2",
                              "--default_lua_flags=allow-undeclared-keys")
    out = run_bullmq(server.port)
    assert '"duplicates":[]' in out


def test_bullmq_hashtag_prefix(node_modules, lacewing_factory):
    server = lacewing_factory("--proactor_threads", "2", "--lock_on_hashtags")
    out = run_bullmq(server.port, prefix="{bq}")
    assert '"duplicates":[]' in out
