"""/export [DAYS]: the history as a CSV file (§12), the org's for quality admins, else your own."""

from bot import echo
from bot.commands import Arg, command
from bot.context import Context
from bot.history import visibility
from bot.history.export import export, file_name
from bot.webex import Upload


def days(word: str) -> int:
    try:
        value = int(word)
    except ValueError:
        raise ValueError(f"{echo.code(word)} is not a number of days: use 1 to 400.") from None
    if not 1 <= value <= 400:
        raise ValueError(
            f"DAYS must be from 1 to 400 (you typed {echo.plain(word, 20)}), e.g. `/export 90`."
        )
    return value


@command(
    "export",
    help="the meeting-quality history of the last DAYS days (default 30) as a CSV file",
    args=(Arg("DAYS", parse=days, default=30),),
)
def export_history(ctx: Context) -> None:
    view = visibility.export_view(ctx.runtime, ctx.person_id, ctx.person_email)
    content, count = export(view.scope, ctx.args["DAYS"], ctx.now())
    whose = "the organization's meetings" if view.org_view else "your meetings as a participant"
    ctx.reply(
        f"Quality history of {whose}, last {ctx.args['DAYS']} days: {count} row(s).",
        upload=Upload(file_name(ctx.now()), content, "text/csv"),
    )
