"""Simulated recruiting activity between two instants of the sandbox clock.

Each kind has a rate per day (per 1,000 opportunities for candidate activity, per sqrt-scaled account for
catalog activity); counts use stochastic rounding (floor(expected + u)), so a 7-day advance of a 1k account
produces every kind at least once. Events get uniform instants in (old, new] and apply in time order through
`operations`, with the clock set to each instant: the records carry realistic timestamps.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from . import operations
from .account import Account
from .clock import DAY_MS
from .generator import vocab
from .generator.catalog import add_posting
from .generator.children import (
    OFFER_STATUSES,
    add_feedback,
    add_file,
    add_note,
    add_offer,
    add_panel,
    add_referral,
    add_resume,
    set_offer_status,
)
from .generator.people import PersonFactory
from .model import Genesis, Opportunity

# kind -> (events per day, scales with opportunities (True) or with the catalog (False))
RATES: dict[str, tuple[float, bool]] = {
    "new_applicants": (6.0, True),
    "stage_moves": (12.0, True),
    "archives": (5.0, True),
    "hires": (0.6, True),
    "unarchives": (0.4, True),
    "notes": (10.0, True),
    "interviews": (4.0, True),
    "panels": (1.5, True),
    "feedback": (5.0, True),
    "offers": (0.6, True),
    "offer_updates": (1.0, True),
    "resumes": (1.5, True),
    "files": (1.0, True),
    "referrals": (0.5, True),
    "posting_edits": (0.3, False),
    "posting_closures": (0.3, False),
    "new_postings": (0.4, False),
    "user_deactivations": (0.2, False),
    "opportunity_deletions": (0.5, True),
    "posting_deletions": (0.2, False),
    "application_deletions": (0.2, True),
    "anonymizations": (0.3, True),
    "interview_deletions": (0.3, True),
    "note_deletions": (0.4, True),
    "offer_deletions": (0.2, True),
}
LAST_STAGE = 8
OPEN_OFFER = {"draft", "approval-sent", "approved", "sent", "sent-manually", "opened"}


class Simulation:
    def __init__(self, account: Account, rng: random.Random) -> None:
        self.account = account
        self.rng = rng
        self.ids = list(account.opportunities)
        self.factory = PersonFactory(rng)

    # -- choosing targets ------------------------------------------------------------------------------
    def opportunity(self, accept: Callable[[Opportunity], bool] = lambda o: True) -> Opportunity | None:
        account = self.account

        def ok(oid: str) -> bool:
            opp = account.live_opportunity(oid)
            return opp is not None and accept(opp)

        oid = operations.pick(self.rng, self.ids, ok, tries=200)
        return account.opportunities[oid] if oid else None

    def active(self, opp: Opportunity) -> bool:
        return opp.archived is None and not opp.is_anonymized

    def genesis_now(self, opp: Opportunity) -> Genesis:
        """Children created now are shaped from the opportunity as it is now."""
        contact = self.account.contacts[opp.contact]
        return Genesis(
            opp.created_at,
            self.account.now_ms,
            opp.stage_changes,
            opp.posting_id,
            next(iter(opp.application_ids), None),
            opp.owner or "",
            contact.name,
            next(iter(contact.emails), ""),
            opp.origin,
            False,
        )

    def user(self) -> str:
        return self.rng.choice(self.account.catalog.recruiters)

    def add_child(self, opp: Opportunity, add: Callable[[dict], object]) -> bool:
        add(operations.child_added(self.account, opp))
        return True

    # -- kinds -----------------------------------------------------------------------------------------
    def new_applicants(self) -> bool:
        account, rng = self.account, self.rng
        postings = [
            p
            for pid, p in account.catalog.postings.items()
            if p["state"] in ("published", "internal") and not account.posting_deleted(pid)
        ]
        if not postings:
            return False
        posting = rng.choice(postings)
        person = self.factory.contact(account.new_id())
        contact = operations.find_contact(account, person.emails) or operations.new_contact(
            account, person.name, person.headline, person.location, person.emails, person.phones, person.links
        )
        opp = operations.create_opportunity(
            account,
            contact,
            stage="applicant-new",
            origin="applied",
            owner=posting["owner"],
            posting=posting,
            tags=[],
            sources=[rng.choice(["Job site", "LinkedIn", "Indeed"])],
            followers=[posting["owner"]],
            created_at=account.now_ms,
            application_type="posting",
            user=None,
            application_fields={
                "name": contact.name,
                "email": next(iter(contact.emails), None),
                "links": list(contact.links),
                "custom_questions": None,
            },
        )
        application = account.live_application(opp)
        application.custom_questions = account.custom_questions(application)  # answered now, stored for good
        return True

    def stage_moves(self) -> bool:
        opp = self.opportunity(lambda o: self.active(o) and self.account.stage_index(o.stage) < LAST_STAGE)
        if opp is None:
            return False
        index = self.account.stage_index(opp.stage) + (1 if self.rng.random() < 0.85 else 2)
        stage = self.account.catalog.stages[min(index, LAST_STAGE)]["id"]
        operations.change_stage(self.account, opp, stage, self.user())
        return True

    def archives(self) -> bool:
        opp = self.opportunity(self.active)
        if opp is None:
            return False
        reasons = [
            r["id"] for r in self.account.catalog.archive_reasons if r["type"] != "hired" and r["status"] == "active"
        ]
        operations.archive(self.account, opp, self.rng.choice(reasons))
        return True

    def hires(self) -> bool:
        opp = self.opportunity(lambda o: self.active(o) and o.stage == "offer") or self.opportunity(self.active)
        if opp is None:
            return False
        if opp.stage != "offer":
            operations.change_stage(self.account, opp, "offer", self.user())
        operations.archive(self.account, opp, self.account.hired_reason())
        return True

    def unarchives(self) -> bool:
        hired = self.account.hired_reason()
        opp = self.opportunity(lambda o: o.archived is not None and o.archived[0] != hired and not o.is_anonymized)
        if opp is None:
            return False
        operations.archive(self.account, opp, None)
        return True

    def notes(self) -> bool:
        opp = self.opportunity()
        if opp is None:
            return False
        text, user = self.rng.choice(vocab.NOTE_SENTENCES), self.user()
        return self.add_child(opp, lambda c: add_note(c, self.rng, self.account.now_ms, text, user, opp.stage))

    def _schedule(self, count: int) -> bool:
        opp = self.opportunity(self.active)
        if opp is None:
            return False
        genesis = self.genesis_now(opp)
        return self.add_child(
            opp,
            lambda c: add_panel(
                c, self.rng, self.account.catalog, genesis, opp.id, self.account.now_ms, opp.stage, count
            ),
        )

    def interviews(self) -> bool:
        return self._schedule(1)

    def panels(self) -> bool:
        return self._schedule(self.rng.randint(2, 3))

    def feedback(self) -> bool:
        now = self.account.now_ms

        def done(o: Opportunity) -> bool:
            return any(
                i["canceledAt"] is None and i["date"] + i["duration"] * 60_000 <= now
                for i in self.account.children(o)["interviews"]
            )

        opp = self.opportunity(done)
        if opp is None:
            return False
        children = self.account.children(opp)
        interview = self.rng.choice(
            [i for i in children["interviews"] if i["canceledAt"] is None and i["date"] + i["duration"] * 60_000 <= now]
        )
        templates = {t["id"]: t for t in self.account.catalog.feedback_templates}
        template = templates.get(interview["feedbackTemplate"], self.account.catalog.feedback_templates[0])
        interview_id, user = interview["id"], interview["interviewers"][0]["id"]

        def add(c: dict) -> None:
            target = next(i for i in c["interviews"] if i["id"] == interview_id)
            form = add_feedback(c, self.rng, template, target, user, now)
            form["deletedAt"] = None

        return self.add_child(opp, add)

    def offers(self) -> bool:
        opp = self.opportunity(lambda o: self.active(o) and self.account.stage_index(o.stage) >= 6) or self.opportunity(
            self.active
        )
        if opp is None:
            return False
        genesis = self.genesis_now(opp)
        return self.add_child(
            opp, lambda c: add_offer(c, self.rng, self.account.catalog, genesis, self.account.now_ms, "draft")
        )

    def offer_updates(self) -> bool:
        def has_open(o: Opportunity) -> bool:
            return any(offer["status"] in OPEN_OFFER for offer in self.account.children(o)["offers"])

        materialized = [oid for oid in self.account.materialized if self.account.live_opportunity(oid)]
        oid = operations.pick(self.rng, materialized, lambda i: has_open(self.account.opportunities[i]))
        opp = self.account.opportunities[oid] if oid else self.opportunity(has_open)
        if opp is None:
            return False
        children = operations.child_added(self.account, opp)
        offer = self.rng.choice([o for o in children["offers"] if o["status"] in OPEN_OFFER])
        later = OFFER_STATUSES[OFFER_STATUSES.index(offer["status"]) + 1 :]
        set_offer_status(
            offer, self.rng.choice([s for s in later if s != "sent-manually"] or ["signed"]), self.account.now_ms
        )
        return True

    def resumes(self) -> bool:
        opp = self.opportunity(lambda o: not o.is_anonymized)
        if opp is None:
            return False
        genesis = self.genesis_now(opp)
        return self.add_child(opp, lambda c: add_resume(c, self.rng, genesis, opp.id, self.account.now_ms))

    def files(self) -> bool:
        opp = self.opportunity(lambda o: not o.is_anonymized)
        if opp is None:
            return False
        name = f"{self.account.contacts[opp.contact].name} - Work sample.pdf"
        return self.add_child(opp, lambda c: add_file(c, self.rng, opp.id, name, self.account.now_ms))

    def referrals(self) -> bool:
        opp = self.opportunity(self.active)
        if opp is None:
            return False
        genesis = self.genesis_now(opp)
        return self.add_child(
            opp, lambda c: add_referral(c, self.rng, self.account.catalog, genesis, self.account.now_ms)
        )

    def _posting(self, accept: Callable[[dict], bool]) -> dict | None:
        account = self.account
        return operations.pick(
            self.rng,
            list(account.catalog.postings.values()),
            lambda p: not account.posting_deleted(p["id"]) and accept(p),
        )

    def posting_edits(self) -> bool:
        posting = self._posting(lambda p: p["state"] != "closed")
        if posting is None:
            return False
        department = posting["categories"]["department"]
        if self.rng.random() < 0.5:
            title = self.rng.choice([t for t in vocab.JOB_TITLES[department] if t != posting["text"]])
            operations.edit_posting(self.account, posting, text=title)
        else:
            teams = [t for t in vocab.TEAMS[department] if t != posting["categories"]["team"]] or ["Core"]
            operations.edit_posting(self.account, posting, categories={"team": self.rng.choice(teams)})
        return True

    def posting_closures(self) -> bool:
        posting = self._posting(lambda p: p["state"] in ("published", "internal"))
        if posting is None:
            return False
        operations.set_posting_state(self.account, posting, "closed")
        return True

    def new_postings(self) -> bool:
        catalog = self.account.catalog
        add_posting(catalog, self.rng, self.account.now_ms, self.account.now_ms)
        self.account.changed()
        return True

    def posting_deletions(self) -> bool:
        posting = self._posting(lambda p: p["state"] in ("closed", "draft"))
        if posting is None:
            return False
        operations.delete_posting(self.account, posting)
        return True

    def user_deactivations(self) -> bool:
        catalog = self.account.catalog
        keep = set(catalog.recruiters[:3])  # keep a few owners active so activity always has actors
        uid = operations.pick(
            self.rng,
            list(catalog.users),
            lambda u: (
                catalog.users[u]["deactivatedAt"] is None
                and catalog.users[u]["accessRole"] != "super admin"
                and u not in keep
            ),
        )
        if uid is None:
            return False
        operations.deactivate_user(self.account, catalog.users[uid])
        return True

    def opportunity_deletions(self) -> bool:
        opp = self.opportunity()
        if opp is None:
            return False
        operations.delete_opportunity(self.account, opp, self.user() if self.rng.random() < 0.7 else None)
        return True

    def application_deletions(self) -> bool:
        opp = self.opportunity(lambda o: self.account.live_application(o) is not None)
        return opp is not None and operations.delete_application(self.account, opp)

    def anonymizations(self) -> bool:
        opp = self.opportunity(lambda o: not o.is_anonymized and o.archived is not None) or self.opportunity(
            lambda o: not o.is_anonymized
        )
        if opp is None:
            return False
        operations.anonymize(self.account, opp)
        return True

    def _delete_child(self, kind: str, accept: Callable[[dict], bool] = lambda r: True) -> bool:
        opp = self.opportunity(lambda o: any(accept(r) for r in self.account.children(o)[kind]))
        if opp is None:
            return False
        record = self.rng.choice([r for r in self.account.children(opp)[kind] if accept(r)])
        return operations.remove_child(self.account, opp, kind, record["id"])

    def interview_deletions(self) -> bool:
        return self._delete_child("interviews")

    def note_deletions(self) -> bool:
        return self._delete_child("notes", lambda r: r["deletedAt"] is None)

    def offer_deletions(self) -> bool:
        return self._delete_child("offers")


def advance(account: Account, until_ms: int) -> dict[str, int]:
    """Move the clock to `until_ms`, simulating activity on the way; returns applied events per kind."""
    start = account.now_ms
    counts = dict.fromkeys(RATES, 0)
    if until_ms <= start:
        return counts
    rng = random.Random(f"{account.seed}:activity:{account.advances}:{start}:{until_ms}")
    account.advances += 1
    days = (until_ms - start) / DAY_MS
    live = sum(1 for o in account.opportunities.values() if o.deleted_at is None)
    scale = {True: live / 1000, False: max(1.0, math.sqrt(live / 1000))}
    events = []
    for kind, (rate, per_opportunity) in RATES.items():
        for _ in range(math.floor(rate * days * scale[per_opportunity] + rng.random())):
            events.append((rng.randint(start + 1, until_ms), kind))
    events.sort()
    simulation = Simulation(account, rng)
    for at, kind in events:
        account.clock.now_ms = at
        if getattr(simulation, kind)():
            counts[kind] += 1
    account.clock.now_ms = until_ms
    account.changed()
    return counts
