"""/help: every command, one line each, straight from the declarations."""

from bot.commands import command
from bot.context import Context


@command("help", help="list what I can do", aliases=("?", "commands"))
def help_command(ctx: Context) -> None:
    from bot.quality.cards import help_card

    card, markdown = help_card(ctx.commands.help_entries())
    ctx.reply(markdown, card=card)
