#!/usr/bin/env python3
"""Regenerates the spec subsets in this folder from the official specs in ../../../shared/specs.

Each subset keeps only the operations the fintra crates implement plus every component they
reference (transitively), so the contract tests stay small. Run from anywhere:
    python3 tests/specs/extract.py [SHARED_SPECS_DIR]
"""
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "specs")

SUBSETS = {
    "finicity-authentication.json": ("finicity-authentication-openapi.yaml", lambda p: p == "/aggregation/v2/partners/authentication", None),
    "connect-components.json": ("connect-components-openapi.yaml", lambda p: p.startswith("/connect-components/"), None),
    # The 2023 spec: only dashboard-access, which the latest spec no longer has.
    "app-portal.json": (
        "svix-openapi.json",
        lambda p: p == "/api/v1/auth/dashboard-access/{app_id}/",
        None,
    ),
    # The latest spec: the public Authentication and Stream Authentication operations, plus
    # the x-internal ones fintra-app-portal implements (whoami, app poller tokens, one-time
    # token exchange).
    "app-portal-latest.json": (
        "svix-openapi-latest.json",
        lambda p: p in {
            "/api/v1/auth/app-portal-access/{app_id}",
            "/api/v1/auth/app/{app_id}/expire-all",
            "/api/v1/auth/logout",
            "/api/v1/auth/whoami",
            "/api/v1/auth/app/{app_id}/poller/{endpoint_id}/token",
            "/api/v1/auth/app/{app_id}/poller/{endpoint_id}/token/rotate",
            "/api/v1/auth/one-time-token",
            "/api/v1/auth/stream-portal-access/{stream_id}",
            "/api/v1/auth/stream-logout",
            "/api/v1/auth/stream/{stream_id}/expire-all",
            "/api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token",
            "/api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token/rotate",
        },
        None,
    ),
    # Already a subset (the five Authentication operations); kept whole.
    "snaptrade-authentication.json": (
        "snaptrade-authentication-openapi.json",
        lambda p: p.startswith("/snapTrade/"),
        None,
    ),
}


def refs(node, out):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            out.add(ref)
        for v in node.values():
            refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def resolve(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def subset(doc, keep):
    paths = {p: v for p, v in doc["paths"].items() if keep(p)}
    out = {k: doc[k] for k in ("openapi", "info", "servers", "security") if k in doc}
    out["paths"] = paths
    seen, todo = set(), set()
    refs(paths, todo)
    refs(doc.get("security", []), todo)
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        refs(resolve(doc, ref), todo)
    components = {}
    for ref in sorted(seen):
        _, _, kind, name = ref.split("/", 3)
        components.setdefault(kind, {})[name] = resolve(doc, ref)
    if "securitySchemes" in doc.get("components", {}):
        components["securitySchemes"] = doc["components"]["securitySchemes"]
    out["components"] = components
    return out


for target, (source, keep, _) in SUBSETS.items():
    with open(os.path.join(SRC, source)) as f:
        doc = yaml.safe_load(f) if source.endswith(".yaml") else json.load(f)
    with open(os.path.join(HERE, target), "w") as f:
        json.dump(subset(doc, keep), f, indent=1, sort_keys=True, default=str)
        f.write("\n")
    print(target, "from", source)
