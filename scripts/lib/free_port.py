#!/usr/bin/env python3
"""Prints the TCP port given (default 0) if it is free on 127.0.0.1, else a
free one the kernel picks. Usage: free_port.py [PORT]"""
import socket
import sys

wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 0
with socket.socket() as probe:
    try:
        probe.bind(("127.0.0.1", wanted))
    except OSError:
        probe.bind(("127.0.0.1", 0))
    print(probe.getsockname()[1])
