"""Issue tickets for one conversation from many threads, each with its own lock store
connected to the same Redis (as separate Rasa replicas would be), all at the same moment;
print the ticket numbers as JSON. Runs in the Rasa environment:
    lock_race.py HOST PORT CLASS N CONVERSATION_ID
CLASS is `plain` (Rasa's RedisLockStore) or `atomic` (bot.lock_store.AtomicRedisLockStore)."""
import json
import sys
import threading

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import AtomicRedisLockStore


def main(host: str, port: str, kind: str, n: str, conversation_id: str) -> None:
    config = EndpointConfig(url=host, port=int(port), db=1)
    stores = [AtomicRedisLockStore(config) if kind == "atomic" else RedisLockStore(host=host, port=int(port), db=1)
              for _ in range(int(n))]
    start = threading.Barrier(len(stores))
    tickets: list[int] = []

    def issue(store) -> None:
        start.wait()
        tickets.append(store.issue_ticket(conversation_id))

    threads = [threading.Thread(target=issue, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(sorted(tickets)))


if __name__ == "__main__":
    main(*sys.argv[1:6])
