"""``flask --app screener ...`` command groups, registered by ``create_app``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group on the app's CLI."""
    from screener.cli import core, dev, exports, notify, users

    app.cli.add_command(core.questionnaire_group)
    app.cli.add_command(core.evaluate_command)
    app.cli.add_command(core.purge_command)
    app.cli.add_command(users.users_group)
    app.cli.add_command(exports.export_group)
    app.cli.add_command(dev.dev_group)
    app.cli.add_command(notify.notify_group)
