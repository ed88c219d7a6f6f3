"""Activity on an opportunity's children: notes, interviews, feedback, offers, documents, and their deletions."""

from __future__ import annotations

from collections.abc import Callable

from .. import operations
from ..generator import vocab
from ..generator.children import add_note, add_referral
from ..generator.documents import add_file, add_resume
from ..generator.offers import OFFER_STATUSES, add_offer, set_offer_status
from ..generator.panels import add_feedback, add_panel
from ..model import Opportunity
from .base import SimulationBase, pick

OPEN_OFFER = {"draft", "approval-sent", "approved", "sent", "sent-manually", "opened"}


class ChildActivity(SimulationBase):
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
        catalog, now = self.account.catalog, self.account.now_ms
        interviews = add_panel(
            operations.child_added(self.account, opp), self.rng, catalog, genesis, opp.id, now, opp.stage, count
        )
        operations.interviews_scheduled(self.account, opp, interviews)
        return True

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

        children = operations.child_added(self.account, opp)
        target = next(i for i in children["interviews"] if i["id"] == interview_id)
        add_feedback(children, self.rng, template, target, user, now)["deletedAt"] = None
        operations.interview_updated(self.account, opp, target)
        return True

    def offers(self) -> bool:
        late = self.account.catalog.pipeline[-3]["rank"]  # offers go to the last three stages' candidates first
        opp = self.opportunity(lambda o: self.active(o) and self.account.stage_rank[o.stage] >= late)
        opp = opp or self.opportunity(self.active)
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
        oid = pick(self.rng, materialized, lambda i: has_open(self.account.opportunities[i]))
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
