#!/usr/bin/python3
"""A 1 MiB message from the server, over max_message_size (64KiB), makes
the daemon fail the connection with Close 1009 (the server sees the code;
the log says "closing with 1009"), then reconnect and carry on.

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
    survives_fault(ctx, "oversize:%d" % (1 << 20), "a 1 MiB message (max_message_size 64KiB)",
                   close_codes=(1009,), log_says="closing with 1009")


if __name__ == "__main__":
    main(test)
