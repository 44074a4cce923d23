"""Move the test database to given migrations and back, for tests of data migrations (upgrades that keep data)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to `targets` ([(app, migration)]) and return the apps as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    """Back to every app's last migration, as the other tests expect the database."""
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
