"""In-process rates, run pinned to the server's core by the benchmark command:

    python -m benchmarks.inproc argon2 --time-cost 2 --memory-kib 19456 --parallelism 1
    python -m benchmarks.inproc resource --base URL --audience AUD --token JWT

``argon2``: raw Argon2id verifications per second at those parameters (the ceiling of
password sign-ins on one core). ``resource``: access-token verifications per second in
``idp.resource.TokenVerifier`` (JWKS fetched once, then offline). One JSON line each.
"""

from __future__ import annotations

import argparse
import json
import time


def _rate(step, duration: float) -> dict:
    step()  # warm (first JWKS fetch, hasher construction)
    count = 0
    cpu0 = time.process_time()
    start = time.perf_counter()
    until = start + duration
    while time.perf_counter() < until:
        step()
        count += 1
    seconds = time.perf_counter() - start
    return {
        "ops": count,
        "seconds": seconds,
        "cpu_ms_per_op": (time.process_time() - cpu0) * 1000 / max(count, 1),
    }


def argon2_rate(time_cost: int, memory_kib: int, parallelism: int, duration: float) -> dict:
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    stored = hasher.hash("bench sign-in password 2026")
    return _rate(lambda: hasher.verify(stored, "bench sign-in password 2026"), duration)


def resource_rate(base: str, audience: str, token: str, duration: float) -> dict:
    from idp.resource import TokenVerifier

    verifier = TokenVerifier(base, audience)
    return _rate(lambda: verifier.verify(token), duration)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["argon2", "resource"])
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--time-cost", type=int, default=2)
    parser.add_argument("--memory-kib", type=int, default=19456)
    parser.add_argument("--parallelism", type=int, default=1)
    parser.add_argument("--base")
    parser.add_argument("--audience")
    parser.add_argument("--token")
    args = parser.parse_args()
    if args.kind == "argon2":
        result = argon2_rate(args.time_cost, args.memory_kib, args.parallelism, args.duration)
    else:
        result = resource_rate(args.base, args.audience, args.token, args.duration)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
