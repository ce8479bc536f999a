"""/export [DAYS]: the history as a CSV file (§12), the org's for quality admins, else your own."""

from bot.commands import Arg, command, days_from
from bot.context import Context
from bot.history import visibility
from bot.history.export import export, file_name
from bot.webex import Upload

days = days_from(1, 400, "`/export 90`")


@command(
    "export",
    help="the meeting-quality history of the last DAYS days (default 30) as a CSV file",
    args=(Arg("DAYS", parse=days, default=30),),
)
def export_history(ctx: Context) -> None:
    view = visibility.export_view(ctx.runtime, ctx.person_id, ctx.person_email)
    if isinstance(view, visibility.Refused):
        ctx.reply(view.message)
        return
    content, count = export(view.scope, ctx.args["DAYS"], ctx.now())
    whose = "the organization's meetings" if view.org_view else "your meetings as a participant"
    ctx.reply(
        f"Quality history of {whose}, last {ctx.args['DAYS']} days: {count} row(s).",
        upload=Upload(file_name(ctx.now()), content, "text/csv"),
    )
