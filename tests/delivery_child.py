"""Child process for the kill tests: send the test edition to an SMTP server, then exit.

    python tests/delivery_child.py DB_PATH PORT CONNECTIONS
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from delivery_helpers import EDITION, delivery_settings, make_factory  # noqa: E402

from newsletter.config import SmtpSettings  # noqa: E402
from newsletter.deliver import SmtpTransport, send_edition  # noqa: E402
from newsletter.store import open_store  # noqa: E402


def main() -> int:
    db, port, connections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = open_store(f"sqlite:///{db}")
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port,
                                           connections=connections, timeout=10))
    rep = send_edition(store, make_factory(body_kb=1), transport, edition_date=EDITION,
                       list_name="daily", settings=delivery_settings(max_errors=50))
    print(rep.summary())
    return 0 if rep.state == "sent" else 1


if __name__ == "__main__":
    sys.exit(main())
