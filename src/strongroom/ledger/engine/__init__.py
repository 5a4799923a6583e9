"""The batch engine: group commit of concurrent create_transfers calls (docs/ledger-engine.md).

One module per stage, in the order a batch meets them:

- `queue`: callers' calls waiting, and how a worker takes a batch off the queue;
- `workers`: the supervised tasks that run batches;
- `planning`: what a batch touches, which accounts it locks, which it only adds deltas to;
- `accounts`: the account cache planning reads the accounts' static fields from;
- `decision`: the pure rules run on the planned state;
- `writeset`: the rows a decided batch writes;
- `attempt`: an attempt's explicit outcome and what the next attempt does about it;
- `chain`: on SQLite, a batch decided while the batch before it still writes;
- `batch_engine`: `BatchEngine`, which runs the stages and keeps what they share;
- `spans`: the OpenTelemetry spans of a batch and of its attempts' database writes;
- `settings`: `EngineSettings`.

Every stage but `batch_engine` and `workers` is testable without a database. The engine
reaches the database only through the ledger's ports (strongroom.ledger.ports); it never
imports the store, the services, the API or the CLI.
"""

from strongroom.ledger.engine.attempt import run_in_transaction
from strongroom.ledger.engine.batch_engine import BatchEngine
from strongroom.ledger.engine.settings import EngineSettings, default_engine

__all__ = ["BatchEngine", "EngineSettings", "default_engine", "run_in_transaction"]
