"""Alembic environment: always run by :mod:`newsletter.store._migrate` on a connection it
passes in ``config.attributes["connection"]`` (there is no alembic.ini). Importing this
module outside a migration (the install's import walk) does nothing."""

from alembic import context

from newsletter.store._schema import metadata


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if getattr(context, "_proxy", None) is not None:  # inside an Alembic command
    run()
