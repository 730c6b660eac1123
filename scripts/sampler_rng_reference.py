#!/usr/bin/env python3
"""Reference outputs of splitmix64 and xoshiro256** (Blackman & Vigna, prng.di.unimi.it), written from the
published algorithm in plain Python integers, for tests/unit/sampler/test_random.cpp.
Usage: scripts/sampler_rng_reference.py  (prints the values the test hard-codes)"""

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def xoshiro256ss(seed, count):
    s, sm = [], seed
    for _ in range(4):
        sm, v = splitmix64(sm)
        s.append(v)
    out = []
    for _ in range(count):
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        out.append(result)
    return out


if __name__ == "__main__":
    state, first = splitmix64(0)
    print("splitmix64(state 0):", hex(first))
    for seed in (0, 42):
        values = xoshiro256ss(seed, 5)
        print(f"seed {seed}:", ", ".join(hex(v) + "ull" for v in values))
        print(f"  next_double of the first: {(values[0] >> 11) * 2.0**-53!r}")
