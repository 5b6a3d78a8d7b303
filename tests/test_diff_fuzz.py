"""Differential fuzzing (issue 17): seeded random command sequences of every family, sent to
Lacewing and redis-server 7.0, must get identical replies (tests/diff_fuzz.py says what is
canonicalized and why). Bounded: LW_DIFF_FUZZ_SECONDS (default 20) of seeds starting at
LW_DIFF_FUZZ_SEED (default 1); a failure names its seed and step, and
LW_DIFF_FUZZ_SEED=<seed> LW_DIFF_FUZZ_SEEDS=1 replays exactly that sequence."""
import os

import diff_fuzz


def test_random_sequences_match_redis(server, redis_server):
    seconds = float(os.environ.get("LW_DIFF_FUZZ_SECONDS", "20"))
    first = int(os.environ.get("LW_DIFF_FUZZ_SEED", "1"))
    count = os.environ.get("LW_DIFF_FUZZ_SEEDS")
    done = diff_fuzz.run(server.port, redis_server.port, seconds, first,
                         max_seeds=int(count) if count else None)
    assert done >= 1
