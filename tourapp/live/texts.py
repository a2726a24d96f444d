"""Every text the live scripts show, translated on the server (the scripts fill ``{tokens}``)."""

from __future__ import annotations

from flask_babel import gettext, ngettext

from ..domain.tour import Tour


def _forms(say) -> dict:
    # gettext's n=1 and n=2 are the "one" and "other" forms of French and English. ``say``
    # calls ngettext with literal texts, so that the extractor sees them.
    return {f: say(n) for f, n in (("one", 1), ("other", 2))}


def _group_forms() -> dict:
    """The group's verdicts, as plural forms (literal here, so that extraction finds them)."""
    forms: dict = {"late": {}, "early": {}, "pending": {}}
    for f, n in (("one", 1), ("other", 2)):
        forms["late"][f] = ngettext(
            "the group is %(count)s min late", "the group is %(count)s min late", n, count="{num}"
        )
        forms["early"][f] = ngettext(
            "the group is %(count)s min early", "the group is %(count)s min early", n,
            count="{num}",
        )
        forms["pending"][f] = ngettext(
            "%(count)s report waiting to be sent", "%(count)s reports waiting to be sent", n,
            count="{num}",
        )
    return forms


def participant() -> dict:
    """Texts of ``static/js/live.js``, in the current language (a file of their own:
    ``/<lang>/live-texts.json``, not in every page, fetched by live.js when it runs)."""
    return {
        "group_at": gettext("Group: at %(name)s since %(time)s", name="{name}", time="{time}"),
        "group_walking": gettext("Group: walking to %(name)s", name="{name}"),
        "group_finished": gettext("Group: end of the walk"),
        "group_waiting": gettext(
            "Group: at %(name)s, the walk starts at %(time)s", name="{name}", time="{time}"
        ),
        # The group's verdict, named as the group's: the card shows the walker's own beside it.
        "on_time": gettext("the group is on time"),
        "late": _group_forms()["late"],
        "early": _group_forms()["early"],
        "silent": gettext("last news %(time)s", time="{time}"),
        "minutes": _forms(lambda n: ngettext("%(count)s min", "%(count)s min", n, count="{num}")),
        "planned_estimated": gettext(
            "planned %(planned)s → estimated %(estimated)s",
            planned="{planned}", estimated="{estimated}",
        ),
        "planned_actual": gettext(
            "planned %(planned)s → arrived %(actual)s", planned="{planned}", actual="{actual}"
        ),
        "away": gettext(
            "The group is %(distance)s away, about %(time)s on foot.",
            distance="{distance}", time="{time}",
        ),
        "message_from": gettext("Message from %(name)s at %(time)s:", name="{name}", time="{time}"),
        "guide": gettext("The guide"),
        "just_now": gettext("just now"),
        "ago": gettext("%(time)s ago", time="{time}"),
        "stale": gettext(
            "No connection: last news of the group %(age)s.", age="{age}"
        ),
        "start": gettext("Start now"),
        "reset": gettext("Back to the planned times"),
        "solo_help": gettext(
            "Times follow your own start, kept on this phone only."
        ),
        "your_pace": gettext("at your pace: %(time)s", time="{time}"),
        "group_label": gettext("Position of the group"),
    }


def guide(tour: Tour) -> dict:
    """Texts of ``static/js/guide.js``, in the current language."""
    return {
        "checking": gettext("Checking the link…"),
        "valid": gettext("%(name)s's link, valid until %(time)s.", name="{name}", time="{time}"),
        "invalid": gettext(
            "This link is not valid (expired, revoked or mistyped). "
            "Ask the organiser for a new one."
        ),
        "share": gettext("Share my position"),
        "stop_sharing": gettext("Stop sharing"),
        "sent_position": gettext(
            "Position sent at %(time)s (± %(accuracy)s m).", time="{time}", accuracy="{accuracy}"
        ),
        "arrive": gettext("We are at stop %(number)s: %(name)s", number="{number}", name="{name}"),
        "leave": gettext(
            "We are leaving for stop %(number)s: %(name)s", number="{number}", name="{name}"
        ),
        "propose_arrive": gettext(
            "You seem to be at stop %(number)s. Tell the group?", number="{number}"
        ),
        "propose_leave": gettext(
            "You seem to have left stop %(number)s. Tell the group?", number="{number}"
        ),
        "state_at": gettext(
            "The group is at stop %(number)s: %(name)s.", number="{number}", name="{name}"
        ),
        "state_walking": gettext(
            "The group is walking to stop %(number)s: %(name)s.", number="{number}", name="{name}"
        ),
        "state_planned": gettext("No report yet: participants see the planned times."),
        "state_finished": gettext("The walk is over."),
        "sent": gettext("Sent."),
        "refused": gettext("Not sent: %(reason)s", reason="{reason}"),
        "offline": gettext("No network: it will be sent when the network is back."),
        "no_position": gettext("Your position is not available."),
        "message_cleared": gettext("Message cleared."),
        "pending": _group_forms()["pending"],
        "server_error": gettext("The server did not answer: it will be sent again."),
        "current_message": gettext("Message shown to participants: %(text)s", text="{text}"),
        "ended": gettext("Walk ended."),
        "undone": gettext("Last report undone."),
        "state_waiting": gettext(
            "The group is at stop %(number)s: %(name)s; the walk starts at %(time)s.",
            number="{number}", name="{name}", time="{time}",
        ),
        "planned_estimated": gettext(
            "%(number)s. %(name)s: planned %(planned)s → estimated %(estimated)s",
            number="{number}", name="{name}", planned="{planned}", estimated="{estimated}",
        ),
        "planned_actual": gettext(
            "%(number)s. %(name)s: planned %(planned)s → arrived %(actual)s",
            number="{number}", name="{name}", planned="{planned}", actual="{actual}",
        ),
        "on_time": gettext("the group is on time"),
        "late": _group_forms()["late"],
        "early": _group_forms()["early"],
        "silent": gettext("last news %(time)s", time="{time}"),
        "ago": gettext("%(time)s ago", time="{time}"),
        "minutes": _forms(lambda n: ngettext("%(count)s min", "%(count)s min", n, count="{num}")),
        # The map's group marker: « Marie, il y a 3 min ».
        "guide": gettext("The guide"),
        "just_now": gettext("just now"),
    }
