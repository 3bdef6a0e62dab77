#!/usr/bin/env python3
"""Reference vectors for fintra_snaptrade::signing::canonicalize.

Each case is [input JSON text, expected canonical text or null when Python's json.loads
rejects it], where expected = json.dumps(json.loads(input), sort_keys=True,
separators=(",", ":")) -- what SnapTrade's Python code signs. Deterministic (fixed seed).

    python3 canonical_json.py > canonical_json.json
"""
import json
import random
import struct
import sys

rng = random.Random(20261127)
cases = []


def add(text):
    try:
        expected = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        expected = None
    cases.append([text, expected])


# Hand-picked: ties, signed zeros, big integers, exponents, Python's literals, bad input.
for text in [
    "106382681903790.625", "-106382681903790.625", "0.5", "2.5", "1e16", "1e15", "1e-4", "1e-5",
    "123456789012345678.0", "9007199254740993", "9007199254740993.0", "-0", "-0.0", "0e0",
    "-0e-0", "1E+2", "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity",
    "18446744073709551616", "-9223372036854775809", "1" * 40, "-" + "9" * 4300, "1" * 4301,
    "[]", "{}", "[{}]", '{"":0}', " \t\n\r[ 1 , 2 ] ", "01", "1.", ".5", "+1", "[1,]",
    '{"a":1,}', '"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"', '"\\uD83D\\uDE00"',
    '"\\ud83d\\u0041"', '"\u00e9\u4e2d\U0001f600"', '"\x7f"', '"a\\/b"', '"\\b\\f\\n\\r\\t\\"\\\\"',
    '"tab\there"', '{"b":1,"a":2,"b":3}', '{"\\u00e9":1,"z":2,"\u00e9":3}', 'true', 'false',
    'null', 'nul', '[1 2]', '{"a" 1}', '"\\x41"', '"\\u12"', "[" * 2000 + "]" * 2000,
    "[" * 400 + "]" * 400, "1.0000000000000002", "5e-324", "1.7976931348623157e308",
    "2.2250738585072014e-308", "0.1", "0.30000000000000004", "100.0", "123e-2",
]:
    add(text)

# Exact ties: k + m/8 with a 17th significant digit of 5 (Python rounds those half-even).
for _ in range(400):
    k = rng.randrange(10**14, 10**15)
    m = rng.choice([1, 3, 5, 7])
    add(f"{k}.{m * 125:03d}")
    add(f"-{k}.{m * 125:03d}")

# Random doubles written several ways.
for _ in range(1500):
    bits = rng.getrandbits(64)
    (value,) = struct.unpack("<d", struct.pack("<Q", bits))
    if value != value or value in (float("inf"), float("-inf")):
        continue
    add(repr(value))
    add("%.17g" % value if "e" in "%.17g" % value or "." in "%.17g" % value else "%.17g.0" % value)
    add("%.25e" % value)

# Random decimals with few digits across the fixed/exponent boundaries.
for _ in range(600):
    digits = str(rng.randrange(1, 10**rng.randrange(1, 18)))
    exp = rng.randrange(-30, 30)
    add(f"{digits}e{exp}")

# Random big integers.
for _ in range(200):
    n = rng.randrange(10**rng.randrange(1, 60))
    add(str(n) if rng.random() < 0.5 else "-" + str(n))

# Random nested objects with awkward keys and strings.
ALPHABET = ["a", "b", "Z", "0", "_", " ", "\u00e9", "\u4e2d", "\U0001f600", "\ue000", '"', "\\",
            "\n", "\x01", "\x7f", "/"]


def rand_str():
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 6)))


def rand_value(depth):
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice([None, True, False, rng.randrange(-10**20, 10**20),
                           rng.uniform(-1e6, 1e6), rand_str()])
    if r < 0.6:
        return [rand_value(depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rand_str(): rand_value(depth + 1) for _ in range(rng.randrange(0, 5))}


for _ in range(300):
    v = rand_value(0)
    # Unsorted, spaced and non-ASCII-raw input; sometimes with escapes.
    add(json.dumps(v, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1])))

# Hostile input: valid documents with up to two random edits from a JSON-ish alphabet
# (brackets, quotes, escapes, lone surrogates, control characters, Python's literals), about
# half of which Python rejects. A separate generator keeps the cases above unchanged.
mut = random.Random(20261128)
EDITS = ["{", "}", "[", "]", ",", ":", '"', "\\", "\\u", "\\ud83d", "\\ude00", "\\uDFFF",
         "u", "e", "E", "-", "+", ".", "0", "9", " ", "\t", "\n", "\x00", "\x1f", "\u00e9",
         "NaN", "Infinity", "-0", "1e999", "true", "nul", "/", "\ufeff"]


def mut_value(depth):
    r = mut.random()
    if depth > 3 or r < 0.3:
        return mut.choice([None, True, False, mut.randrange(-10**25, 10**25),
                           mut.uniform(-1e300, 1e300), mut.uniform(-1, 1) * 10**mut.randrange(-320, 5),
                           "".join(mut.choice(ALPHABET) for _ in range(mut.randrange(0, 5))),
                           float("nan"), float("-inf"), -0.0])
    if r < 0.6:
        return [mut_value(depth + 1) for _ in range(mut.randrange(0, 4))]
    return {"".join(mut.choice(ALPHABET) for _ in range(mut.randrange(0, 4))): mut_value(depth + 1)
            for _ in range(mut.randrange(0, 4))}


for _ in range(1500):
    text = list(json.dumps(mut_value(0), ensure_ascii=mut.random() < 0.5,
                           indent=mut.choice([None, 0, 2]), sort_keys=mut.random() < 0.3))
    for _ in range(mut.choice([0, 1, 1, 2])):
        i = mut.randrange(len(text) + 1)
        op = mut.randrange(3)
        if op == 0:
            text.insert(i, mut.choice(EDITS))
        elif i < len(text):
            if op == 1:
                del text[i]
            else:
                text[i] = mut.choice(EDITS)
    add("".join(text))

json.dump(cases, sys.stdout, ensure_ascii=True, indent=0)
sys.stdout.write("\n")
