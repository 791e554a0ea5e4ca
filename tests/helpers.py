"""Plain helpers the tests share (fixtures live in conftest.py)."""

import threading

from django.db import connection


def ids(response) -> set:
    """The ids on one page of an API list, after checking the list answered 200."""
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def race(calls):
    """Run ``calls`` at once, one thread each; returns what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def carried(message) -> list[str]:
    """The keys of the notices an e-mail of Django's test outbox carries (one recipient's notices
    of one delivery batch)."""
    from notices.delivery import carried_keys

    return carried_keys(message.extra_headers["X-Liaison-Notification"])


def emailed_keys(outbox) -> list[str]:
    """The keys of the notices that the e-mails in ``outbox`` carry, in order."""
    return [key for message in outbox for key in carried(message)]

