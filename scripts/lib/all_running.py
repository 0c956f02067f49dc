#!/usr/bin/env python3
"""Reads `litctl tree -o json` on stdin; exits 0 when the tree has nodes,
every one of them, host and device, is RUN_STATE_RUNNING, and every device
actor's active states are known (from its traces or the board's first
metrics snapshot); else 1, naming the first that is not on stderr with -v.
With --without-states, device actors' states may be unknown (a board whose
agent sends no telemetry: the minimal agent)."""
import json
import sys


def nodes(node):
    yield node
    for child in node.get("children", []):
        yield from nodes(child)


try:
    tree = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
everything = [node for root in tree.get("roots", []) for node in nodes(root)]
for node in everything:
    on_device = "device" in node.get("location", {})
    states_known = node.get("configuration") or "--without-states" in sys.argv
    if node["state"] != "RUN_STATE_RUNNING" or (on_device and not states_known):
        if "-v" in sys.argv:
            print("%s is %s %s" % (node["path"], node["state"], node.get("configuration")), file=sys.stderr)
        sys.exit(1)
sys.exit(0 if everything else 1)
