"""Every table of the bot. Repositories beside this module are the only code that queries them."""

from __future__ import annotations

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    IntegerField,
    Model,
    TextField,
)

from storage.db import database, utcnow


class BaseModel(Model):
    class Meta:
        database = database


class InboxReceipt(BaseModel):
    """A verified delivery exactly as the receiver took it, before any deduplication. No index
    but the row id: acknowledging a delivery costs one append, the least a durable store can
    do. The worker moves receipts into InboxEvent (storage.intake.take_in), where the key makes
    a redelivery a no-op."""

    id = AutoField()
    body = TextField()
    received_at = DateTimeField()


class InboxEvent(BaseModel):
    """Every delivery once, taken in from its receipts (or the spool): a redelivery meets the
    key and is dropped, and the status says how far its processing got."""

    id = AutoField()  # what peewee adds by itself, spelled out so the type checker knows it
    key = CharField(unique=True)  # resource:event:data.id
    resource = CharField()
    event = CharField()
    body = TextField()
    # pending|processing|done|failed|ignored|given_up
    status = CharField(default="pending", index=True)
    attempts = IntegerField(default=0)  # claims: a worker that dies mid-event costs one
    lease_until = DateTimeField(null=True)  # short, renewed by a heartbeat while work runs
    not_before = DateTimeField(null=True)  # postponed (Webex unavailable) until then
    postponed = IntegerField(default=0)  # how many times Webex was unavailable for it
    error_ref = CharField(null=True)
    received_at = DateTimeField(default=utcnow, index=True)
    finished_at = DateTimeField(null=True)


class Connection(BaseModel):
    """A person's OAuth tokens, encrypted; expiry in clear for scheduling refreshes."""

    person_id = CharField(primary_key=True)
    email = CharField(default="")
    display_name = CharField(default="")
    access_token = BlobField()
    refresh_token = BlobField()
    access_expires_at = DateTimeField()
    refresh_expires_at = DateTimeField(null=True)
    scopes = TextField(default="")
    version = IntegerField(default=0)  # compare-and-swap guard for refreshes
    refreshing_until = DateTimeField(null=True)  # lease: one worker spends the refresh token
    # A refresh whose answer was lost (Webex may have acted): the next one retries the same
    # refresh token and, if it was rotated meanwhile, the access token serves until it expires.
    refresh_in_doubt_at = DateTimeField(null=True)
    broken = BooleanField(default=False)
    connected_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class OrgConnection(BaseModel):
    """An organization's one connection (admin OAuth grant or Service App), encrypted like a
    person's; same refresh guards (storage/refreshable.py)."""

    org_id = CharField(primary_key=True)
    kind = CharField(default="oauth")  # oauth|service-app
    connected_by = CharField(default="")  # person id ("" for a Service App stored by the CLI)
    connected_by_email = CharField(default="")
    access_token = BlobField()
    refresh_token = BlobField()
    access_expires_at = DateTimeField()
    refresh_expires_at = DateTimeField(null=True)
    scopes = TextField(default="")
    version = IntegerField(default=0)
    refreshing_until = DateTimeField(null=True)
    refresh_in_doubt_at = DateTimeField(null=True)  # a refresh whose answer was lost
    broken = BooleanField(default=False)
    broken_told = BooleanField(default=False)  # the quality admins were told, once
    connected_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class PersonOrg(BaseModel):
    """A person's orgId as the bot token saw it (GET /people/{id}), kept for a while."""

    person_id = CharField(primary_key=True)
    org_id = CharField()
    email = CharField(default="")
    timezone = CharField(default="")
    checked_at = DateTimeField(default=utcnow)


class OAuthState(BaseModel):
    state_hash = CharField(primary_key=True)
    person_id = CharField(index=True)
    room_id = CharField(default="")
    kind = CharField(default="person")  # person|org: what the grant becomes
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class MeetingList(BaseModel):
    """The requester's last /meetings answer, so `#N` means what they saw."""

    person_id = CharField(primary_key=True)
    items = TextField()  # JSON list of meeting dicts, in the order shown
    created_at = DateTimeField(default=utcnow)


class QualityCache(BaseModel):
    """Raw meeting qualities plus the per-meeting lease that rations the analytics API."""

    meeting_id = CharField(primary_key=True)
    items = TextField(null=True)  # JSON list, exactly as Webex returned it
    meeting = TextField(null=True)  # JSON meeting instance, for titles and times
    fetched_at = DateTimeField(null=True)
    last_attempt_at = DateTimeField(null=True)
    last_status = IntegerField(null=True)
    lease_owner = CharField(null=True)
    lease_until = DateTimeField(null=True)


class RenderedQuality(BaseModel):
    """The chart and card made from one fetch, per time zone: a cached ask skips analysis and
    rendering, which are most of its cost."""

    meeting_id = CharField()
    timezone = CharField()
    fetched_at = DateTimeField()
    png = BlobField()
    card = TextField()
    markdown = TextField()

    class Meta:
        indexes = ((("meeting_id", "timezone"), True),)


class Subscription(BaseModel):
    room_id = CharField(primary_key=True)
    person_id = CharField(index=True)
    local_time = CharField()  # HH:MM
    timezone = CharField()
    created_at = DateTimeField(default=utcnow)
    paused_reason = TextField(null=True)
    paused_notified = BooleanField(default=False)


class SummaryRun(BaseModel):
    """One row per (space, local date): the claim that makes a daily summary go out once."""

    room_id = CharField()
    local_date = DateField()
    claimed_at = DateTimeField(default=utcnow)
    claimed_by = CharField(default="")
    sent_at = DateTimeField(null=True)
    status = CharField(default="claimed")  # claimed|sent|empty|failed|paused

    class Meta:
        indexes = ((("room_id", "local_date"), True),)


class HistoryRow(BaseModel):
    """One participant of one analysed meeting (contract §12), kept HISTORY_DAYS days.

    `day` is the start's UTC day number (days since 1970-01-01): weeks are then plain integer
    arithmetic, the same on SQLite and PostgreSQL. `email_lc` and `host_lc` are lowercased
    for indexed lookups; `email` keeps what Webex said, for the export.
    """

    meeting_id = CharField()
    participant_key = CharField()  # the analysis's participant key: email (lowercased) or id
    org_id = CharField(default="")  # "" when the meeting was read without an org connection
    start = DateTimeField()
    day = IntegerField()
    title = TextField(default="")
    host_lc = CharField(default="")
    name = TextField(default="")
    email = CharField(default="")
    email_lc = CharField(default="")
    network = CharField(default="")
    client = CharField(default="")
    transport = CharField(default="")
    minutes = FloatField(default=0.0)  # minutes with data
    poor_minutes = FloatField(default=0.0)  # minutes whose worst stream was poor (any channel)
    poor_audio = FloatField(default=0.0)
    poor_video = FloatField(default=0.0)
    poor_sharing = FloatField(default=0.0)  # the "share" channel (screen sharing)
    verdict = CharField(default="")
    cause = CharField(default="")
    # 1 on exactly one row of each meeting: an org's meetings are then counted with SUM over an
    # index instead of COUNT(DISTINCT meeting_id) over the table.
    lead = IntegerField(default=0)
    recorded_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "history"
        indexes = (
            (("meeting_id", "participant_key"), True),
            # Covering index: every org aggregate (weeks, totals, causes, repeat offenders) reads
            # only this index, never the table. One wide index rather than one per query keeps
            # recording a meeting cheap (each index is one more B-tree insert per row).
            (
                (
                    "org_id",
                    "start",
                    "day",
                    "network",
                    "minutes",
                    "poor_minutes",
                    "lead",
                    "verdict",
                    "cause",
                    "email_lc",
                ),
                False,
            ),
            (("email_lc", "start"), False),  # a person's rows: a few hundred, table reads are fine
            (("host_lc", "start"), False),
            (("start",), False),  # pruning
        )


class AlertMeeting(BaseModel):
    """One ended meeting of a connected org on its way to alerts: seen, due, analysed, done.
    The lease (owner, until) is the claim of the worker running it; status says how far it got."""

    meeting_id = CharField(primary_key=True)
    org_id = CharField(default="", index=True)
    meeting = TextField(default="{}")  # JSON meeting instance, completed with GET /meetings/{id}
    source = CharField(default="webhook")  # webhook|poll: who saw it first
    ended_at = DateTimeField(null=True)
    due_at = DateTimeField(index=True)
    status = CharField(default="waiting", index=True)  # waiting|planned|alerted|silent|failed
    attempts = IntegerField(default=0)
    lease_owner = CharField(null=True)
    lease_until = DateTimeField(null=True)
    error = TextField(null=True)
    seen_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True, index=True)


class AlertDelivery(BaseModel):
    """The claim for one alert message: unique per (meeting, target), created before posting.
    target is `space:<roomId>` or `person:<email>`; status pending -> sending -> sent, or
    skipped|failed|unknown (a `sending` whose worker died: maybe posted, never posted again)."""

    id = AutoField()  # spelled out so the type checker knows it
    meeting_id = CharField()
    target = CharField()
    kind = CharField()  # space|host|participant
    content = TextField()  # JSON {"markdown", "card"}: what to post, fixed at planning
    status = CharField(default="pending", index=True)
    attempts = IntegerField(default=0)
    claimed_by = CharField(null=True)
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True, index=True)
    error = TextField(null=True)

    class Meta:
        indexes = ((("meeting_id", "target"), True),)


class AlertSpace(BaseModel):
    """A space that said `/alerts on` (or off: the row keeps since when)."""

    room_id = CharField(primary_key=True)
    org_id = CharField(index=True)
    enabled = BooleanField(default=True)
    changed_by = CharField(default="")
    since = DateTimeField(default=utcnow)


class NotifyPreference(BaseModel):
    """`/notify off`: a person who asked not to get 1:1 alerts (default on: no row)."""

    email = CharField(primary_key=True)  # lower case, as quality items name people
    person_id = CharField(default="")
    enabled = BooleanField(default=True)
    since = DateTimeField(default=utcnow)


class AlertPoll(BaseModel):
    """When the safety-net listing of an org's ended meetings last ran (and who runs it now)."""

    org_id = CharField(primary_key=True)
    polled_at = DateTimeField(null=True)
    lease_until = DateTimeField(null=True)
    found = IntegerField(default=0)


class ReplyStep(BaseModel):
    """One reply an event's command posted, or tried to: a re-run skips every step that may
    have reached Webex, so no reply is ever posted twice."""

    event_id = IntegerField()
    step = IntegerField()  # 0, 1, 2... in the order the command posted them
    digest = CharField()  # what was posted (sha256), to recognise the step on a re-run
    status = CharField(default="sending")  # sending|sent|unknown|failed
    message_id = CharField(null=True)
    updated_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("event_id", "step"), True),)


ALL_MODELS: list[type[BaseModel]] = [
    InboxReceipt,
    InboxEvent,
    ReplyStep,
    Connection,
    OrgConnection,
    PersonOrg,
    OAuthState,
    MeetingList,
    QualityCache,
    RenderedQuality,
    Subscription,
    SummaryRun,
    HistoryRow,
    AlertMeeting,
    AlertDelivery,
    AlertSpace,
    NotifyPreference,
    AlertPoll,
]
