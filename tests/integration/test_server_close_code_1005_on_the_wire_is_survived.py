#!/usr/bin/python3
"""A Close frame from the server carrying 1005 on the wire (a reserved code
no endpoint may send) ends that connection and nothing else.

The server is tests/servers/ws_faults.py (the real python3-websockets
handshake and framing); its first connection carries a message, then on
the trigger message it misbehaves.  The daemon (max_message_size = 64KiB)
stays up, reconnects (the server sees a second connection, never two
sockets at once), and a message published afterwards is delivered on the
new connection; every message published arrives, once, in order; nothing
is logged at error level.  SIGTERM: exit 0.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frame_faults import survives_fault
from harness import main


def test(ctx):
    survives_fault(ctx, "close-raw:1005", "a Close with code 1005 on the wire")


if __name__ == "__main__":
    main(test)
